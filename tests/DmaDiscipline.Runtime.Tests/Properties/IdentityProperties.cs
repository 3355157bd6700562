using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Properties;

/// <summary>Identity (passthrough and no-IOMMU) mappings return the physical address whenever the mask allows it.</summary>
public sealed class IdentityProperties
{
    [Fact]
    public void IdentityMode_ReturnsThePhysicalAddress_WhenTheMaskReachesIt_AndBouncesOtherwise()
    {
        Gen<(bool Iommu, bool High, bool Narrow, int Offset, int Length)> cases =
            Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 20_000], Gen.Int[1, 8192]);

        cases.Sample(c =>
        {
            Machine machine = c.Iommu ? Machines.With(DomainKind.Identity) : Machines.WithoutIommu();
            Device device = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = c.Narrow ? uint.MaxValue : ulong.MaxValue });
            byte[] contents = Machines.Pattern(20_000 + 8192, (byte)c.Offset);
            KBuffer buffer = machine.Buffer(contents, c.High ? MemoryPlacement.Above4G : MemoryPlacement.Below4G);

            DmaAddr address = device.MapChecked(buffer, c.Offset, c.Length, DmaDirection.ToDevice);

            ulong physical = buffer.PhysicalAddress.Value + (ulong)c.Offset;
            bool reachable = physical + (ulong)c.Length - 1 <= device.Dma.DmaMask;
            Assert.Equal(reachable, address.Value == physical);
            Assert.Equal(!reachable, machine.Swiotlb!.BouncedBytes > 0);
            Assert.Equal(contents.AsSpan(c.Offset, c.Length).ToArray(), device.DeviceRead(address, c.Length));
        }, iter: 200);
    }
}
