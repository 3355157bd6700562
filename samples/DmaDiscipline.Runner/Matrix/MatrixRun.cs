using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>Runs a set of cells, driver by driver across the scenarios.</summary>
internal static class MatrixRun
{
    /// <summary>
    /// Runs every driver in every scenario. A small warm-up cell per driver runs first (and is
    /// discarded) so that the first measured cell does not pay for the JIT.
    /// </summary>
    /// <param name="scenarios">Columns.</param>
    /// <param name="drivers">Rows.</param>
    /// <param name="size">Work per cell.</param>
    /// <param name="progress">Called before each cell with (done, total, description).</param>
    public static MatrixReport Run(IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers, WorkloadSize size, Action<int, int, string>? progress = null)
    {
        var cells = new List<CellOutcome>();
        int total = scenarios.Count * drivers.Count;
        PlatformScenario warmup = ScenarioCatalog.Find("userspace")!;
        foreach (DriverKind driver in drivers)
        {
            CellRunner.Run(driver.Family == DriverFamily.Userspace ? warmup : ScenarioCatalog.Find("passthrough")!, driver, WorkloadSize.Test);
            foreach (PlatformScenario scenario in scenarios)
            {
                progress?.Invoke(cells.Count, total, $"{driver.Name} on {scenario.Key}");
                cells.Add(CellRunner.Run(scenario, driver, size));
            }
        }

        progress?.Invoke(cells.Count, total, "done");
        return new MatrixReport(cells);
    }
}
