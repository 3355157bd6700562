namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The debug layer checks a release or sync before the DMA layer acts and completes it afterwards,
/// with no lock held in between. These races land in that gap: two releases of one mapping, a sync
/// racing with the unmap of its mapping, and reports counted from many threads at once. Whatever the
/// interleaving, each mistake is reported exactly once, nothing is dropped silently, and the two
/// layers agree afterwards.
/// </summary>
public sealed class DebugRaceTests
{
    private const int Rounds = 400;

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void TwoThreadsUnmappingOneMapping_OneReleasesIt_AndTheOtherIsReportedAsADoubleUnmap(DomainKind kind)
    {
        Machine machine = Machines.With(kind, debug: DmaDebugMode.Collect);
        Device device = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Memory.Allocate(4096);
        using var step = new Barrier(2);
        DmaAddr address = default;

        Threads.Run(2, thread =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                if (thread == 0)
                {
                    address = device.MapChecked(buffer, 0, 4096, DmaDirection.ToDevice);
                }

                step.SignalAndWait();
                device.Dma.UnmapSingle(address, 4096, DmaDirection.ToDevice);
                step.SignalAndWait();
            }
        });

        IReadOnlyList<DmaViolation> violations = machine.Debug.Violations;
        Assert.Equal(Rounds, violations.Count);
        Assert.All(violations, v => Assert.Equal(RuleIds.UseAfterUnmap, v.RuleId));
        Assert.All(violations, v => Assert.Contains("double unmap", v.Message));
        Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
        Assert.Equal(0, device.Domain?.PresentPages ?? 0);
        machine.Memory.Free(buffer); // nothing pins it: both layers let the mapping go
    }

    [Fact]
    public void TwoThreadsFreeingOneCoherentBuffer_OneFreesIt_AndTheOtherIsReportedAsADoubleFree()
    {
        Machine machine = Machines.With(DomainKind.Translated, debug: DmaDebugMode.Collect);
        Device device = machine.AddDevice(Machines.Nic);
        using var step = new Barrier(2);
        CoherentBuffer? buffer = null;

        Threads.Run(2, thread =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                if (thread == 0)
                {
                    buffer = device.Dma.AllocCoherent(4096);
                }

                step.SignalAndWait();
                device.Dma.FreeCoherent(buffer!);
                step.SignalAndWait();
            }
        });

        IReadOnlyList<DmaViolation> violations = machine.Debug.Violations;
        Assert.Equal(Rounds, violations.Count);
        Assert.All(violations, v => Assert.Equal(RuleIds.UseAfterUnmap, v.RuleId));
        Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
        Assert.Equal(0, device.Domain!.PresentPages);
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void ASyncRacingWithTheUnmapOfItsMapping_NeverLeavesTheBufferDeviceOwned(DomainKind kind)
    {
        Machine machine = Machines.With(kind, debug: DmaDebugMode.Collect);
        Device device = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Memory.Allocate(4096);
        using var step = new Barrier(2);
        DmaAddr address = default;
        int cpuAccessReports = 0;

        Threads.Run(2, thread =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                if (thread == 0)
                {
                    address = device.MapChecked(buffer, 0, 4096, DmaDirection.FromDevice);
                    device.Dma.SyncForCpu(address, 4096, DmaDirection.FromDevice); // the CPU owns it
                }

                step.SignalAndWait();
                if (thread == 0)
                {
                    device.Dma.UnmapSingle(address, 4096, DmaDirection.FromDevice);
                }
                else
                {
                    // Hands the buffer to the device, unless the unmap came first (then it is a use after unmap).
                    device.Dma.SyncForDevice(address, 4096, DmaDirection.FromDevice);
                }

                step.SignalAndWait();
                if (thread == 0)
                {
                    // Unmapped: the CPU owns the buffer whatever the order was.
                    int before = machine.Debug.CountOf(RuleIds.CpuAccessWhileDeviceOwned);
                    buffer.Span[0] = 1;
                    cpuAccessReports += machine.Debug.CountOf(RuleIds.CpuAccessWhileDeviceOwned) - before;
                }
            }
        });

        Assert.Equal(0, cpuAccessReports);
        Assert.All(machine.Debug.Violations, v => Assert.Equal(RuleIds.UseAfterUnmap, v.RuleId));
        Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
        machine.Memory.Free(buffer);
    }

    [Fact]
    public void ViolationsOutsideTheFilter_FromManyThreads_AreAllCounted()
    {
        const int perThread = 2_000;
        Machine machine = Machines.With(DomainKind.Translated, debug: DmaDebugMode.Collect);
        Device watched = machine.AddDevice(Machines.Nic);
        Device[] others = [machine.AddDevice(Machines.Disk), machine.AddDevice(Machines.Gpu)];
        machine.Debug.SetDeviceFilter([watched.Id]);

        Threads.Run(4, thread =>
        {
            Device device = thread < 2 ? others[thread] : watched;
            for (int i = 0; i < perThread; i++)
            {
                device.Dma.UnmapSingle(new DmaAddr(0x7000_0000UL + ((ulong)i << 12)), 64, DmaDirection.ToDevice); // never mapped: DMA006
            }
        });

        Assert.Equal(2 * perThread, machine.Debug.Filtered);
        Assert.Equal(2 * perThread, machine.Debug.Violations.Count);
        Assert.All(machine.Debug.Violations, v => Assert.Equal(watched.Id, v.Device));
    }
}
