using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Samples.Tests;

/// <summary>Every cell of the matrix against its scenario's stated expectation, and the expectations themselves.</summary>
public sealed class MatrixExpectationTests(MatrixFixture matrix) : IClassFixture<MatrixFixture>
{
    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        foreach (PlatformScenario scenario in ScenarioCatalog.All)
        {
            foreach (DriverKind driver in DriverCatalog.All)
            {
                data.Add(scenario.Key, driver.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Cell_is_as_its_scenario_expects(string scenario, string driver)
    {
        CellOutcome cell = matrix.Cell(scenario, driver);
        if (RuntimeGaps.IsCoherentGap(scenario, cell.Error))
        {
            return; // the runtime refuses the ring memory; see RuntimeGaps
        }

        Assert.True(cell.AsExpected, $"{driver} in {scenario}: {cell.Summary} (expected {cell.Expected}){(cell.Error is null ? string.Empty : ": " + cell.Error)}");
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Clean_cells_move_every_byte_exactly_with_no_fault_and_no_report(string scenario, string driver)
    {
        CellOutcome cell = matrix.Cell(scenario, driver);
        if (cell.Expected != Expectation.Ok || RuntimeGaps.IsCoherentGap(scenario, cell.Error))
        {
            return;
        }

        Assert.Null(cell.Error);
        Assert.Equal(0, cell.Faults);
        Assert.Empty(cell.Violations);
        Assert.Equal(0, cell.DataErrors);
        Assert.True(cell.Attempted > 0);
        Assert.Equal(cell.Attempted, cell.Completed);
    }

    [Fact]
    public void The_dma32_failures_are_only_the_runtime_coherent_gap()
    {
        foreach (DriverKind driver in DriverCatalog.All.Where(d => d.Family == DriverFamily.Disciplined))
        {
            CellOutcome cell = matrix.Cell("dma32", driver.Name);
            Assert.True(cell.AsExpected || RuntimeGaps.IsCoherentGap("dma32", cell.Error), $"{driver.Name}: {cell.Summary} {cell.Error}");
        }
    }

    [Fact]
    public void Disciplined_drivers_are_expected_clean_everywhere_but_under_a_lying_firmware_table()
    {
        foreach (PlatformScenario scenario in ScenarioCatalog.All)
        {
            Assert.Equal(scenario.Key == "lying-fw" ? Expectation.PlatformBug : Expectation.Ok, scenario.Disciplined);
        }
    }

    [Fact]
    public void Legacy_drivers_must_fail_everywhere()
    {
        Assert.All(ScenarioCatalog.All, s => Assert.Equal(Expectation.MustFail, s.Legacy));
    }

    [Theory]
    [InlineData("no-iommu")]
    [InlineData("passthrough")]
    [InlineData("lying-fw-quirk")]
    public void Where_bus_equals_physical_legacy_data_is_right_and_the_debug_layer_reports_DMA001(string scenario)
    {
        foreach (string driver in new[] { "legacy-net", "legacy-blk" })
        {
            CellOutcome cell = matrix.Cell(scenario, driver);
            Assert.Equal(0, cell.Faults);
            Assert.Equal(0, cell.DataErrors);
            Assert.True(cell.Violations.GetValueOrDefault("DMA001") > 0, $"{driver} in {scenario}: no DMA001");
        }
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("lazy")]
    [InlineData("hv-internal")]
    [InlineData("userspace")]
    [InlineData("confidential")]
    [InlineData("lying-fw")]
    public void Where_bus_differs_from_physical_legacy_faults(string scenario)
    {
        foreach (string driver in new[] { "legacy-net", "legacy-blk" })
        {
            CellOutcome cell = matrix.Cell(scenario, driver);
            Assert.True(cell.Faults > 0, $"{driver} in {scenario}: {cell.Summary}");
            Assert.True(cell.DataErrors > 0);
        }
    }

    [Theory]
    [InlineData("dma32")]
    [InlineData("confidential")]
    public void Disciplined_drivers_bounce_where_the_device_cannot_reach_the_buffers(string scenario)
    {
        foreach (string driver in new[] { "net", "net-pp", "net-packed", "blk", "blk-packed" })
        {
            CellOutcome cell = matrix.Cell(scenario, driver);
            if (!RuntimeGaps.IsCoherentGap(scenario, cell.Error))
            {
                Assert.True(cell.BounceBytes > 0, $"{driver} in {scenario} did not bounce");
            }
        }
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("lazy")]
    [InlineData("userspace")]
    public void Translated_scenarios_report_an_iotlb_hit_rate(string scenario)
    {
        foreach (string driver in new[] { "net", "net-pp", "blk" })
        {
            Assert.NotNull(matrix.Cell(scenario, driver).IotlbHitRate);
        }
    }

    [Fact]
    public void Under_a_lying_table_even_disciplined_drivers_break_and_the_debug_layer_cannot_tell()
    {
        foreach (DriverKind driver in DriverCatalog.All.Where(d => d.Family == DriverFamily.Disciplined))
        {
            CellOutcome lying = matrix.Cell("lying-fw", driver.Name);
            Assert.True(lying.Faults > 0 && lying.DataErrors > 0, $"{driver.Name}: {lying.Summary}");
            Assert.Empty(lying.Violations); // every address the device used came from the DMA API

            // Only the excluded device (behind the IOMMU, no domain) is blocked: the bypassing one
            // declined ACCESS_PLATFORM, so its DMA API answered with physical addresses it can use.
            Assert.Equal(["Blocked"], lying.FaultReasons);
            Assert.Contains(lying.PlatformLog, line => line.Contains("did not negotiate VIRTIO_F_ACCESS_PLATFORM", StringComparison.Ordinal));
            Assert.False(matrix.Cell("lying-fw-quirk", driver.Name).Failed);
        }
    }

    [Fact]
    public void The_userspace_driver_runs_only_where_a_device_is_assigned_to_userspace()
    {
        foreach (PlatformScenario scenario in ScenarioCatalog.All)
        {
            CellOutcome cell = matrix.Cell(scenario.Key, "vfio-blk");
            Assert.Equal(scenario.Key == "userspace" ? Expectation.Ok : Expectation.NotApplicable, cell.Expected);
        }
    }

    [Fact]
    public void The_whole_matrix_exits_zero()
    {
        Assert.Empty(matrix.Report.Unexpected.Where(c => !RuntimeGaps.IsCoherentGap(c.Scenario, c.Error)).Select(c => $"{c.Driver}/{c.Scenario}: {c.Summary}"));
        if (RuntimeGaps.CoherentBelow4GWorks)
        {
            Assert.Equal(0, matrix.Report.ExitCode);
        }
    }
}
