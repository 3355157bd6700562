using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using System.Diagnostics;
using DmaDiscipline.Runner.Scenario;
using DmaDiscipline.Runtime;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Runs one cell: a fresh machine for the scenario, the driver bound to every device it drives
/// there, the workload, teardown (reset, release, unbind — leaks are reported), then everything
/// the machine recorded about those devices: faults, debug violations, IOTLB and bounce counters.
/// </summary>
internal static class CellRunner
{
    /// <summary>Runs <paramref name="driver"/> in <paramref name="scenario"/>; <paramref name="debug"/> overrides the DMA debug mode (benchmarks turn it off).</summary>
    public static CellOutcome Run(PlatformScenario scenario, DriverKind driver, WorkloadSize size, DmaDebugMode? debug = null)
    {
        Expectation expected = scenario.For(driver.Family);
        bool userspace = driver.Family == DriverFamily.Userspace;
        string unit = driver.Device == DeviceKind.Net ? "pkt/s" : "IOPS";
        if (expected == Expectation.NotApplicable || !scenario.Slots.Any(s => s.Userspace == userspace))
        {
            return new CellOutcome { Scenario = scenario.Key, Driver = driver.Name, Family = driver.Family, Expected = Expectation.NotApplicable, Unit = unit };
        }

        TestBed bed = TestBed.Create(scenario, driver.Device, debug);
        List<BoundDevice> targets = bed.Devices.Where(d => d.Slot.Userspace == userspace).ToList();
        var drivers = new List<IDisposable>();
        var pages = new List<KBuffer>();
        var result = new WorkloadResult();
        string? error = null;
        var clock = new Stopwatch();
        TimeSpan cpuStart = TimeSpan.Zero;
        TimeSpan cpu = TimeSpan.Zero;
        try
        {
            foreach (BoundDevice target in targets)
            {
                drivers.Add(driver.Probe(target, scenario));
            }

            cpuStart = ThreadCpuClock.Now();
            clock.Start();
            foreach (IDisposable instance in drivers)
            {
                switch (instance)
                {
                    case INetDriver net:
                        NetLoopbackWorkload.Run(net, size.Packets / drivers.Count, result);
                        break;
                    case IBlkDriver blk:
                        int blocks = (int)(TestBed.DiskSectors * 512 / BlkWriteReadWorkload.BlockSize);
                        BlkWriteReadWorkload.Run(blk, bed.Machine.Memory, size.BlkRequests / drivers.Count, blocks, result, pages);
                        break;
                }
            }

            clock.Stop();
            cpu = ThreadCpuClock.Now() - cpuStart;
        }
        catch (Exception e) when (e is VirtioSetupException or InvalidOperationException or InsufficientMemoryException or ArgumentException)
        {
            // A device that faulted can return garbage in its rings; the driver refuses it. Record, don't crash the matrix.
            clock.Stop();
            error = e.Message;
        }
        finally
        {
            foreach (IDisposable instance in drivers)
            {
                instance.Dispose();
            }

            foreach (KBuffer page in pages)
            {
                bed.Machine.Memory.Free(page);
            }

            foreach (BoundDevice target in targets)
            {
                target.Device.UnbindDriver();
            }
        }

        return Collect(scenario, driver, expected, unit, bed, targets, result, error, clock.Elapsed.TotalSeconds) with { CpuSeconds = cpu.TotalSeconds };
    }

    private static CellOutcome Collect(PlatformScenario scenario, DriverKind driver, Expectation expected, string unit, TestBed bed, List<BoundDevice> targets, WorkloadResult result, string? error, double seconds)
    {
        var ids = targets.Select(t => t.Device.Id).ToHashSet();
        List<IommuFault> faults = bed.Machine.Faults.Records.Where(f => ids.Contains(f.Device)).ToList();
        Dictionary<string, int> violations = bed.Machine.Debug.Violations
            .Where(v => ids.Contains(v.Device))
            .GroupBy(v => v.RuleId)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        // Translations served without a page walk: from a device's ATS cache, or from the IOTLB
        // (which sees only what the device caches missed).
        long hits = 0;
        long misses = 0;
        foreach (IoTlb tlb in targets.Select(t => t.Device.Domain?.IoTlb).OfType<IoTlb>().Distinct())
        {
            hits += tlb.Hits;
            misses += tlb.Misses;
            foreach (BoundDevice target in targets.Where(t => t.Device.Domain?.IoTlb == tlb))
            {
                hits += target.Device.Bus.DeviceTlb?.Hits ?? 0;
            }
        }

        return new CellOutcome
        {
            Scenario = scenario.Key,
            Driver = driver.Name,
            Family = driver.Family,
            Expected = expected,
            Unit = unit,
            Attempted = result.Attempted,
            Completed = result.Completed,
            DataErrors = result.DataErrors,
            Faults = faults.Count + (bed.Machine.Faults.Overflowed > 0 ? bed.Machine.Faults.Overflowed : 0),
            FaultReasons = faults.Select(f => f.Reason.ToString()).Distinct().Order(StringComparer.Ordinal).ToList(),
            Violations = violations,
            Error = error,
            WallSeconds = seconds,
            IotlbHitRate = hits + misses > 0 ? (double)hits / (hits + misses) : null,
            BounceBytes = bed.Machine.Swiotlb?.BouncedBytes ?? 0,
            PlatformLog = bed.Machine.Log.ToList(),
        };
    }
}
