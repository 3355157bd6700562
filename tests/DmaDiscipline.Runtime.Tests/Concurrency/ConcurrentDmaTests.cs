using Xunit.Abstractions;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The DMA API called from many threads at once, as Linux's is from every CPU: two threads sharing one
/// device, eight threads each on its own device (memory, the bounce pool and the debug layer are
/// machine-wide), mixed with coherent allocations and plain memory allocation. After every run: no
/// unit (IOVA page, bounce slot) was ever held by two live mappings, the device read exactly the
/// bytes of the mapping it was given, a strict unmap left nothing readable, and once everything is
/// released the page tables, IOVA allocators and bounce pool are back to empty.
/// </summary>
public sealed class ConcurrentDmaTests(ITestOutputHelper output)
{
    private static readonly DeviceId[] Ids = Enumerable.Range(0, 8).Select(i => new DeviceId(0, (byte)(8 + i), 0)).ToArray();

    public static TheoryData<string, int> Shapes => new()
    {
        { "translated-strict", 2 },
        { "translated-lazy", 2 },
        { "confidential", 2 },
        { "dma32-bounce", 2 },
        { "no-iommu", 2 },
        { "translated-strict", 8 },
        { "translated-lazy", 8 },
        { "confidential", 8 },
        { "dma32-bounce", 8 },
    };

    internal static Machine Platform(string name, DmaDebugMode debug, int bouncePool = 4 << 20) => name switch
    {
        "translated-strict" => Machines.With(DomainKind.Translated, InvalidationMode.Strict, debug, flushBatch: 32, bouncePool: bouncePool),
        "translated-lazy" => Machines.With(DomainKind.Translated, InvalidationMode.Lazy, debug, flushBatch: 32, bouncePool: bouncePool),
        "confidential" => Machines.Confidential(debug, bouncePool),
        "dma32-bounce" or "no-iommu" => Machines.WithoutIommu(debug, bouncePool),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static DeviceOptions DeviceFor(string platform) =>
        platform == "dma32-bounce" ? new DeviceOptions { DmaMask = uint.MaxValue } : new DeviceOptions();

    // With the debug layer on, the read after a strict unmap is itself a report (DMA006): only probed with it off.
    private static DriverThread.Options OptionsFor(string platform, Device device, bool mixed, DmaDebugMode debug) => platform switch
    {
        "translated-strict" => new(UnitKind.IovaPages, device.Domain!.Id, StrictUnmap: debug == DmaDebugMode.Off, mixed),
        "translated-lazy" => new(UnitKind.IovaPages, device.Domain!.Id, StrictUnmap: false, mixed),
        "confidential" => new(UnitKind.BounceSlots, 0, StrictUnmap: false, mixed),
        "dma32-bounce" => new(UnitKind.BounceSlots, 0, StrictUnmap: false, mixed, Placement: MemoryPlacement.Above4G),
        _ => new(UnitKind.None, 0, StrictUnmap: false, mixed),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StreamingMaps_FromManyThreads_NeverShareAUnit_AndLeaveNothingBehind(string platform, int threads)
    {
        Run(platform, threads, devices: threads == 2 ? 1 : threads, mixed: false, DmaDebugMode.Off, Threads.OpsPerThread(threads == 2 ? 20_000 : 5_000));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MixedOperations_MapUnmapSyncCoherentAndMemory_FromManyThreads(string platform, int threads)
    {
        Run(platform, threads, devices: threads == 2 ? 1 : threads, mixed: true, DmaDebugMode.Off, Threads.OpsPerThread(threads == 2 ? 10_000 : 3_000));
    }

    [Theory]
    [InlineData("translated-strict")]
    [InlineData("translated-lazy")]
    [InlineData("confidential")]
    [InlineData("dma32-bounce")]
    public void WithTheDebugLayerOn_CorrectDriversOnEightThreads_AreReportedNothing(string platform)
    {
        Machine machine = Run(platform, 8, devices: 8, mixed: true, DmaDebugMode.Collect, Threads.OpsPerThread(400));

        Assert.Empty(machine.Debug.Violations);
        Assert.All(machine.Devices, d => Assert.Equal(0, machine.Debug.LiveMappings(d.Id)));
    }

    [Fact]
    public void TwoThreadsOnOneDevice_WithTheDebugLayerOn_AreReportedNothing()
    {
        Machine machine = Run("translated-strict", 2, devices: 1, mixed: true, DmaDebugMode.Collect, Threads.OpsPerThread(1_000));

        Assert.Empty(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(machine.Devices[0].Id));
    }

    [Theory]
    [InlineData("translated-strict")]
    [InlineData("no-iommu")]
    [InlineData("confidential")]
    public void DebugReports_FromEightThreads_AreCountedExactly(string platform)
    {
        const int Rounds = 200;
        Machine machine = Platform(platform, DmaDebugMode.Collect);
        Device[] devices = Ids.Select(id => machine.AddDevice(id)).ToArray();

        Threads.Run(8, t =>
        {
            Device device = devices[t];
            KBuffer buffer = machine.Memory.Allocate(1500);
            for (int i = 0; i < Rounds; i++)
            {
                // One double unmap (DMA006) and one unmap with the wrong length (DMA004) per round.
                DmaAddr address = device.MapChecked(buffer, 0, 1500, DmaDirection.ToDevice);
                device.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
                device.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
                address = device.MapChecked(buffer, 0, 1500, DmaDirection.ToDevice);
                device.Dma.UnmapSingle(address, 1400, DmaDirection.ToDevice);
            }

            machine.Memory.Free(buffer);
        });

        Assert.Equal(8 * Rounds, machine.Debug.CountOf(RuleIds.UseAfterUnmap));
        Assert.Equal(8 * Rounds, machine.Debug.CountOf(RuleIds.LengthOrDirectionMismatch));
        Assert.Equal(2 * 8 * Rounds, machine.Debug.Violations.Count);
        Assert.All(devices, d => Assert.Equal(0, machine.Debug.LiveMappings(d.Id)));
    }

    [Fact]
    public void LazyAllocator_AfterAConcurrentRun_StillServesEveryMap()
    {
        Machine machine = Run("translated-lazy", 2, devices: 1, mixed: false, DmaDebugMode.Off, Threads.OpsPerThread(20_000));
        Device device = machine.Devices[0];
        KBuffer buffer = machine.Memory.Allocate(1500);

        for (int i = 0; i < 5_000; i++)
        {
            DmaAddr address = device.MapChecked(buffer, 0, 1500, DmaDirection.ToDevice);
            device.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
        }

        device.Domain!.Flush();
        Assert.Equal(0, device.Domain.PresentPages);
        Assert.Equal(0, device.Domain.Iova!.Allocated);
    }

    private Machine Run(string platform, int threads, int devices, bool mixed, DmaDebugMode debug, int operations)
    {
        Machine machine = Platform(platform, debug);
        Device[] added = Ids.Take(devices).Select(id => machine.AddDevice(id, DeviceFor(platform))).ToArray();
        int slotsBefore = machine.Swiotlb?.SlotsFree ?? 0;
        int allocationsBefore = machine.Memory.LiveAllocations;
        var units = new LiveUnits();
        var workers = new DriverThread[threads];
        for (int t = 0; t < threads; t++)
        {
            Device device = added[t % devices];
            workers[t] = new DriverThread(device, OptionsFor(platform, device, mixed, debug), units, t);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Threads.Run(threads, t => workers[t].Run(operations));
        output.WriteLine($"{platform}, {threads} threads on {devices} device(s), debug {debug}: {workers.Sum(w => w.Operations)} operations in {clock.Elapsed.TotalSeconds:F1} s, {workers.Sum(w => w.FailedMaps)} failed maps");

        Assert.Equal(0, units.Count);
        foreach (Device device in added)
        {
            device.Domain?.Flush();
            Assert.Equal(0, device.Domain?.PresentPages ?? 0);
            Assert.Equal(0, device.Domain?.Iova?.Allocated ?? 0);
        }

        Assert.Equal(slotsBefore, machine.Swiotlb?.SlotsFree ?? 0);
        foreach (DriverThread worker in workers)
        {
            worker.FreeBuffers();
        }

        Assert.Equal(allocationsBefore, machine.Memory.LiveAllocations);
        return machine;
    }
}
