using System.Text.Json;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The runner's queues dimension: every multiqueue driver once per queue count, each queue on its own thread, the matrix as expected at every count.</summary>
[Collection("Console")]
public sealed class QueueDimensionTests
{
    private static (int ExitCode, string Output) Run(params string[] args) => RunnerCommand.Run(args);

    [Fact]
    public void Two_queues_of_every_disciplined_driver_are_as_expected_in_every_scenario()
    {
        IReadOnlyList<DriverKind> drivers = DriverCatalog.WithQueues(DriverCatalog.All.Where(d => d.MultiQueue), [2]);

        MatrixReport report = MatrixRun.Run(ScenarioCatalog.All, drivers, WorkloadSize.Test);

        Assert.Equal(5, drivers.Count);
        Assert.All(drivers, d => Assert.EndsWith("/2q", d.Name, StringComparison.Ordinal));
        Assert.Empty(report.Unexpected.Select(c => $"{c.Driver} in {c.Scenario}: {c.Summary} {c.Error}"));
        Assert.All(report.Cells.Where(c => c.Expected == Expectation.Ok), c =>
        {
            Assert.Equal(c.Attempted, c.Completed); // every packet or request of both queues, byte-exact
            Assert.Equal(0, c.DataErrors);
        });
    }

    [Fact]
    public void Queues_one_and_two_give_a_row_each_and_single_queue_drivers_only_one()
    {
        (int exitCode, string output) = Run("--quick", "--json", "--scenario", "strict", "--queues", "1,2");

        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        List<string?> rows = json.RootElement.GetProperty("cells").EnumerateArray().Select(c => c.GetProperty("driver").GetString()).ToList();
        Assert.Equal(["legacy-net", "legacy-blk", "net", "net/2q", "net-pp", "net-pp/2q", "net-packed", "net-packed/2q", "blk", "blk/2q", "blk-packed", "blk-packed/2q", "vfio-blk"], rows);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1,x")]
    [InlineData("17")]
    [InlineData("")]
    public void A_bad_queue_list_is_a_usage_error(string queues)
    {
        Assert.Equal(2, Run("--quick", "--queues", queues).ExitCode);
    }

    [Fact]
    public void Asking_a_single_queue_driver_for_two_queues_is_a_usage_error()
    {
        Assert.Equal(2, Run("--quick", "--driver", "legacy-net", "--queues", "2").ExitCode);
    }

    [Fact]
    public void The_scaling_table_gives_each_count_against_one_and_checks_the_goal_where_translated()
    {
        DriverKind net = DriverCatalog.Find("net")!;
        DriverKind net2 = net.WithQueues(2);
        var report = new MatrixReport(
        [
            Cell("strict", net.Name, 100_000, translated: true),
            Cell("strict", net2.Name, 190_000, translated: true),
            Cell("lazy", net.Name, 100_000, translated: true),
            Cell("lazy", net2.Name, 150_000, translated: true),
            Cell("passthrough", net.Name, 200_000, translated: false),
            Cell("passthrough", net2.Name, 220_000, translated: false),
        ]);
        List<PlatformScenario> scenarios = new[] { "passthrough", "strict", "lazy" }.Select(k => ScenarioCatalog.Find(k)!).ToList();

        string table = BenchRun.ScalingMarkdown(report, scenarios, [net, net2]);

        Assert.Contains("| passthrough | strict* | lazy* |", table);
        Assert.Contains("| net/2q | 1.10× (200.0k → 220.0k) | 1.90× (100.0k → 190.0k) | 1.50× (100.0k → 150.0k) |", table);
        Assert.Contains("missed in 1 of 2 cells: net/2q in lazy 1.50×", table);
    }

    [Fact]
    public void The_scaling_table_gives_the_work_per_operation_of_N_queues_against_one_when_the_cells_were_timed()
    {
        DriverKind net = DriverCatalog.Find("net")!;
        DriverKind net2 = net.WithQueues(2);
        // One queue: 100k operations in 1 CPU second; two: 190k in 2.5 CPU seconds (76k per CPU second).
        var report = new MatrixReport(
        [
            Cell("strict", net.Name, 100_000, translated: true) with { CpuSeconds = 1 },
            Cell("strict", net2.Name, 190_000, translated: true) with { CpuSeconds = 2.5 },
        ]);

        string table = BenchRun.ScalingMarkdown(report, [ScenarioCatalog.Find("strict")!], [net, net2]);

        Assert.Contains("| net/2q | 1.90× (100.0k → 190.0k; CPU 0.76) |", table);
    }

    [Fact]
    public void The_json_gives_each_cell_its_cpu_time_allocations_collections_and_blocking_per_operation()
    {
        (int exitCode, string output) = Run("--quick", "--json", "--scenario", "strict", "--driver", "net", "--queues", "1,2");

        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        List<JsonElement> cells = json.RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(2, cells.Count);
        Assert.All(cells, cell =>
        {
            double completed = cell.GetProperty("completed").GetDouble();
            Assert.True(completed > 0);
            Assert.Equal(cell.GetProperty("cpuSeconds").GetDouble() * 1e6 / completed, cell.GetProperty("cpuMicrosecondsPerOp").GetDouble(), 6);
            Assert.Equal(cell.GetProperty("allocatedBytes").GetDouble() / completed, cell.GetProperty("allocatedBytesPerOp").GetDouble(), 6);
            Assert.True(cell.GetProperty("allocatedBytes").GetInt64() >= 0);
            foreach (string counter in new[] { "gen0Collections", "gen1Collections", "gen2Collections", "voluntarySwitches", "involuntarySwitches" })
            {
                Assert.True(cell.GetProperty(counter).GetInt64() >= 0, counter);
            }

            Assert.True(cell.GetProperty("gcPauseSeconds").GetDouble() >= 0);
        });
    }

    private static CellOutcome Cell(string scenario, string driver, double perSecond, bool translated) => new()
    {
        Scenario = scenario,
        Driver = driver,
        Family = DriverFamily.Disciplined,
        Expected = Expectation.Ok,
        Unit = "pkt/s",
        Attempted = (long)perSecond,
        Completed = (long)perSecond,
        WallSeconds = 1,
        IotlbHitRate = translated ? 0.99 : null,
    };
}
