using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// The runner's scenario matrix as a library: run a driver — one of the runner's own rows, or an
/// <see cref="ExternalDriver"/> — in one scenario or in all of them, with the small workloads of
/// <c>--quick</c>, and read the verdicts the runner would print. Each cell gets a fresh machine;
/// faults, debug violations and data errors are those of the driver's own devices.
/// </summary>
public static class DriverMatrix
{
    /// <summary>The scenario keys, in column order.</summary>
    public static IReadOnlyList<string> ScenarioKeys => ScenarioCatalog.All.Select(s => s.Key).ToList();

    /// <summary>The runner's own driver rows (<c>--driver</c> names), in row order.</summary>
    public static IReadOnlyList<string> CatalogDrivers => DriverCatalog.All.Select(d => d.Name).ToList();

    /// <summary>Runs <paramref name="driver"/> in the scenario named <paramref name="scenarioKey"/>.</summary>
    /// <exception cref="ArgumentException">No scenario has that key.</exception>
    public static MatrixCell RunCell(string scenarioKey, ExternalDriver driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        return MatrixCell.From(CellRunner.Run(Scenario(scenarioKey), driver.Kind, WorkloadSize.Test));
    }

    /// <summary>Runs each driver in every scenario, driver by driver (row order), scenarios in column order.</summary>
    public static IReadOnlyList<MatrixCell> Run(params ExternalDriver[] drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        return Run(drivers.Select(d => d.Kind));
    }

    /// <summary>Runs the runner's own rows named <paramref name="driverNames"/> (e.g. <c>legacy-net</c>) in every scenario, with their own family's expectations.</summary>
    /// <exception cref="ArgumentException">A name is not one of <see cref="CatalogDrivers"/>.</exception>
    public static IReadOnlyList<MatrixCell> RunCatalog(params string[] driverNames)
    {
        ArgumentNullException.ThrowIfNull(driverNames);
        return Run(driverNames.Select(name => DriverCatalog.Find(name)
            ?? throw new ArgumentException($"Unknown driver '{name}'. Known: {string.Join(", ", DriverCatalog.All.Select(d => d.Name))}", nameof(driverNames))).ToList());
    }

    private static List<MatrixCell> Run(IEnumerable<DriverKind> drivers)
    {
        var cells = new List<MatrixCell>();
        foreach (DriverKind driver in drivers)
        {
            foreach (PlatformScenario scenario in ScenarioCatalog.All)
            {
                cells.Add(MatrixCell.From(CellRunner.Run(scenario, driver, WorkloadSize.Test)));
            }
        }

        return cells;
    }

    private static PlatformScenario Scenario(string key) =>
        ScenarioCatalog.Find(key) ?? throw new ArgumentException($"Unknown scenario '{key}'. Known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Key))}", nameof(key));
}
