using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DmaDiscipline.Runner.Scenario;
using DmaDiscipline.Runtime;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Runs one cell: a fresh machine for the scenario, the driver bound to every device it drives
/// there, the workload, teardown (reset, release, unbind — leaks are reported), then everything
/// the machine recorded about those devices: faults, debug violations, IOTLB and bounce counters.
/// A driver running several queues runs the workload on each queue pair (or request queue) on its
/// own thread (the first on the probing thread), all at once, each with its share of the work; the cell's throughput is their total
/// completed work per wall second, its CPU time the sum of the threads'.
/// </summary>
internal static class CellRunner
{
    /// <summary>Operations (frames or requests) each queue runs before a benchmark's clock: every buffer of a queue's rings used a few times.</summary>
    public const int WarmUpOperations = 1024;

    /// <summary>
    /// Runs <paramref name="driver"/> in <paramref name="scenario"/>; <paramref name="debug"/> overrides the DMA debug mode (benchmarks turn it off).
    /// With <paramref name="warmUp"/> (benchmarks), each queue first runs <see cref="WarmUpOperations"/> operations of its workload on
    /// the thread that then runs it, before the clock: what is measured is each queue's steady state, not the first use of its
    /// buffers and rings from that thread's core nor the per-thread state the runtime makes on a thread's first operation.
    /// </summary>
    public static CellOutcome Run(PlatformScenario scenario, DriverKind driver, WorkloadSize size, DmaDebugMode? debug = null, bool warmUp = false)
    {
        Expectation expected = scenario.For(driver.Family);
        bool userspace = driver.Family == DriverFamily.Userspace;
        string unit = driver.Device == DeviceKind.Net ? "pkt/s" : "IOPS";
        if (expected == Expectation.NotApplicable || !scenario.Slots.Any(s => s.Userspace == userspace))
        {
            return new CellOutcome { Scenario = scenario.Key, Driver = driver.Name, Family = driver.Family, Expected = Expectation.NotApplicable, Unit = unit };
        }

        TestBed bed = TestBed.Create(scenario, driver.Device, debug, driver.Queues);
        List<BoundDevice> targets = bed.Devices.Where(d => d.Slot.Userspace == userspace).ToList();
        var drivers = new List<IDisposable>();
        var pages = new List<KBuffer>();
        var result = new WorkloadResult();
        string? error = null;
        var clock = new Stopwatch();
        var cost = new ThreadCost();
        long contentions = 0;
        int[] collections = [0, 0, 0];
        TimeSpan pause = TimeSpan.Zero;
        try
        {
            foreach (BoundDevice target in targets)
            {
                drivers.Add(driver.Probe(target, scenario, driver.Queues));
            }

            if (drivers.Select(QueuesOf).FirstOrDefault(q => q != driver.Queues) is int running and > 0)
            {
                throw new InvalidOperationException($"the driver runs {running} queue(s) where {driver.Queues} were asked of it and the device offers them");
            }

            long contentionStart = Monitor.LockContentionCount;
            int[] collectionStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            TimeSpan pauseStart = GC.GetTotalPauseDuration();
            foreach (IDisposable instance in drivers)
            {
                cost += RunQueues(QueueWork(instance, bed, size, drivers.Count, warmUp), result, pages, clock);
            }

            contentions = Monitor.LockContentionCount - contentionStart;
            collections = [GC.CollectionCount(0) - collectionStart[0], GC.CollectionCount(1) - collectionStart[1], GC.CollectionCount(2) - collectionStart[2]];
            pause = GC.GetTotalPauseDuration() - pauseStart;
        }
        catch (Exception e) when (e is VirtioSetupException or InvalidOperationException or InsufficientMemoryException or ArgumentException)
        {
            // A device that faulted can return garbage in its rings; the driver refuses it. Record, don't crash the matrix.
            clock.Stop();
            error = e.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any other exception is the driver's bug (an outside driver's too): this cell fails with
            // it, named, and the rest of the matrix still runs.
            clock.Stop();
            error = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            // Teardown is the driver's too: a Dispose that throws, or a page the runtime refuses to
            // free (still mapped), fails this cell with the reason rather than ending the run.
            foreach (IDisposable instance in drivers)
            {
                Teardown(() => instance.Dispose(), "driver teardown", ref error);
            }

            foreach (KBuffer page in pages)
            {
                Teardown(() => bed.Machine.Memory.Free(page), "freeing the workload's page", ref error);
            }

            foreach (BoundDevice target in targets)
            {
                Teardown(() => target.Device.UnbindDriver(), "unbinding the driver", ref error);
            }
        }

        return Collect(scenario, driver, expected, unit, bed, targets, result, error, clock.Elapsed.TotalSeconds) with
        {
            CpuSeconds = cost.Cpu.TotalSeconds,
            AllocatedBytes = cost.AllocatedBytes,
            VoluntarySwitches = cost.Blocked,
            InvoluntarySwitches = cost.Preempted,
            LockContentions = contentions,
            Collections = collections,
            GcPauseSeconds = pause.TotalSeconds,
        };
    }

    /// <summary>Runs one teardown step; an exception from it is added to the cell's error, named by <paramref name="step"/>.</summary>
    private static void Teardown(Action action, string step, ref string? error)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string failure = $"{step} failed: {e.GetType().Name}: {e.Message}";
            error = error is null ? failure : $"{error}; {failure}";
        }
    }

    /// <summary>Queue pairs or request queues a bound driver runs.</summary>
    private static int QueuesOf(IDisposable instance) => instance switch
    {
        IMultiQueueNetDriver net => net.QueuePairs,
        IMultiQueueBlkDriver blk => blk.RequestQueues,
        _ => 1,
    };

    /// <summary>
    /// The workload of each queue of one bound driver: its share of the packets or requests (and, for
    /// blk, its own range of blocks). Each is prepared first, on the thread that will run it and
    /// before the clock (blk: its data pages allocated; with <paramref name="warmUp"/>, a warm-up run
    /// whose results are not counted), and the run it returns is what is measured.
    /// </summary>
    private static List<Func<WorkloadResult, List<KBuffer>, Action>> QueueWork(IDisposable instance, TestBed bed, WorkloadSize size, int devices, bool warmUp)
    {
        int queues = QueuesOf(instance);
        var work = new List<Func<WorkloadResult, List<KBuffer>, Action>>(queues);
        for (int q = 0; q < queues; q++)
        {
            switch (instance)
            {
                case INetDriver net:
                    INetQueue pair = q == 0 ? net : ((IMultiQueueNetDriver)net).QueuePair(q);
                    work.Add((result, _) =>
                    {
                        if (warmUp)
                        {
                            NetLoopbackWorkload.Run(pair, WarmUpOperations, new WorkloadResult());
                        }

                        return () => NetLoopbackWorkload.Run(pair, size.Packets / devices / queues, result);
                    });
                    break;
                case IBlkDriver blk:
                    IBlkQueue queue = q == 0 ? blk : ((IMultiQueueBlkDriver)blk).RequestQueue(q);
                    int blocks = (int)(TestBed.DiskSectors * 512 / BlkWriteReadWorkload.BlockSize) / queues;
                    int first = q * blocks;
                    work.Add((result, pages) =>
                    {
                        KBuffer[] data = BlkWriteReadWorkload.AllocatePages(queue, bed.Machine.Memory, pages);
                        if (warmUp)
                        {
                            BlkWriteReadWorkload.Run(queue, data, WarmUpOperations, first, blocks, new WorkloadResult());
                        }

                        return () => BlkWriteReadWorkload.Run(queue, data, size.BlkRequests / devices / queues, first, blocks, result);
                    });
                    break;
            }
        }

        return work;
    }

    /// <summary>
    /// Runs each queue's workload at once, each on a thread of its own, and returns the threads' CPU
    /// time and allocations, summed. The first queue runs on this thread — the one that probed the
    /// device, as a single queue's workload does — so that N queues are measured as one queue's run
    /// plus N − 1 more, not as a hand-over of everything the probe set up to other threads. The other
    /// queues' threads are started before <paramref name="clock"/> runs, prepare their queue's
    /// workload (one queue after the other), and wait at a start line, spinning, until all are there: the clock then measures the
    /// queues' work, not the creation and first scheduling of threads (a millisecond or more on a busy
    /// host, against a workload of tens) nor their setup.
    /// </summary>
    private static ThreadCost RunQueues(List<Func<WorkloadResult, List<KBuffer>, Action>> work, WorkloadResult result, List<KBuffer> pages, Stopwatch clock)
    {
        if (work.Count == 1)
        {
            Action run = work[0](result, pages);
            clock.Start();
            ThreadCost start = ThreadCost.Now();
            run();
            ThreadCost spent = ThreadCost.Now() - start;
            clock.Stop();
            return spent;
        }

        // Each queue's counters and page list are made by the thread that runs it (from its own
        // allocation context), not next to each other: made in a row here, the two queues' counters shared a
        // cache line that both threads wrote per packet, a cost the runner added to every two-queue cell.
        var results = new WorkloadResult[work.Count];
        var queuePages = new List<KBuffer>[work.Count];
        var cost = new ThreadCost[work.Count];
        var failures = new Exception?[work.Count];
        var runs = new Action?[work.Count];
        // The queues prepare one at a time, in order: what they allocate (blk's data pages) then lies in
        // physical ranges of their own, as pages from per-CPU free lists do. Prepared at once, two queues'
        // data pages alternated frame by frame, so with direct DMA (bus address = physical address) every
        // 64 KiB granule of the live-mapping record held both queues' mappings, and both threads took
        // every one of those shard locks the shared way (a two-queue blk passthrough profile: the shard
        // locks' slow path 5 % of the samples).
        int turn = 0;
        int ready = 0;
        int go = 0;
        var threads = Enumerable.Range(1, work.Count - 1).Select(q => new Thread(() =>
        {
            var wait = default(SpinWait);
            while (Volatile.Read(ref turn) != q)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            Prepare(q);
            Volatile.Write(ref turn, q + 1);
            Interlocked.Increment(ref ready);
            while (Volatile.Read(ref go) == 0)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            Run(q);
        }) { Name = $"queue {q}" }).ToList();
        threads.ForEach(t => t.Start());
        Prepare(0);
        Volatile.Write(ref turn, 1);
        var line = default(SpinWait);
        while (Volatile.Read(ref ready) < threads.Count)
        {
            line.SpinOnce(sleep1Threshold: -1);
        }

        clock.Start();
        Volatile.Write(ref go, 1);
        Run(0);
        threads.ForEach(t => t.Join());
        clock.Stop();
        foreach (WorkloadResult r in results)
        {
            result.Attempted += r.Attempted;
            result.Completed += r.Completed;
            result.DataErrors += r.DataErrors;
        }

        pages.AddRange(queuePages.SelectMany(p => p));
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return cost.Aggregate(default(ThreadCost), (sum, c) => sum + c);

        void Prepare(int q)
        {
            results[q] = new WorkloadResult();
            queuePages[q] = new List<KBuffer>();
            try
            {
                runs[q] = work[q](results[q], queuePages[q]);
            }
            catch (Exception e)
            {
                failures[q] = e;
            }
        }

        void Run(int q)
        {
            ThreadCost start = ThreadCost.Now();
            try
            {
                runs[q]?.Invoke();
            }
            catch (Exception e)
            {
                failures[q] = e;
            }

            cost[q] = ThreadCost.Now() - start;
        }
    }

    /// <summary>What a thread spent: its CPU time, the managed bytes it allocated, its voluntary and involuntary context switches (readings, or differences of two).</summary>
    private readonly record struct ThreadCost(TimeSpan Cpu, long AllocatedBytes, long Blocked, long Preempted)
    {
        /// <summary>The calling thread's readings now.</summary>
        public static ThreadCost Now()
        {
            (long voluntary, long involuntary) = ThreadSwitches.Now();
            return new(ThreadCpuClock.Now(), GC.GetAllocatedBytesForCurrentThread(), voluntary, involuntary);
        }

        public static ThreadCost operator +(ThreadCost a, ThreadCost b) =>
            new(a.Cpu + b.Cpu, a.AllocatedBytes + b.AllocatedBytes, a.Blocked + b.Blocked, a.Preempted + b.Preempted);

        public static ThreadCost operator -(ThreadCost a, ThreadCost b) =>
            new(a.Cpu - b.Cpu, a.AllocatedBytes - b.AllocatedBytes, a.Blocked - b.Blocked, a.Preempted - b.Preempted);
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
