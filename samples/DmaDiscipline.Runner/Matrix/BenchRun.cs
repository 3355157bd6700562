using System.Globalization;
using System.Text;
using DmaDiscipline.Runner.Scenario;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Throughput of the clean drivers per scenario as a ratio to passthrough, measured in one run:
/// each cell runs several times at benchmark size and keeps its best run (the least disturbed by
/// the host), after a warm-up. The DMA debug layer is off, as in a production kernel: with it on,
/// its bookkeeping (a stack walk per mapping) is what would be measured.
/// </summary>
internal static class BenchRun
{
    /// <summary>Runs the benchmark and returns the report of the best runs.</summary>
    public static MatrixReport Run(IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers, WorkloadSize size, int repetitions, Action<int, int, string>? progress = null)
    {
        var best = new List<CellOutcome>();
        List<DriverKind> clean = drivers.Where(d => d.Family != DriverFamily.Legacy).ToList();
        int total = clean.Count * scenarios.Count * repetitions;
        int done = 0;
        foreach (DriverKind driver in clean)
        {
            CellRunner.Run(ScenarioCatalog.Find(driver.Family == DriverFamily.Userspace ? "userspace" : "passthrough")!, driver, WorkloadSize.Test, DmaDebugMode.Off);
            foreach (PlatformScenario scenario in scenarios)
            {
                CellOutcome? top = null;
                for (int i = 0; i < repetitions; i++)
                {
                    progress?.Invoke(done++, total, $"{driver.Name} on {scenario.Key} (run {i + 1}/{repetitions})");
                    CellOutcome cell = CellRunner.Run(scenario, driver, size, DmaDebugMode.Off);
                    if (top is null || cell.Throughput > top.Throughput)
                    {
                        top = cell;
                    }
                }

                best.Add(top!);
            }
        }

        progress?.Invoke(total, total, "done");
        return new MatrixReport(best);
    }

    /// <summary>A Markdown table: throughput and ratio to passthrough per driver and scenario.</summary>
    public static string Markdown(MatrixReport report, IReadOnlyList<PlatformScenario> scenarios)
    {
        var text = new StringBuilder();
        text.Append("| driver |");
        foreach (PlatformScenario scenario in scenarios)
        {
            text.Append(' ').Append(scenario.Key).Append(" |");
        }

        text.AppendLine();
        text.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|", scenarios.Count))).AppendLine();
        foreach (string driver in report.Cells.Select(c => c.Driver).Distinct())
        {
            text.Append("| ").Append(driver).Append(" |");
            foreach (PlatformScenario scenario in scenarios)
            {
                CellOutcome? cell = report.Find(scenario.Key, driver);
                text.Append(' ');
                if (cell is null || cell.Expected == Expectation.NotApplicable)
                {
                    text.Append("n/a");
                }
                else
                {
                    text.Append(MatrixPrinter.Rate(cell.Throughput)).Append(' ').Append(cell.Unit);
                    if (report.RatioToPassthrough(cell) is { } ratio)
                    {
                        text.Append(" (").Append(ratio.ToString("P0", CultureInfo.InvariantCulture)).Append(')');
                    }

                    if (cell.Failed)
                    {
                        text.Append(", ").Append(cell.Summary);
                    }
                }

                text.Append(" |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
