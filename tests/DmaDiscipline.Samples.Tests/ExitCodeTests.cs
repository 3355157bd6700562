using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The exit code follows the expectations: a failing disciplined driver or a passing legacy driver makes it non-zero.</summary>
public sealed class ExitCodeTests
{
    private static CellOutcome Cell(DriverFamily family, Expectation expected, long faults = 0, long dataErrors = 0, string? rule = null) => new()
    {
        Scenario = "s",
        Driver = "d",
        Family = family,
        Expected = expected,
        Unit = "pkt/s",
        Attempted = 10,
        Completed = 10 - dataErrors,
        Faults = faults,
        DataErrors = dataErrors,
        Violations = rule is null ? new Dictionary<string, int>() : new Dictionary<string, int> { [rule] = 1 },
    };

    [Fact]
    public void A_clean_disciplined_driver_and_a_failing_legacy_driver_exit_zero()
    {
        var report = new MatrixReport([Cell(DriverFamily.Disciplined, Expectation.Ok), Cell(DriverFamily.Legacy, Expectation.MustFail, faults: 1)]);
        Assert.Equal(0, report.ExitCode);
    }

    [Fact]
    public void A_debug_report_fails_a_disciplined_driver()
    {
        var report = new MatrixReport([Cell(DriverFamily.Disciplined, Expectation.Ok, rule: "DMA005")]);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void A_legacy_driver_that_passes_exits_non_zero()
    {
        var report = new MatrixReport([Cell(DriverFamily.Legacy, Expectation.MustFail)]);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public void Legacy_with_right_data_fails_only_by_DMA001()
    {
        Assert.True(Cell(DriverFamily.Legacy, Expectation.MustFail, rule: "DMA001").AsExpected);
        Assert.False(Cell(DriverFamily.Legacy, Expectation.MustFail, rule: "DMA002").AsExpected);
    }

    [Fact]
    public void A_platform_bug_must_be_seen_as_a_fault_or_wrong_data()
    {
        Assert.True(Cell(DriverFamily.Disciplined, Expectation.PlatformBug, dataErrors: 3).AsExpected);
        Assert.False(Cell(DriverFamily.Disciplined, Expectation.PlatformBug).AsExpected);
    }

    [Fact]
    public void The_json_report_carries_every_cell_and_the_exit_code()
    {
        var report = new MatrixReport([Cell(DriverFamily.Disciplined, Expectation.Ok), Cell(DriverFamily.Legacy, Expectation.MustFail)]);
        string json = JsonReport.Serialize(report);
        Assert.Contains("\"exitCode\": 1", json, StringComparison.Ordinal);
        Assert.Contains("\"expected\": \"must-fail\"", json, StringComparison.Ordinal);
    }
}
