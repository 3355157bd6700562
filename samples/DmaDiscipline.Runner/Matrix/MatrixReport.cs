using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>Every cell of a run, plus the verdict the exit code is made of.</summary>
/// <param name="Cells">Cells in run order.</param>
internal sealed record MatrixReport(IReadOnlyList<CellOutcome> Cells)
{
    /// <summary>Cells whose outcome is not what their scenario expects.</summary>
    public IReadOnlyList<CellOutcome> Unexpected => Cells.Where(c => !c.AsExpected).ToList();

    /// <summary>0 when every cell is as expected, 1 otherwise.</summary>
    public int ExitCode => Unexpected.Count == 0 ? 0 : 1;

    /// <summary>The cell of a driver in a scenario, if it ran.</summary>
    public CellOutcome? Find(string scenario, string driver) =>
        Cells.FirstOrDefault(c => c.Scenario == scenario && c.Driver == driver);

    /// <summary>Throughput relative to the same driver in passthrough, when both ran and the baseline did work.</summary>
    public double? RatioToPassthrough(CellOutcome cell)
    {
        CellOutcome? baseline = Find("passthrough", cell.Driver);
        return baseline is { Throughput: > 0 } && cell.Completed > 0 && cell.Expected != Expectation.NotApplicable ? cell.Throughput / baseline.Throughput : null;
    }

    /// <summary>Like <see cref="RatioToPassthrough"/>, in operations per CPU second.</summary>
    public double? CpuRatioToPassthrough(CellOutcome cell)
    {
        CellOutcome? baseline = Find("passthrough", cell.Driver);
        return baseline is { CpuThroughput: > 0 } && cell.Completed > 0 && cell.Expected != Expectation.NotApplicable ? cell.CpuThroughput / baseline.CpuThroughput : null;
    }
}
