using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests.Consumers;

/// <summary>
/// A driver on a vendor HAL that knows nothing of DmaDiscipline.Runtime. Its sources of physical addresses
/// and its device-visible sinks are named in DmaDiscipline.txt and DmaDiscipline.Queues.txt next to the
/// project file, which the package turns into AdditionalFiles by convention (the project lists none).
/// </summary>
public static class VendorConsumer
{
    public const string Sources = "src";

    public static Consumer Create(PackedPackages packages)
    {
        var files = new Dictionary<string, string>
        {
            [$"{Sources}/Hal.cs"] = """
                namespace Vendor;

                /// <summary>The vendor's hardware abstraction layer.</summary>
                public static class Hal
                {
                    /// <summary>The CPU physical address of a page (virt_to_phys).</summary>
                    public static ulong PhysAddrOf(byte[] page) => (ulong)page.Length << 12;

                    /// <summary>Programs a queue's base address register.</summary>
                    public static void WriteQueueBase(int queue, ulong address) { }

                    /// <summary>A descriptor the device reads.</summary>
                    public sealed class Descriptor
                    {
                        public ulong Address { get; private set; }

                        public void SetAddress(ulong address) => Address = address;
                    }
                }
                """,
            [$"{Sources}/VendorDriver.cs"] = """
                namespace Vendor.Drivers;

                public static class VendorDriver
                {
                    public static void Post(byte[] page, Hal.Descriptor descriptor)
                    {
                        descriptor.SetAddress(Hal.PhysAddrOf(page)); // expect DMA001 at "Hal.PhysAddrOf(page)"
                        Hal.WriteQueueBase(0, Hal.PhysAddrOf(page) + 64); // expect DMA001 at "Hal.PhysAddrOf(page) + 64"
                        Hal.WriteQueueBase(1, 0);
                    }
                }
                """,
            ["DmaDiscipline.txt"] = """
                # Vendor HAL: where physical addresses come from and where a device reads bus addresses.
                M:Vendor.Hal.PhysAddrOf(System.Byte[]) ; physical-source
                M:Vendor.Hal.Descriptor.SetAddress(System.UInt64) ; bus-sink
                """,
            ["DmaDiscipline.Queues.txt"] = """
                M:Vendor.Hal.WriteQueueBase(System.Int32,System.UInt64) ; bus-sink(address)
                M:Vendor.Hal.Reset ; teleport  # expect DMA900 at "M:Vendor.Hal.Reset"
                """,
        };
        // A project may list a symbols file itself; the convention must not add it a second time.
        const string listedExplicitly = """
                <AdditionalFiles Include="DmaDiscipline.Queues.txt" Condition="'$(ListQueuesFile)' == 'true'" />

            """;
        return new Consumer(packages, "VendorConsumer", Sources, [PackedPackages.AnalyzersId], files, listedExplicitly);
    }
}
