namespace DmaDiscipline.Runner.Matrix;

/// <summary>Counters a workload fills in.</summary>
internal sealed class WorkloadResult
{
    /// <summary>Operations attempted.</summary>
    public long Attempted { get; set; }

    /// <summary>Operations completed with byte-exact data.</summary>
    public long Completed { get; set; }

    /// <summary>Lost, failed or corrupted operations.</summary>
    public long DataErrors { get; set; }
}
