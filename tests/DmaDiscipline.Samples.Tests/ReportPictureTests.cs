using System.Xml.Linq;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The --report picture: every cell of the matrix in its outcome's colour, bars only for clean cells, SVG or HTML by the file's name.</summary>
public sealed class ReportPictureTests(MatrixFixture matrix) : IClassFixture<MatrixFixture>
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void The_grid_has_one_coloured_cell_per_driver_and_scenario_titled_with_its_outcome()
    {
        XDocument picture = XDocument.Parse(ReportPicture.Svg(matrix.Report, ScenarioCatalog.All, DriverCatalog.All, bench: false));

        List<XElement> cells = picture.Descendants(Svg + "rect").Where(r => r.Element(Svg + "title") is { } t && !t.Value.Contains("of passthrough", StringComparison.Ordinal)).ToList();
        Assert.Equal(ScenarioCatalog.All.Count * DriverCatalog.All.Count, cells.Count);
        foreach (CellOutcome cell in matrix.Report.Cells)
        {
            XElement rect = Assert.Single(cells, r => r.Element(Svg + "title")!.Value.StartsWith($"{cell.Driver} in {cell.Scenario}:", StringComparison.Ordinal));
            string expected = cell.Expected == Expectation.NotApplicable ? "#d0d7de" : !cell.AsExpected ? "#d1242f" : cell.Failed ? "#e3b341" : "#2e9e4f";
            Assert.Equal(expected, rect.Attribute("fill")?.Value);
            Assert.Contains(cell.Summary, rect.Element(Svg + "title")!.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Bars_are_drawn_for_clean_cells_only_each_with_its_ratio_to_passthrough()
    {
        XDocument picture = XDocument.Parse(ReportPicture.Svg(matrix.Report, ScenarioCatalog.All, DriverCatalog.All, bench: false));

        List<string> bars = picture.Descendants(Svg + "rect").Select(r => r.Element(Svg + "title")?.Value).OfType<string>()
            .Where(t => t.EndsWith("of passthrough", StringComparison.Ordinal)).ToList();
        List<CellOutcome> charted = matrix.Report.Cells.Where(c => c.Scenario != "passthrough" && !c.Failed && matrix.Report.RatioToPassthrough(c) is not null).ToList();
        Assert.NotEmpty(charted);
        Assert.Equal(charted.Count, bars.Count);
        Assert.DoesNotContain(bars, b => b.StartsWith("legacy-", StringComparison.Ordinal));
    }

    [Fact]
    public void An_svg_name_gets_the_picture_and_any_other_name_an_html_page_holding_it()
    {
        string folder = Path.Combine(Path.GetTempPath(), "dmadiscipline-report-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string svg = Path.Combine(folder, "nested", "matrix.svg");
            string html = Path.Combine(folder, "matrix.html");
            ReportPicture.Write(svg, matrix.Report, ScenarioCatalog.All, DriverCatalog.All, bench: false);
            ReportPicture.Write(html, matrix.Report, ScenarioCatalog.All, DriverCatalog.All, bench: false);

            Assert.Equal(Svg + "svg", XDocument.Load(svg).Root!.Name);
            string page = File.ReadAllText(html);
            Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
            Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", page, StringComparison.Ordinal);
            Assert.Contains(matrix.Report.Unexpected.Count == 0 ? "cells as expected" : "NOT as expected", page, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
