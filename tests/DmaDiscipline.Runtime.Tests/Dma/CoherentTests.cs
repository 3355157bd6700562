namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>Coherent buffers: shared by CPU and device without syncs, at an address the platform chose.</summary>
public sealed class CoherentTests
{
    [Theory]
    [MemberData(nameof(MapSingleTests.Platforms), MemberType = typeof(MapSingleTests))]
    public void CpuAndDevice_SeeEachOthersWrites_WithoutSyncs(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(5000);

        ring.Span[4999] = 0x42;
        Assert.True(nic.Bus.TryWrite(ring.DmaAddress, new byte[] { 0x24 }));

        Assert.Equal(0x42, nic.DeviceRead(new DmaAddr(ring.DmaAddress.Value + 4999), 1)![0]);
        Assert.Equal(0x24, ring.Span[0]);
        nic.Dma.FreeCoherent(ring);
        Assert.Equal(0, machine.Faults.Count);
    }

    [Fact]
    public void Translated_CoherentAddressIsAnIova_AndFreeUnmapsIt()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(100);
        DmaAddr address = ring.DmaAddress;

        Assert.NotEqual(ring.Buffer.PhysicalAddress.Value, address.Value);
        nic.Dma.FreeCoherent(ring);

        Assert.True(ring.IsFreed);
        Assert.Equal(0, nic.Domain!.PresentPages);
        Assert.Null(nic.DeviceRead(address, 1));
        Assert.Throws<ObjectDisposedException>(() => ring.Span.Length);
    }

    [Fact]
    public void Identity_CoherentBuffer_RespectsA24BitCoherentMask()
    {
        Machine machine = Machines.WithoutIommu();
        Device old = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = (1UL << 24) - 1 });

        CoherentBuffer ring = old.Dma.AllocCoherent(4096);

        Assert.True(ring.DmaAddress.Value + 4095 <= (1UL << 24) - 1);
    }

    [Fact]
    public void NoMemoryBelowTheCoherentMask_FailsTheAllocation_WithoutLeaking()
    {
        var machine = new Machine(new MachineOptions
        {
            IommuPresent = false,
            Debug = DmaDebugMode.Off,
            Memory = new PhysicalMemoryOptions { FirstAllocatable = 16UL << 20 }, // nothing allocatable below 16 MiB
        });
        Device old = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = (1UL << 24) - 1 });
        int live = machine.Memory.LiveAllocations;

        Assert.False(old.Dma.TryAllocCoherent(4096, out CoherentBuffer? buffer));
        Assert.Null(buffer);
        Assert.Throws<InsufficientMemoryException>(() => old.Dma.AllocCoherent(4096));
        Assert.Equal(live, machine.Memory.LiveAllocations);
    }

    [Fact]
    public void FreeingTwice_WithDebuggingOff_Throws()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(100);
        nic.Dma.FreeCoherent(ring);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.FreeCoherent(ring));
    }

    [Fact]
    public void FreeingAnotherDevicesBuffer_Throws_AndKeepsIt()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        CoherentBuffer ring = nic.Dma.AllocCoherent(100);

        Assert.Throws<ArgumentException>(() => disk.Dma.FreeCoherent(ring));
        Assert.False(ring.IsFreed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(PhysicalMemory.MaxAllocation + 1)]
    public void AllocCoherent_RejectsBadLengths(int length)
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Throws<ArgumentOutOfRangeException>(() => nic.Dma.AllocCoherent(length));
    }
}
