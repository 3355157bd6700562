using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests.Consumers;

/// <summary>
/// A driver solution of two projects, both with the analyzer package: a virtio library project whose
/// <c>Virtqueue.SetDescriptor</c> stores its address into a descriptor field, and a block driver project
/// that references it and calls the wrapper with a physical address. No symbols file anywhere: the
/// library's summary travels with its assembly, and the driver's build reports DMA001 at the call.
/// </summary>
public static class LayeredConsumer
{
    public const string Driver = "blk";

    public static Consumer Create(PackedPackages packages)
    {
        var files = new Dictionary<string, string>
        {
            ["virtio/Virtio.csproj"] = $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="{PackedPackages.AnalyzersId}" Version="{packages.Version}" PrivateAssets="all" />
                    <PackageReference Include="{PackedPackages.RuntimeId}" Version="{packages.Version}" />
                  </ItemGroup>
                </Project>
                """,
            ["virtio/Virtqueue.cs"] = """
                using DmaDiscipline.Runtime;

                namespace Virtio;

                /// <summary>A split-virtqueue descriptor as the device reads it.</summary>
                public struct VirtqDesc
                {
                    [BusAddress] public ulong Addr;
                    public uint Len;
                }

                /// <summary>The library's wrapper: the address it is given lands in the descriptor table.</summary>
                public sealed class Virtqueue
                {
                    private readonly VirtqDesc[] _desc = new VirtqDesc[16];

                    public void SetDescriptor(int index, ulong physAddr, uint len)
                    {
                        _desc[index].Addr = physAddr;
                        _desc[index].Len = len;
                    }

                    /// <summary>A look-alike: only logs.</summary>
                    public void Trace(ulong address) => System.Console.WriteLine(address);
                }
                """,
            [$"{Driver}/BlkDriver.cs"] = """
                using DmaDiscipline.Runtime;
                using Virtio;

                namespace Blk;

                public static class BlkDriver
                {
                    public static void Submit(Virtqueue queue, KBuffer header)
                    {
                        queue.SetDescriptor(0, header.PhysicalAddress.Value, 16); // expect DMA001 at "header.PhysicalAddress.Value"
                        queue.Trace(header.PhysicalAddress.Value);
                    }

                    public static bool SubmitMapped(DmaApi dma, Virtqueue queue, KBuffer header)
                    {
                        var address = dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                        if (dma.MappingError(address))
                        {
                            return false;
                        }

                        queue.SetDescriptor(0, address.Value, 16);
                        dma.UnmapSingle(address, 16, DmaDirection.ToDevice);
                        return true;
                    }
                }
                """,
        };
        const string reference = """
                <ProjectReference Include="virtio/Virtio.csproj" />

            """;
        return new Consumer(packages, "LayeredConsumer", Driver, [PackedPackages.AnalyzersId, PackedPackages.RuntimeId], files, reference);
    }
}
