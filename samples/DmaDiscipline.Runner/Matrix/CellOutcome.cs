using DmaDiscipline.Runner.Scenario;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>What one driver did in one scenario, measured, and whether that is what was expected.</summary>
internal sealed record CellOutcome
{
    /// <summary>Scenario key.</summary>
    public required string Scenario { get; init; }

    /// <summary>Driver name.</summary>
    public required string Driver { get; init; }

    /// <summary>Driver family.</summary>
    public required DriverFamily Family { get; init; }

    /// <summary>What the scenario expects of the family.</summary>
    public required Expectation Expected { get; init; }

    /// <summary>"pkt/s" or "IOPS".</summary>
    public required string Unit { get; init; }

    /// <summary>Operations attempted (packets sent, requests submitted).</summary>
    public long Attempted { get; init; }

    /// <summary>Operations completed with byte-exact data.</summary>
    public long Completed { get; init; }

    /// <summary>Packets lost or corrupted, requests failed or read back wrong.</summary>
    public long DataErrors { get; init; }

    /// <summary>DMA fault records of the devices under test.</summary>
    public long Faults { get; init; }

    /// <summary>Distinct fault reasons (<see cref="FaultReason"/> names).</summary>
    public IReadOnlyList<string> FaultReasons { get; init; } = [];

    /// <summary>Debug-layer violations of the devices under test, per rule id.</summary>
    public IReadOnlyDictionary<string, int> Violations { get; init; } = new Dictionary<string, int>();

    /// <summary>Why the driver could not start or gave up (setup refused, ring corruption), if it did.</summary>
    public string? Error { get; init; }

    /// <summary>Wall time of the workload (setup excluded).</summary>
    public double WallSeconds { get; init; }

    /// <summary>CPU time the simulation's thread spent on the workload (less disturbed than wall time on a busy host).</summary>
    public double CpuSeconds { get; init; }

    /// <summary>IOTLB hit rate of the translated domains involved, or null when there is none.</summary>
    public double? IotlbHitRate { get; init; }

    /// <summary>
    /// Monitor acquisitions that had to wait during the workload (<see cref="Monitor.LockContentionCount"/>,
    /// process-wide; cells run one at a time): where queues on different threads serialise on a lock.
    /// </summary>
    public long LockContentions { get; init; }

    /// <summary>
    /// Bytes the workload's threads allocated on the managed heap during the workload
    /// (<see cref="GC.GetAllocatedBytesForCurrentThread"/> of each queue thread, summed): an
    /// allocation-free hot path gives the collector nothing to do and stops no thread.
    /// </summary>
    public long AllocatedBytes { get; init; }

    /// <summary>
    /// Garbage collections of generation 0, 1 and 2 during the workload (<see cref="GC.CollectionCount"/>,
    /// process-wide; cells run one at a time). With the workstation collector every collection stops
    /// every queue thread.
    /// </summary>
    public IReadOnlyList<int> Collections { get; init; } = [0, 0, 0];

    /// <summary>Time the runtime was paused for garbage collection during the workload (<see cref="GC.GetTotalPauseDuration"/>), in seconds.</summary>
    public double GcPauseSeconds { get; init; }

    /// <summary>
    /// Times a queue thread blocked during the workload — gave its core away to wait (a sleep, a
    /// contended lock, an event): voluntary context switches, summed over the queue threads (Linux;
    /// 0 elsewhere). Wall time that CPU time does not show; a queue that never waits has none.
    /// </summary>
    public long VoluntarySwitches { get; init; }

    /// <summary>Times the scheduler took a queue thread's core away (involuntary context switches, summed): the host's load, not the workload's.</summary>
    public long InvoluntarySwitches { get; init; }

    /// <summary>Bytes copied through the bounce pool.</summary>
    public long BounceBytes { get; init; }

    /// <summary>The platform's log lines (quirks, domain assignments), for the detailed report.</summary>
    public IReadOnlyList<string> PlatformLog { get; init; } = [];

    /// <summary>Completed operations per wall second.</summary>
    public double Throughput => WallSeconds > 0 ? Completed / WallSeconds : 0;

    /// <summary>Completed operations per CPU second.</summary>
    public double CpuThroughput => CpuSeconds > 0 ? Completed / CpuSeconds : 0;

    /// <summary>CPU time per completed operation, in microseconds (all queue threads together): a second queue that adds no work per operation leaves it where one queue has it.</summary>
    public double? CpuMicrosecondsPerOp => Completed > 0 && CpuSeconds > 0 ? CpuSeconds * 1e6 / Completed : null;

    /// <summary>Managed bytes allocated per completed operation.</summary>
    public double? AllocatedBytesPerOp => Completed > 0 ? (double)AllocatedBytes / Completed : null;

    /// <summary>Whether anything went wrong.</summary>
    public bool Failed => Error is not null || Faults > 0 || DataErrors > 0 || Violations.Count > 0;

    /// <summary>Whether the outcome is what the scenario expects (the exit code is built from this).</summary>
    public bool AsExpected => Expected switch
    {
        Expectation.Ok => !Failed,
        Expectation.MustFail => Faults > 0 || DataErrors > 0 || Violations.ContainsKey("DMA001"),
        Expectation.PlatformBug => Faults > 0 || DataErrors > 0,
        _ => true,
    };

    /// <summary>Short text for a matrix cell: ok, IOMMU fault, wrong data, debug ids.</summary>
    public string Summary
    {
        get
        {
            if (Expected == Expectation.NotApplicable)
            {
                return "n/a";
            }

            var parts = new List<string>();
            if (Error is not null)
            {
                parts.Add("driver error");
            }

            if (Faults > 0)
            {
                parts.Add(FaultReasons.All(r => r is nameof(FaultReason.NotPresent) or nameof(FaultReason.Permission) or nameof(FaultReason.Blocked))
                    ? "IOMMU fault"
                    : "DMA fault (" + string.Join(", ", FaultReasons) + ")");
            }

            if (DataErrors > 0)
            {
                parts.Add("wrong data");
            }

            if (Violations.Count > 0)
            {
                parts.Add(string.Join(" ", Violations.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key)));
            }

            return parts.Count == 0 ? "ok" : string.Join(", ", parts);
        }
    }
}
