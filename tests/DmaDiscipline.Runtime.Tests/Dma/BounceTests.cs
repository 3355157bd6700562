namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>
/// The swiotlb bounce pool: used when an identity address exceeds the mask, or always in a confidential
/// guest. Data moves only at map (towards the device) and at sync/unmap (towards the CPU), so a driver
/// that skips a sync reads stale bytes; exhaustion is a mapping error.
/// </summary>
public sealed class BounceTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void IdentityAddressAboveTheMask_IsBounced_ThroughALowSlot()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(Machines.Pattern(500, 2), MemoryPlacement.Above4G);

        DmaAddr address = nic.MapChecked(high, 0, 500, DmaDirection.ToDevice);

        Assert.NotEqual(high.PhysicalAddress.Value, address.Value);
        Assert.True(address.Value >= machine.Swiotlb!.Base.Value && address.Value < machine.Swiotlb.Base.Value + (ulong)machine.Swiotlb.Size);
        Assert.Equal(Machines.Pattern(500, 2), nic.DeviceRead(address, 500));
    }

    [Fact]
    public void IdentityAddressBelowTheMask_IsNotBounced()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer low = machine.Buffer(new byte[500], MemoryPlacement.Below4G);

        DmaAddr address = nic.MapChecked(low, 0, 500, DmaDirection.ToDevice);

        Assert.Equal(low.PhysicalAddress.Value, address.Value);
        Assert.Equal(0, machine.Swiotlb!.BouncedBytes);
    }

    [Fact]
    public void ToDevice_IsCopiedAtMap_SoLaterCpuWritesDoNotReachTheDevice()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(100, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        buffer.Span[0] = 0xFF; // a driver bug: writing after the map

        Assert.Equal(Machines.Pattern(100, 1), nic.DeviceRead(address, 100));
    }

    [Fact]
    public void SyncForDevice_CopiesTheCpusChangesToTheSlot()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(100, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.SyncForCpu(address, 100, DmaDirection.ToDevice);
        buffer.Span[0] = 0xFF;

        nic.Dma.SyncForDevice(address, 100, DmaDirection.ToDevice);

        Assert.Equal(0xFF, nic.DeviceRead(address, 1)![0]);
    }

    [Fact]
    public void FromDevice_DriverThatSkipsTheSync_ReadsStaleBytes()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        Assert.True(nic.Bus.TryWrite(address, Machines.Pattern(100, 9)));

        Assert.All(buffer.Span.ToArray(), b => Assert.Equal(0, b)); // stale: not synced yet
        nic.Dma.SyncForCpu(address, 100, DmaDirection.FromDevice);
        Assert.Equal(Machines.Pattern(100, 9), buffer.Span.ToArray());
    }

    [Fact]
    public void FromDevice_UnmapCopiesTheDevicesBytesBack()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[3000]);
        DmaAddr address = nic.MapChecked(buffer, 0, 3000, DmaDirection.FromDevice);
        nic.Bus.TryWrite(address, Machines.Pattern(3000, 9));

        nic.Dma.UnmapSingle(address, 3000, DmaDirection.FromDevice);

        Assert.Equal(Machines.Pattern(3000, 9), buffer.Span.ToArray());
    }

    [Fact]
    public void ToDevice_UnmapDoesNotCopyBack_SoTheDeviceCannotOverwriteTheBuffer()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(Machines.Pattern(100, 1), MemoryPlacement.Above4G);
        DmaAddr address = nic.MapChecked(high, 0, 100, DmaDirection.ToDevice);
        nic.Bus.TryWrite(address, new byte[100]); // passthrough: nothing stops the write to the slot

        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        Assert.Equal(Machines.Pattern(100, 1), high.Span.ToArray());
    }

    [Fact]
    public void PartialSyncForCpu_CopiesOnlyThatSubRange()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        nic.Bus.TryWrite(address, Enumerable.Repeat((byte)7, 100).ToArray());

        nic.Dma.SyncForCpu(new DmaAddr(address.Value + 10), 5, DmaDirection.FromDevice);

        byte[] seen = buffer.Span.ToArray();
        Assert.All(seen[10..15], b => Assert.Equal(7, b));
        Assert.All(seen[..10], b => Assert.Equal(0, b));
        Assert.All(seen[15..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void FromDeviceSlot_StartsWithTheBuffersBytes_NotAPreviousUsersData()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer secret = machine.Buffer(Enumerable.Repeat((byte)0x5E, 100).ToArray());
        DmaAddr first = nic.MapChecked(secret, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(first, 100, DmaDirection.ToDevice);
        KBuffer rx = machine.Buffer(new byte[100]);

        // The device writes only 10 bytes; unmap copies the whole slot back.
        DmaAddr second = nic.MapChecked(rx, 0, 100, DmaDirection.FromDevice);
        nic.Bus.TryWrite(second, new byte[10]);
        nic.Dma.UnmapSingle(second, 100, DmaDirection.FromDevice);

        Assert.DoesNotContain((byte)0x5E, rx.Span.ToArray());
    }

    [Fact]
    public void PoolExhaustion_IsAMappingError_AndUnmapGivesTheSlotsBack()
    {
        Machine machine = Machines.Confidential(bouncePool: 8 * Swiotlb.SlotSize);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[4 * Swiotlb.SlotSize]);
        DmaAddr a = nic.MapChecked(buffer, 0, 4 * Swiotlb.SlotSize, DmaDirection.ToDevice);
        DmaAddr b = nic.MapChecked(buffer, 0, 3 * Swiotlb.SlotSize + 1, DmaDirection.ToDevice);

        DmaAddr failed = nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice);

        Assert.True(nic.Dma.MappingError(failed));
        Assert.Equal(1, machine.Swiotlb!.Exhaustions);
        Assert.Equal(0, machine.Swiotlb.SlotsFree);
        nic.Dma.UnmapSingle(a, 4 * Swiotlb.SlotSize, DmaDirection.ToDevice);
        Assert.Equal(4, machine.Swiotlb.SlotsFree);
        Assert.False(nic.Dma.MappingError(nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice)));
        nic.Dma.UnmapSingle(b, 3 * Swiotlb.SlotSize + 1, DmaDirection.ToDevice);
    }

    [Fact]
    public void NoPool_AndAnUnreachableAddress_IsAMappingError()
    {
        Machine machine = Machines.WithoutIommu(bouncePool: 0);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(new byte[64], MemoryPlacement.Above4G);

        Assert.True(nic.Dma.MappingError(nic.Dma.MapSingle(high, 0, 64, DmaDirection.ToDevice)));
        Assert.Equal(1, nic.Dma.MappingFailures);
    }

    [Fact]
    public void BounceUnmap_WithTheWrongSlotCount_IsRefused_AndKeepsTheSlots()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[5000]);
        int free = machine.Swiotlb!.SlotsFree;
        DmaAddr address = nic.MapChecked(buffer, 0, 5000, DmaDirection.ToDevice);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice));

        Assert.Equal(free - 3, machine.Swiotlb.SlotsFree);
        nic.Dma.UnmapSingle(address, 5000, DmaDirection.ToDevice);
        Assert.Equal(free, machine.Swiotlb.SlotsFree);
    }

    [Fact]
    public void SyncBeyondTheBouncedLength_IsRefused()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[200]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(address, 101, DmaDirection.FromDevice));
    }
}
