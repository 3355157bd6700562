using DmaDiscipline.Runtime.Tests.Dma;

namespace DmaDiscipline.Runtime.Tests.Isolation;

/// <summary>
/// Forged, stale and borrowed addresses through the public API: a driver cannot release or sync what
/// its device does not hold — another device's bounce slot or mapping, a slot or coherent buffer
/// since handed to someone else — and each refusal changes nothing.
/// </summary>
public sealed class AddressReuseTests
{
    private const int Page = PhysicalMemory.PageSize;

    public static TheoryData<string> Platforms => MapSingleTests.Platforms;

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AnotherDevicesMapping_CannotBeUnmappedOrSynced_ThroughThisDevicesDmaApi(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer buffer = machine.Buffer(Machines.Pattern(500, 4));
        DmaAddr nicAddress = nic.MapChecked(buffer, 0, 500, DmaDirection.Bidirectional);
        int slotsFree = machine.Swiotlb?.SlotsFree ?? 0;

        // The bounce pool is machine-wide; before the DMA layer's own record, the disk could free the NIC's slot.
        if (disk.Dma.Path == nic.Dma.Path && nic.Dma.Path != DmaPath.Iommu)
        {
            Assert.Throws<InvalidOperationException>(() => disk.Dma.UnmapSingle(nicAddress, 500, DmaDirection.Bidirectional));
            Assert.Throws<InvalidOperationException>(() => disk.Dma.SyncForCpu(nicAddress, 500, DmaDirection.Bidirectional));
        }

        Assert.Equal(slotsFree, machine.Swiotlb?.SlotsFree ?? 0);
        Assert.Equal(Machines.Pattern(500, 4), nic.DeviceRead(nicAddress, 500));
        nic.Dma.UnmapSingle(nicAddress, 500, DmaDirection.Bidirectional);
    }

    [Fact]
    public void AStaleBounceSlot_HandedToAnotherMapping_CannotBeSyncedOrUnmappedByItsOldHolder()
    {
        Machine machine = Machines.Confidential(bouncePool: Swiotlb.SlotSize); // one slot: it must be reused
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer first = machine.Buffer(Machines.Pattern(100, 1));
        KBuffer second = machine.Buffer(Machines.Pattern(100, 2));
        DmaAddr old = nic.MapChecked(first, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(old, 100, DmaDirection.ToDevice);
        DmaAddr reused = nic.MapChecked(second, 0, 100, DmaDirection.ToDevice);
        Assert.Equal(old, reused);

        // A stale handle with another size names no live mapping and is refused. (One with the very
        // same address and size is indistinguishable from the new owner's, here as in Linux.)
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(old, 3000, DmaDirection.ToDevice));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForDevice(new DmaAddr(old.Value + 60), 50, DmaDirection.ToDevice));

        Assert.Equal(Machines.Pattern(100, 2), nic.DeviceRead(reused, 100));
        nic.Dma.UnmapSingle(reused, 100, DmaDirection.ToDevice);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AFreedCoherentBuffer_CannotBeFreedAgain_NorSynced_AndItsAddressServesTheNextOwnerOnly(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer old = nic.Dma.AllocCoherent(Page);
        DmaAddr oldAddress = old.DmaAddress;
        nic.Dma.FreeCoherent(old);
        CoherentBuffer next = nic.Dma.AllocCoherent(Page);
        Machines.Pattern(64, 7).CopyTo(next.Span);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.FreeCoherent(old));
        Assert.Throws<ObjectDisposedException>(() => old.Span.Length);
        if (next.DmaAddress != oldAddress)
        {
            Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(oldAddress, 64, DmaDirection.Bidirectional));
        }

        Assert.Equal(Machines.Pattern(64, 7), nic.DeviceRead(next.DmaAddress, 64));
        nic.Dma.FreeCoherent(next);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ForgedAddresses_AreRefusedAndChangeNothing(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        ulong[] forged = [0, 1, Page, buffer.PhysicalAddress.Value, address.Value + Page, address.Value ^ 0x1000, ulong.MaxValue - 7, 1UL << 48];

        foreach (ulong value in forged.Where(v => v != address.Value))
        {
            Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(new DmaAddr(value), Page, DmaDirection.ToDevice));
            Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(new DmaAddr(value), 8, DmaDirection.ToDevice));
        }

        Assert.Equal(nic.Domain?.Kind == DomainKind.Translated ? 1 : 0, nic.Domain?.PresentPages ?? 0);
        nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
        machine.Memory.Free(buffer);
    }
}
