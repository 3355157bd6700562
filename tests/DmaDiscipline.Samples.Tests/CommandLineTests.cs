using System.Text.Json;
using DmaDiscipline.Runner.Matrix;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The runner's command line: one cell, JSON out, exit codes.</summary>
[Collection("Console")]
public sealed class CommandLineTests
{
    private static (int ExitCode, string Output) Run(params string[] args) => RunnerCommand.Run(args);

    [Theory]
    [InlineData("strict")]
    [InlineData("lazy")]
    [InlineData("userspace")]
    public void Without_ats_the_translated_scenarios_expect_the_same(string scenario)
    {
        (int exitCode, string output) = Run("--quick", "--json", "--scenario", scenario, "--no-ats");

        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Empty(json.RootElement.GetProperty("unexpected").EnumerateArray());
        Assert.Contains(json.RootElement.GetProperty("cells").EnumerateArray(), c => c.GetProperty("outcome").GetString() != "ok"); // legacy still fails
    }

    [Fact]
    public void Scenario_and_driver_pick_one_cell_and_json_describes_it()
    {
        (int exitCode, string output) = Run("--quick", "--json", "--scenario", "strict", "--driver", "net-pp", "--queues", "1");
        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement cell = Assert.Single(json.RootElement.GetProperty("cells").EnumerateArray());
        Assert.Equal("strict", cell.GetProperty("scenario").GetString());
        Assert.Equal("net-pp", cell.GetProperty("driver").GetString());
        Assert.Equal("ok", cell.GetProperty("outcome").GetString());
        Assert.True(cell.GetProperty("iotlbHitRate").GetDouble() > 0);
    }

    [Fact]
    public void A_legacy_cell_that_fails_as_expected_exits_zero()
    {
        (int exitCode, string output) = Run("--quick", "--json", "--scenario", "passthrough", "--driver", "legacy-blk");
        Assert.Equal(0, exitCode);
        Assert.Contains("DMA001", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_scenario_is_a_usage_error()
    {
        Assert.Equal(2, Run("--scenario", "nowhere").ExitCode);
    }

    [Fact]
    public void Report_draws_the_cells_that_ran_into_the_named_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"dmadiscipline-cli-{Guid.NewGuid():N}.svg");
        try
        {
            (int exitCode, string output) = Run("--quick", "--json", "--scenario", "strict", "--driver", "net", "--report", file);

            Assert.True(exitCode == 0, output);
            string svg = File.ReadAllText(file);
            Assert.Contains("net in strict: ok", svg, StringComparison.Ordinal);
            Assert.DoesNotContain("legacy-net", svg, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_report_that_cannot_be_written_is_a_usage_error_not_a_crash()
    {
        string file = Path.Combine("/proc", "no-such-folder", "matrix.svg");
        Assert.Equal(2, Run("--quick", "--json", "--scenario", "strict", "--driver", "net", "--report", file).ExitCode);
    }
}
