using System.Globalization;
using System.Net;
using System.Text;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// The run as a picture (<c>--report FILE</c>): the driver × scenario matrix as a coloured grid with
/// each cell's outcome, and the throughput of every driver in every scenario as a bar chart of its
/// ratio to passthrough. Hand-written SVG, so the picture needs no package and renders anywhere; a
/// <c>.svg</c> file gets the picture alone, any other name an HTML page that holds it.
/// </summary>
internal static class ReportPicture
{
    private const int LabelWidth = 150;
    private const int CellWidth = 124;
    private const int CellHeight = 46;
    private const int HeaderHeight = 58;
    private const int BarHeight = 9;
    private const string Font = "font-family=\"Segoe UI, Helvetica, Arial, sans-serif\"";

    // The console's colours: as expected and clean, an expected failure, not as expected, not run.
    private const string Clean = "#2e9e4f";
    private const string ExpectedFailure = "#e3b341";
    private const string Unexpected = "#d1242f";
    private const string NotRun = "#d0d7de";

    /// <summary>Writes the picture (or a page holding it) to <paramref name="path"/>.</summary>
    /// <param name="path">A <c>.svg</c> file for the picture alone; any other name gets an HTML page.</param>
    /// <param name="report">The run.</param>
    /// <param name="scenarios">The columns, in order.</param>
    /// <param name="drivers">The rows, in order; drivers that ran in none of the scenarios are left out.</param>
    /// <param name="bench">Whether the report comes from <c>--bench</c> (debug layer off, best of several rounds).</param>
    public static void Write(string path, MatrixReport report, IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers, bool bench)
    {
        string svg = Svg(report, scenarios, drivers, bench);
        string text = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase) ? svg : Html(svg, report);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    /// <summary>The grid above the bar chart, in one SVG document.</summary>
    public static string Svg(MatrixReport report, IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers, bool bench)
    {
        List<DriverKind> rows = drivers.Where(d => scenarios.Any(s => report.Find(s.Key, d.Name) is not null)).ToList();
        int gridWidth = LabelWidth + (CellWidth * scenarios.Count);
        int gridHeight = HeaderHeight + (CellHeight * rows.Count);
        var body = new StringBuilder();
        Grid(body, report, scenarios, rows);
        int legendTop = gridHeight + 10;
        Legend(body, legendTop);

        // The chart: one group of bars per scenario, one bar per driver that ran clean there (a failing
        // driver's speed says nothing about the cost of translation).
        List<PlatformScenario> charted = scenarios.Where(s => s.Key != "passthrough"
            && rows.Any(d => Ratio(report, s, d) is not null)).ToList();
        int chartTop = legendTop + 40;
        int chartHeight = charted.Count == 0 ? 0 : Chart(body, report, charted, rows, chartTop, gridWidth, bench);

        int width = Math.Max(gridWidth, 640) + 20;
        int height = chartTop + chartHeight + 10;
        return string.Create(CultureInfo.InvariantCulture, $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" {Font} font-size="11">
            <rect width="{width}" height="{height}" fill="#ffffff"/>
            {body}</svg>

            """);
    }

    private static void Grid(StringBuilder svg, MatrixReport report, IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> rows)
    {
        for (int column = 0; column < scenarios.Count; column++)
        {
            double x = LabelWidth + (column * CellWidth) + (CellWidth / 2.0);
            Text(svg, x, 18, scenarios[column].Key, "middle", bold: true);
            Text(svg, x, 34, Shorten(scenarios[column].Title, 20), "middle", fill: "#57606a", size: 9);
        }

        for (int row = 0; row < rows.Count; row++)
        {
            DriverKind driver = rows[row];
            int top = HeaderHeight + (row * CellHeight);
            Text(svg, 8, top + 20, driver.Name, "start", bold: true);
            Text(svg, 8, top + 34, driver.Family.ToString().ToLowerInvariant(), "start", fill: "#57606a", size: 9);
            for (int column = 0; column < scenarios.Count; column++)
            {
                int left = LabelWidth + (column * CellWidth);
                CellOutcome? cell = report.Find(scenarios[column].Key, driver.Name);
                string fill = cell is null || cell.Expected == Expectation.NotApplicable ? NotRun : Colour(cell);
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{left + 2}" y="{top + 2}" width="{CellWidth - 4}" height="{CellHeight - 4}" rx="4" fill="{fill}">""");
                svg.Append("<title>").Append(Escape(Tooltip(driver, scenarios[column], cell))).AppendLine("</title></rect>");
                string ink = fill == ExpectedFailure || fill == NotRun ? "#1f2328" : "#ffffff";
                // The outcome on up to two lines (its parts as the console joins them), the throughput under it.
                string[] parts = cell is null ? ["not run"] : cell.Summary.Split(", ");
                string first = parts[0];
                string? second = parts.Length > 1 ? string.Join(", ", parts[1..]) : null;
                bool rate = cell is { Completed: > 0 } && cell.Expected != Expectation.NotApplicable;
                double line = second is null ? (rate ? 19 : 25) : 14;
                Text(svg, left + (CellWidth / 2.0), top + line, Shorten(first, 21), "middle", fill: ink, bold: true, size: 10);
                if (second is not null)
                {
                    Text(svg, left + (CellWidth / 2.0), top + line + 12, Shorten(second, 21), "middle", fill: ink, bold: true, size: 10);
                }

                if (rate)
                {
                    Text(svg, left + (CellWidth / 2.0), top + CellHeight - 8, $"{MatrixPrinter.Rate(cell!.Throughput)} {cell.Unit}", "middle", fill: ink, size: 9);
                }
            }
        }
    }

    private static void Legend(StringBuilder svg, int top)
    {
        (string Colour, string Text)[] keys =
        [
            (Clean, "as expected, clean"),
            (ExpectedFailure, "an expected failure (legacy driver, platform bug)"),
            (Unexpected, "NOT as expected"),
            (NotRun, "not applicable / not run"),
        ];
        double x = 8;
        foreach ((string colour, string text) in keys)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{x}" y="{top}" width="12" height="12" rx="2" fill="{colour}"/>""").AppendLine();
            Text(svg, x + 17, top + 10, text, "start");
            x += 30 + (text.Length * 5.6);
        }
    }

    /// <summary>Draws the bar chart; returns its height.</summary>
    private static int Chart(StringBuilder svg, MatrixReport report, IReadOnlyList<PlatformScenario> scenarios, IReadOnlyList<DriverKind> drivers, int top, int width, bool bench)
    {
        string title = bench
            ? "throughput as a share of passthrough (--bench: debug layer off, best of interleaved rounds)"
            : "throughput as a share of passthrough (one run, DMA-API debug layer on: --bench measures without it)";
        Text(svg, 8, top + 12, title, "start", bold: true);

        var groups = scenarios.Select(s => (Scenario: s, Bars: drivers
                .Select(d => (Driver: d, Ratio: Ratio(report, s, d)))
                .Where(b => b.Ratio is not null)
                .Select(b => (b.Driver, Ratio: b.Ratio!.Value))
                .ToList()))
            .Where(g => g.Bars.Count > 0)
            .ToList();
        double max = Math.Max(1.25, groups.SelectMany(g => g.Bars).Max(b => b.Ratio));
        int axisLeft = LabelWidth + 110;
        int axisWidth = Math.Max(width, 640) - axisLeft - 60;
        int y = top + 30;
        double X(double ratio) => axisLeft + (ratio / max * axisWidth);

        int chartBottom = y + groups.Sum(g => (g.Bars.Count * (BarHeight + 2)) + 10);
        foreach (double tick in new[] { 0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0 }.Where(t => t <= max))
        {
            string stroke = tick == 1.0 ? "#1f2328" : "#d0d7de";
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{X(tick):0.#}" y1="{y - 4}" x2="{X(tick):0.#}" y2="{chartBottom}" stroke="{stroke}" stroke-width="1"/>""").AppendLine();
            Text(svg, X(tick), y - 7, tick.ToString("P0", CultureInfo.InvariantCulture), "middle", fill: "#57606a", size: 9);
        }

        foreach ((PlatformScenario scenario, List<(DriverKind Driver, double Ratio)> bars) in groups)
        {
            Text(svg, 8, y + (bars.Count * (BarHeight + 2) / 2.0) + 3, scenario.Key, "start", bold: true);
            foreach ((DriverKind driver, double ratio) in bars)
            {
                Text(svg, axisLeft - 6, y + BarHeight - 1, driver.Name, "end", size: 9);
                string fill = report.Find(scenario.Key, driver.Name) is { } cell ? Colour(cell) : NotRun;
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{axisLeft}" y="{y}" width="{Math.Max(1, X(ratio) - axisLeft):0.#}" height="{BarHeight}" fill="{fill}"><title>{Escape($"{driver.Name} in {scenario.Key}: {ratio:P0} of passthrough")}</title></rect>""").AppendLine();
                Text(svg, X(ratio) + 4, y + BarHeight - 1, ratio.ToString("P0", CultureInfo.InvariantCulture), "start", size: 9);
                y += BarHeight + 2;
            }

            y += 10;
        }

        return y - top;
    }

    private static double? Ratio(MatrixReport report, PlatformScenario scenario, DriverKind driver) =>
        report.Find(scenario.Key, driver.Name) is { Failed: false } cell ? report.RatioToPassthrough(cell) : null;

    private static string Html(string svg, MatrixReport report)
    {
        int unexpected = report.Unexpected.Count;
        string verdict = unexpected == 0
            ? $"All {report.Cells.Count} cells as expected."
            : $"{unexpected} of {report.Cells.Count} cells NOT as expected.";
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>DmaDiscipline — drivers × platform scenarios</title></head>
            <body style="font-family: Segoe UI, Helvetica, Arial, sans-serif; margin: 24px">
            <h1 style="font-size: 20px">virtio drivers × platform scenarios</h1>
            <p>{Escape(verdict)} Hover a cell or a bar for its details.</p>
            {svg}
            </body>
            </html>

            """;
    }

    private static string Tooltip(DriverKind driver, PlatformScenario scenario, CellOutcome? cell)
    {
        if (cell is null)
        {
            return $"{driver.Name} in {scenario.Key}: not run";
        }

        var text = new StringBuilder($"{driver.Name} in {scenario.Key}: {cell.Summary}; expected {cell.Expected}");
        if (cell.Completed > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {cell.Completed}/{cell.Attempted} {cell.Unit} work items byte-exact");
        }

        if (cell.Faults > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; {cell.Faults} faults ({string.Join(", ", cell.FaultReasons)})");
        }

        if (cell.Violations.Count > 0)
        {
            text.Append("; debug ").Append(string.Join(" ", cell.Violations.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}×{v.Value}")));
        }

        if (cell.Error is not null)
        {
            text.Append("; ").Append(cell.Error);
        }

        return text.ToString();
    }

    private static string Colour(CellOutcome cell) => !cell.AsExpected ? Unexpected : cell.Failed ? ExpectedFailure : Clean;

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, string fill = "#1f2328", bool bold = false, int size = 11) =>
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{y:0.#}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{(bold ? " font-weight=\"600\"" : string.Empty)}>{Escape(text)}</text>""").AppendLine();

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
