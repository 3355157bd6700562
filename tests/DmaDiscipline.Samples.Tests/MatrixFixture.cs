using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Samples.Tests;

/// <summary>Runs the whole matrix once at test size; the tests read its cells.</summary>
public sealed class MatrixFixture
{
    public MatrixFixture()
    {
        Report = MatrixRun.Run(ScenarioCatalog.All, DriverCatalog.All, WorkloadSize.Test);
    }

    internal MatrixReport Report { get; }

    internal CellOutcome Cell(string scenario, string driver) =>
        Report.Find(scenario, driver) ?? throw new InvalidOperationException($"No cell {driver} in {scenario}.");
}
