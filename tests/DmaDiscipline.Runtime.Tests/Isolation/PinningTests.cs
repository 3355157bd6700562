using DmaDiscipline.Runtime.Tests.Dma;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Isolation;

/// <summary>
/// Memory under a live mapping is pinned: a free is refused with an error naming the mapping, nothing
/// is freed, and no new allocation can get its frames, so the device can never reach a new owner's
/// bytes through an old mapping. A buffer of another machine is refused at map time.
/// </summary>
public sealed class PinningTests
{
    private const int Page = PhysicalMemory.PageSize;

    public static TheoryData<string> Platforms => MapSingleTests.Platforms;

    [Theory]
    [MemberData(nameof(Platforms))]
    public void FreeWhileMapped_IsRefused_NamingTheMapping_AndTheFramesStayTheBuffers(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(3000, 5));
        DmaAddr address = nic.MapChecked(buffer, 0, 3000, DmaDirection.FromDevice);

        var error = Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffer));

        Assert.Contains("Single mapping", error.Message);
        Assert.Contains(address.ToString(), error.Message);
        Assert.Contains(nic.Id.ToString(), error.Message);
        Assert.False(buffer.IsFreed);

        // The frames are not handed out again while the mapping lives.
        var others = Enumerable.Range(0, 64).Select(_ => machine.Memory.Allocate(Page)).ToList();
        Assert.DoesNotContain(others, o => o.PhysicalAddress.PageFrame == buffer.PhysicalAddress.PageFrame);

        // A device write still lands in the driver's buffer, and the free works once the mapping is gone.
        Assert.True(nic.Bus.TryWrite(address, Machines.Pattern(16, 9)));
        nic.Dma.UnmapSingle(address, 3000, DmaDirection.FromDevice);
        Assert.Equal(Machines.Pattern(16, 9), buffer.Span[..16].ToArray());
        machine.Memory.Free(buffer);
        Assert.True(buffer.IsFreed);
    }

    [Fact]
    public void FreeWhileMapped_WithTheDebugLayerOn_IsAlsoReported_AsTheMappingNotReleased()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);
        DmaAddr address = nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice);
        Assert.False(nic.Dma.MappingError(address));

        Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffer));

        DmaViolation report = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.Leak, report.RuleId);
        Assert.Equal(address, report.Address);
        Assert.Contains(nameof(FreeWhileMapped_WithTheDebugLayerOn_IsAlsoReported_AsTheMappingNotReleased), report.MappedAt);
    }

    [Fact]
    public void FreeWhileMapped_InThrowMode_IsStillAnInvalidOperation_CarryingTheDebugReport()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Throw);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);
        nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        var error = Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffer));

        Assert.IsType<DmaDebugException>(error.InnerException);
        Assert.False(buffer.IsFreed);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ABufferInAMappedScatterList_IsPinnedUntilTheListIsUnmapped(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device disk = machine.AddDevice(Machines.Disk);
        var list = new ScatterList(3);
        KBuffer[] buffers = Enumerable.Range(0, 3).Select(_ => machine.Memory.Allocate(Page)).ToArray();
        foreach (KBuffer b in buffers)
        {
            list.Add(b, 0, Page);
        }

        Assert.NotEqual(0, disk.Dma.MapSg(list, DmaDirection.ToDevice));

        var error = Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffers[1]));
        Assert.Contains("ScatterGather", error.Message);
        disk.Dma.UnmapSg(list, DmaDirection.ToDevice);
        machine.Memory.Free(buffers[1]);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void TheSameBufferMappedTwice_StaysPinnedUntilBothMappingsAreGone(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer buffer = machine.Buffer(new byte[200]);
        DmaAddr first = nic.MapChecked(buffer, 0, 200, DmaDirection.ToDevice);
        DmaAddr second = disk.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(first, 200, DmaDirection.ToDevice);
        var error = Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffer));

        Assert.Contains(disk.Id.ToString(), error.Message);
        disk.Dma.UnmapSingle(second, 100, DmaDirection.ToDevice);
        machine.Memory.Free(buffer);
    }

    [Fact]
    public void AFailedMapping_PinsNothing()
    {
        Machine machine = Machines.WithoutIommu(bouncePool: 0);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(new byte[64], MemoryPlacement.Above4G);

        Assert.True(nic.Dma.MappingError(nic.Dma.MapSingle(high, 0, 64, DmaDirection.ToDevice)));

        machine.Memory.Free(high);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ABufferOfAnotherMachine_IsRefusedAtMapTime(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Machine other = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer foreign = other.Buffer(Machines.Pattern(100, 3));

        var error = Assert.Throws<ArgumentException>(() => nic.Dma.MapSingle(foreign, 0, 100, DmaDirection.ToDevice));
        Assert.Contains("another machine", error.Message);

        var list = new ScatterList(2);
        list.Add(machine.Memory.Allocate(100), 0, 100);
        list.Add(foreign, 0, 100);
        Assert.Throws<ArgumentException>(() => nic.Dma.MapSg(list, DmaDirection.ToDevice));

        // Nothing was mapped or pinned by the refusals.
        Assert.Equal(0, nic.Domain?.PresentPages ?? 0);
        other.Memory.Free(foreign);
        machine.Memory.Free(list.Buffer(0));
    }

    [Fact]
    public void MemoryMappedInAVfioContainer_IsPinned_AndNothingCanReuseItsFrames()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Off);
        Device device = machine.AddDevice(Machines.Disk);
        var transport = new VirtioMmioTransport(device, new VirtioBlkDevice());
        using var container = new VfioContainer(machine);
        container.AddDevice(transport);
        KBuffer memory = machine.Memory.Allocate(4 * Page);
        container.MapDma(memory, 0, 0x4000_0000, 4 * Page, VfioDmaFlags.ReadWrite);

        var error = Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(memory));

        Assert.Contains("VFIO", error.Message);
        Assert.Contains("0x40000000", error.Message);
        KBuffer next = machine.Memory.Allocate(4 * Page);
        Assert.NotEqual(memory.PhysicalAddress, next.PhysicalAddress);
        container.UnmapDma(0x4000_0000, 4 * Page);
        machine.Memory.Free(memory);
    }

    [Fact]
    public void TheVfioHandOverGuard_HoldsWithTheDebugLayerOff()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Off);
        Device device = machine.AddDevice(Machines.Disk);
        var transport = new VirtioMmioTransport(device, new VirtioBlkDevice());
        KBuffer buffer = machine.Memory.Allocate(100);
        DmaAddr address = device.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        using var container = new VfioContainer(machine);

        var error = Assert.Throws<InvalidOperationException>(() => container.AddDevice(transport));

        Assert.Contains("still holds 1", error.Message);
        device.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);
        container.AddDevice(transport);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AFreeRacingMaps_EitherFreesAnUnmappedBuffer_OrIsRefused_NeverBoth(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        for (int round = 0; round < 200; round++)
        {
            KBuffer buffer = machine.Memory.Allocate(1500);
            int mapped = 0;
            bool freed = false;
            Concurrency.Threads.Run(2, t =>
            {
                if (t == 0)
                {
                    // The driver: maps and unmaps until the buffer is gone under it.
                    for (int i = 0; i < 50; i++)
                    {
                        DmaAddr address;
                        try
                        {
                            address = nic.Dma.MapSingle(buffer, 0, 1500, DmaDirection.ToDevice);
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }

                        Assert.False(nic.Dma.MappingError(address));
                        Interlocked.Increment(ref mapped);
                        Assert.False(buffer.IsFreed, "a mapped buffer was freed");
                        nic.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
                    }
                }
                else
                {
                    while (!freed)
                    {
                        try
                        {
                            machine.Memory.Free(buffer);
                            freed = true;
                        }
                        catch (InvalidOperationException e) when (e.Message.Contains("still pins it"))
                        {
                            Thread.Yield();
                        }
                    }
                }
            });

            Assert.True(freed);
        }

        Assert.Equal(0, nic.Domain?.PresentPages ?? 0);
    }
}
