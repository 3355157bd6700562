namespace DmaDiscipline.Runner.Matrix;

/// <summary>How much work a cell does: small in tests, larger in the default run and in benchmarks.</summary>
/// <param name="Packets">Frames the net workload loops back.</param>
/// <param name="BlkRequests">Requests the blk workload issues (half writes, then half reads of the same blocks).</param>
internal sealed record WorkloadSize(int Packets, int BlkRequests)
{
    /// <summary>The default run.</summary>
    public static WorkloadSize Default { get; } = new(8192, 4096);

    /// <summary>End-to-end tests.</summary>
    public static WorkloadSize Test { get; } = new(512, 256);

    /// <summary>Benchmarks.</summary>
    public static WorkloadSize Bench { get; } = new(32768, 16384);
}
