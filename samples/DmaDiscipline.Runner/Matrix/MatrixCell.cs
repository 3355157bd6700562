namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// What one driver did in one scenario, as <see cref="DriverMatrix"/> reports it: the same verdicts
/// the runner prints and builds its exit code from.
/// </summary>
public sealed record MatrixCell
{
    /// <summary>Scenario key (the runner's <c>--scenario</c> names).</summary>
    public required string Scenario { get; init; }

    /// <summary>Driver row name.</summary>
    public required string Driver { get; init; }

    /// <summary>
    /// What the scenario expects of the driver's family: <c>Ok</c> (clean), <c>MustFail</c> (a fault,
    /// wrong data or a DMA001 report), <c>PlatformBug</c> (the platform misroutes DMA whatever the
    /// driver does) or <c>NotApplicable</c>.
    /// </summary>
    public required string Expected { get; init; }

    /// <summary>The matrix's text for the cell: <c>ok</c>, <c>IOMMU fault</c>, <c>wrong data</c>, debug ids, <c>n/a</c>.</summary>
    public required string Summary { get; init; }

    /// <summary>Whether anything went wrong: a setup error, a DMA fault, wrong data or a debug violation.</summary>
    public required bool Failed { get; init; }

    /// <summary>Whether the outcome is what the scenario expects.</summary>
    public required bool AsExpected { get; init; }

    /// <summary>Operations completed with byte-exact data.</summary>
    public long Completed { get; init; }

    /// <summary>Packets lost or corrupted, requests failed or read back wrong.</summary>
    public long DataErrors { get; init; }

    /// <summary>DMA fault records of the devices under test.</summary>
    public long Faults { get; init; }

    /// <summary>Debug-layer violations of the devices under test, per rule id.</summary>
    public IReadOnlyDictionary<string, int> Violations { get; init; } = new Dictionary<string, int>();

    /// <summary>The driver's error, if it failed to set up, refused the device's output, threw, or failed at teardown (the exception type and message); null otherwise.</summary>
    public string? Error { get; init; }

    internal static MatrixCell From(CellOutcome outcome) => new()
    {
        Scenario = outcome.Scenario,
        Driver = outcome.Driver,
        Expected = outcome.Expected.ToString(),
        Summary = outcome.Summary,
        Failed = outcome.Failed,
        AsExpected = outcome.AsExpected,
        Completed = outcome.Completed,
        DataErrors = outcome.DataErrors,
        Faults = outcome.Faults,
        Violations = outcome.Violations,
        Error = outcome.Error,
    };
}
