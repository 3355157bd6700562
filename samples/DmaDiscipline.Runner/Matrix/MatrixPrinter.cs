using System.Globalization;
using DmaDiscipline.Runner.Scenario;
using Spectre.Console;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>Prints a run as tables: the matrix (outcome and throughput per cell), the metrics per cell, and the expectations.</summary>
internal static class MatrixPrinter
{
    /// <summary>Writes the report to <paramref name="console"/>.</summary>
    public static void Print(IAnsiConsole console, MatrixReport report, IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers)
    {
        var matrix = new Table().Border(TableBorder.Rounded).Title("[bold]virtio drivers × platform scenarios[/]");
        matrix.AddColumn("driver");
        foreach (PlatformScenario scenario in scenarios)
        {
            matrix.AddColumn(new TableColumn(Markup.Escape(scenario.Title)).Centered());
        }

        foreach (DriverKind driver in drivers)
        {
            var row = new List<Markup> { new($"[bold]{Markup.Escape(driver.Name)}[/]\n[grey]{driver.Family.ToString().ToLowerInvariant()}[/]") };
            foreach (PlatformScenario scenario in scenarios)
            {
                CellOutcome? cell = report.Find(scenario.Key, driver.Name);
                row.Add(cell is null ? new Markup("[grey]-[/]") : new Markup(CellMarkup(cell)));
            }

            matrix.AddRow(row);
        }

        console.Write(matrix);
        console.MarkupLine("[grey]green: as expected and clean · yellow: an expected failure · red: NOT as expected[/]");
        console.MarkupLine("[grey]throughput: simulated work per wall second with the DMA-API debug layer on (it walks the stack at every map); --bench measures with it off[/]");
        console.WriteLine();

        var metrics = new Table().Border(TableBorder.Simple).Title("[bold]per cell[/]");
        foreach (string column in new[] { "scenario", "driver", "outcome", "expected", "throughput", "vs passthrough", "IOTLB hit", "bounce bytes", "faults", "debug" })
        {
            metrics.AddColumn(column);
        }

        foreach (CellOutcome cell in report.Cells.Where(c => c.Expected != Expectation.NotApplicable))
        {
            double? ratio = report.RatioToPassthrough(cell);
            metrics.AddRow(
                Markup.Escape(cell.Scenario),
                Markup.Escape(cell.Driver),
                $"[{Color(cell)}]{Markup.Escape(cell.Summary)}[/]",
                ExpectationText(cell.Expected),
                cell.Completed > 0 ? $"{Rate(cell.Throughput)} {cell.Unit}" : "-",
                ratio is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "-",
                cell.IotlbHitRate is { } hit ? hit.ToString("P1", CultureInfo.InvariantCulture) : "-",
                cell.BounceBytes > 0 ? Bytes(cell.BounceBytes) : "-",
                cell.Faults > 0 ? $"{cell.Faults} ({Markup.Escape(string.Join(", ", cell.FaultReasons))})" : "-",
                cell.Violations.Count > 0 ? Markup.Escape(string.Join(" ", cell.Violations.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}×{v.Value}"))) : "-");
        }

        console.Write(metrics);
        console.WriteLine();
        var why = new Table().Border(TableBorder.Simple).Title("[bold]what each scenario expects[/]");
        why.AddColumn("scenario");
        why.AddColumn("legacy");
        why.AddColumn("disciplined");
        why.AddColumn("userspace");
        why.AddColumn("why");
        foreach (PlatformScenario scenario in scenarios)
        {
            why.AddRow(Markup.Escape(scenario.Key), ExpectationText(scenario.Legacy), ExpectationText(scenario.Disciplined), ExpectationText(scenario.Userspace), Markup.Escape(scenario.Why));
        }

        console.Write(why);
        IReadOnlyList<CellOutcome> unexpected = report.Unexpected;
        if (unexpected.Count == 0)
        {
            console.MarkupLine($"[green]All {report.Cells.Count} cells as expected.[/]");
        }
        else
        {
            console.MarkupLine($"[red]{unexpected.Count} of {report.Cells.Count} cells NOT as expected:[/]");
            foreach (CellOutcome cell in unexpected)
            {
                console.MarkupLine($"[red]  {Markup.Escape(cell.Driver)} in {Markup.Escape(cell.Scenario)}: {Markup.Escape(cell.Summary)} (expected {ExpectationText(cell.Expected)}){(cell.Error is null ? string.Empty : " — " + Markup.Escape(cell.Error))}[/]");
            }
        }
    }

    /// <summary>Formats an operations-per-second rate (1.2M, 340k).</summary>
    public static string Rate(double value) => value switch
    {
        >= 1e6 => (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };

    private static string CellMarkup(CellOutcome cell)
    {
        if (cell.Expected == Expectation.NotApplicable)
        {
            return "[grey]n/a[/]";
        }

        string text = $"[{Color(cell)}]{Markup.Escape(cell.Summary)}[/]";
        return cell.Completed > 0 ? $"{text}\n[grey]{Rate(cell.Throughput)} {cell.Unit}[/]" : text;
    }

    private static string Color(CellOutcome cell) => !cell.AsExpected ? "red" : cell.Failed ? "yellow" : "green";

    private static string ExpectationText(Expectation expectation) => expectation switch
    {
        Expectation.Ok => "ok",
        Expectation.MustFail => "must fail",
        Expectation.PlatformBug => "platform bug",
        _ => "n/a",
    };

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 20 => (bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (bytes / (double)(1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
