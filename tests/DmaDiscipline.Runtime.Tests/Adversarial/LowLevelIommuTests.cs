namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>
/// The public low-level <see cref="IommuDomain.Map"/> and <see cref="IommuDomain.Unmap"/> cannot
/// desynchronise the DMA API of a device in the same domain: they refuse what the DMA API owns, and
/// the DMA API's allocator never hands out an IOVA an explicit mapping occupies.
/// </summary>
public sealed class LowLevelIommuTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void ExplicitUnmapOfADmaApiMapping_IsRefused_AndTheDmaApiStillOwnsIt()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 5));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        var error = Assert.Throws<ArgumentException>(() => nic.Domain!.Unmap(address.Value, Page));

        Assert.Contains("DMA API", error.Message);
        Assert.Equal(Machines.Pattern(Page, 5), nic.DeviceRead(address, Page)); // still mapped for the device
        nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);                // and released by its owner
        Assert.Equal(0, nic.Domain!.PresentPages);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void ExplicitMapOverARangeWaitingForTheLazyFlush_IsRefused_UntilTheFlush()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        KBuffer other = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);

        Assert.Throws<ArgumentException>(() => nic.Domain!.Map(address.Value, other.PhysicalAddress, Page, IommuPermission.Read));

        nic.Domain!.Flush();
        nic.Domain.Map(address.Value, other.PhysicalAddress, Page, IommuPermission.Read);
        Assert.True(nic.Domain.IsMapped(address.Value));
    }

    [Fact]
    public void TheDmaApi_StepsAroundAnExplicitMapping_AndGetsItsIovaBackWhenTheMappingGoes()
    {
        // The allocator works top-down below the mask: with a 32-bit mask its first choice is the page
        // at 0xFFFFF000, which an explicit mapping occupies.
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer pinned = machine.Buffer(Machines.Pattern(Page, 1));
        KBuffer data = machine.Buffer(Machines.Pattern(Page, 9));
        nic.Domain!.Map(0xFFFF_F000, pinned.PhysicalAddress, Page, IommuPermission.Read);

        DmaAddr address = nic.MapChecked(data, 0, Page, DmaDirection.ToDevice);

        Assert.NotEqual(0xFFFF_F000UL, address.Value);
        Assert.Equal(Machines.Pattern(Page, 9), nic.DeviceRead(address, Page));
        Assert.Equal(Machines.Pattern(Page, 1), nic.DeviceRead(new DmaAddr(0xFFFF_F000), Page)); // the explicit mapping is intact
        int held = nic.Domain.Iova!.Allocated;
        nic.Domain.Unmap(0xFFFF_F000, Page);
        Assert.Equal(held - 1, nic.Domain.Iova.Allocated); // the IOVA held back over the explicit mapping is free again
        nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
        Assert.Equal(0, nic.Domain.Iova.Allocated);
    }

    [Fact]
    public void ExplicitMappings_InTheirOwnDomain_MapAndUnmapFreely_InParts()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        domain.Map(0x10000, buffer.PhysicalAddress, 2 * Page, IommuPermission.ReadWrite);

        domain.Unmap(0x11000, Page);
        domain.Unmap(0x10000, Page);

        Assert.Equal(0, domain.PresentPages);
        Assert.Throws<ArgumentException>(() => domain.Unmap(0x10000, Page));
    }
}
