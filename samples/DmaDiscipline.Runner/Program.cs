using System.CommandLine;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runner.Scenario;
using Spectre.Console;

var scenarioOption = new Option<string?>("--scenario") { Description = "Run only this scenario (" + string.Join(", ", ScenarioCatalog.All.Select(s => s.Key)) + ")." };
var driverOption = new Option<string?>("--driver") { Description = "Run only this driver (" + string.Join(", ", DriverCatalog.All.Select(d => d.Name)) + ")." };
var jsonOption = new Option<bool>("--json") { Description = "Write the results as JSON to standard output instead of tables." };
var benchOption = new Option<bool>("--bench") { Description = "Benchmark: throughput of the clean drivers per scenario as a ratio to passthrough (best of 7 interleaved rounds, DMA debug off)." };
var quickOption = new Option<bool>("--quick") { Description = "Small workloads (as the tests use)." };
var noAtsOption = new Option<bool>("--no-ats") { Description = "Devices without PCIe ATS: every translated access goes to the IOMMU's IOTLB." };
var queuesOption = new Option<string>("--queues")
{
    Description = "Queue pairs (net) or request queues (blk) per driver, one thread each, as a comma-separated list: the matrix runs once per count; drivers that run one queue (legacy, userspace) appear only at 1. With --bench, a scaling table compares each count with 1.",
    DefaultValueFactory = _ => "1,2",
};
var reportOption = new Option<FileInfo?>("--report") { Description = "Also draw the run: the matrix as a coloured grid and the throughput ratios to passthrough as a bar chart (FILE.svg: the picture; any other name: an HTML page)." };
var root = new RootCommand("Runs every virtio driver (legacy, disciplined, userspace) in every platform scenario of the simulated machine and prints the outcome matrix. Exit code 1 when a cell is not as its scenario expects.")
{
    scenarioOption,
    driverOption,
    jsonOption,
    benchOption,
    quickOption,
    noAtsOption,
    queuesOption,
    reportOption,
};

root.SetAction(parse =>
{
    string? scenarioKey = parse.GetValue(scenarioOption);
    string? driverName = parse.GetValue(driverOption);
    bool json = parse.GetValue(jsonOption);
    bool bench = parse.GetValue(benchOption);
    bool quick = parse.GetValue(quickOption);
    FileInfo? reportFile = parse.GetValue(reportOption);

    IReadOnlyList<PlatformScenario> scenarios = ScenarioCatalog.All;
    if (scenarioKey is not null)
    {
        scenarios = ScenarioCatalog.Find(scenarioKey) is { } s ? [s] : [];
        if (scenarios.Count == 0)
        {
            Console.Error.WriteLine($"Unknown scenario '{scenarioKey}'. Known: {string.Join(", ", ScenarioCatalog.All.Select(x => x.Key))}");
            return 2;
        }
    }

    if (parse.GetValue(noAtsOption))
    {
        scenarios = scenarios.Select(s => s.WithoutAts()).ToList();
    }

    IReadOnlyList<DriverKind> drivers = DriverCatalog.All;
    if (driverName is not null)
    {
        drivers = DriverCatalog.Find(driverName) is { } d ? [d] : [];
        if (drivers.Count == 0)
        {
            Console.Error.WriteLine($"Unknown driver '{driverName}'. Known: {string.Join(", ", DriverCatalog.All.Select(x => x.Name))}");
            return 2;
        }
    }

    if (QueueCounts.Parse(parse.GetValue(queuesOption)) is not { } queueCounts)
    {
        Console.Error.WriteLine($"--queues takes counts from 1 to {QueueCounts.Max}, comma-separated (e.g. 1,2), not '{parse.GetValue(queuesOption)}'.");
        return 2;
    }

    drivers = DriverCatalog.WithQueues(drivers, queueCounts);
    if (drivers.Count == 0)
    {
        Console.Error.WriteLine($"No driver selected runs {string.Join(" or ", queueCounts)} queues (legacy and userspace drivers run one).");
        return 2;
    }

    WorkloadSize size = quick ? WorkloadSize.Test : bench ? WorkloadSize.Bench : WorkloadSize.Default;
    IAnsiConsole console = AnsiConsole.Console;
    if (!console.Profile.Capabilities.Interactive && console.Profile.Width < 200)
    {
        console.Profile.Width = 200; // redirected output: do not squeeze the matrix into 80 columns
    }

    MatrixReport report = json || !console.Profile.Capabilities.Interactive
        ? Execute((done, total, what) => Console.Error.WriteLine($"[{done}/{total}] {what}"))
        : RunWithProgress();

    if (json)
    {
        Console.WriteLine(JsonReport.Serialize(report));
    }
    else if (bench)
    {
        MatrixPrinter.Print(console, report, scenarios, drivers.Where(d => d.Family != DriverFamily.Legacy).ToList());
        console.WriteLine();
        Console.Out.Write(BenchRun.Markdown(report, scenarios)); // raw: a console would wrap the long rows
        if (queueCounts.Any(q => q > 1))
        {
            Console.Out.WriteLine();
            Console.Out.Write(BenchRun.ScalingMarkdown(report, scenarios, drivers));
        }
    }
    else
    {
        MatrixPrinter.Print(console, report, scenarios, drivers);
    }

    if (reportFile is not null)
    {
        try
        {
            ReportPicture.Write(reportFile.FullName, report, scenarios, bench ? drivers.Where(d => d.Family != DriverFamily.Legacy).ToList() : drivers, bench);
            Console.Error.WriteLine($"report: {reportFile.FullName}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Cannot write the report to '{reportFile.FullName}': {e.Message}");
            return 2;
        }
    }

    // A benchmark is a measurement; the verdict belongs to the matrix run.
    return bench ? 0 : report.ExitCode;

    MatrixReport Execute(Action<int, int, string> progress) => bench
        ? BenchRun.Run(scenarios, drivers, size, rounds: 7, progress)
        : MatrixRun.Run(scenarios, drivers, size, progress);

    MatrixReport RunWithProgress()
    {
        MatrixReport? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("cells");
                result = Execute((done, total, what) =>
                {
                    task.MaxValue = total;
                    task.Value = done;
                    task.Description = Markup.Escape(what);
                });
            });
        return result!;
    }
});

return root.Parse(args).Invoke();
