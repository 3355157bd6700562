using System.Globalization;
using System.Text;
using DmaDiscipline.Benchmarks.Analyzers;

// Reproduces the "Analyzer cost" table of benchmarks/README.md:
//   dotnet run --project benchmarks/DmaDiscipline.Benchmarks.Analyzers -c Release -- [--lines 100000] [--runs 3] [--plain 6] [--server] [--write-corpus DIR] [--phases] [--corpus drivers|emulator] [--no-publish]
//   … --generator-phases [--corpus drivers|emulator] [--published FILE]: the summary generator's parts, in process
// issue 13's three cost figures side by side, in process (CostGoals):
//   dotnet run --project benchmarks/DmaDiscipline.Benchmarks.Analyzers -c Release -- --goals [--lines 100000] [--runs 3]
// the same two corpora's work in counts, which load does not move (Counts: bodies summarised and analysed):
//   dotnet run --project benchmarks/DmaDiscipline.Benchmarks.Analyzers -c Release -- --counts [--lines 100000]
// and the size series of DMA002–DMA006's dataflow (time per statement as one body grows):
//   dotnet run --project benchmarks/DmaDiscipline.Benchmarks.Analyzers -c Release -- --sizes [--runs 5] [--shape "live mappings"] [--size 1000,2000]
// Builds the analyzers and the runtime, generates a driver corpus into a temporary project that
// references both, builds it with -p:ReportAnalyzer=true and reports each analyzer's time as a
// share of the Csc task (median of the runs). --corpus emulator generates instead a large project
// that references the runtime and carries a symbols file but does no DMA (EmulatorCorpus): what
// the analyzers cost a project of a driver solution that never touches the DMA API.
var lines = ArgumentValue("--lines", 100_000);
var runs = ArgumentValue("--runs", 3);
var plainGroups = ArgumentValue("--plain", 6);
var emulator = Array.IndexOf(args, "--corpus") is var corpusAt and >= 0 && corpusAt + 1 < args.Length
    ? args[corpusAt + 1] switch
    {
        "emulator" => true,
        "drivers" => false,
        var other => throw new ArgumentException($"--corpus takes 'drivers' or 'emulator', not '{other}'."),
    }
    : false;

// --server: compile in the shared compiler server, as `dotnet build` does unless told otherwise,
// after one unmeasured build, so the server has loaded and JIT-compiled the compiler and the
// analyzers. Without it every build is a fresh compiler process (UseSharedCompilation=false).
var server = args.Contains("--server");

// --phases: time the analyzers' phases in this process (first use and warm), then stop.
var phases = args.Contains("--phases");

// --no-publish: the corpus project sets DmaDisciplinePublishSummaries=false (the package's opt-out of the summary
// generator, for a project no driver project references), to compare with the default.
var noPublish = args.Contains("--no-publish");

// --write-corpus DIR: write the corpus project into DIR and stop, for profiling the compiler on it.
var writeCorpus = Array.IndexOf(args, "--write-corpus") is var at and >= 0 && at + 1 < args.Length ? Path.GetFullPath(args[at + 1]) : null;

var root = FindRoot();
Console.WriteLine($"repository: {root}");
BuildMeasurement.Dotnet(root, "build", Path.Combine(root, "sim-runtime", "DmaDiscipline.Runtime", "DmaDiscipline.Runtime.csproj"), "-c", "Release");
var analyzerDll = Path.Combine(root, "analyzers", "DmaDiscipline.Analyzers", "bin", "Release", "netstandard2.0", "DmaDiscipline.Analyzers.dll");
var runtimeDll = Path.Combine(root, "sim-runtime", "DmaDiscipline.Runtime", "bin", "Release", "net8.0", "DmaDiscipline.Runtime.dll");

// --sizes: the size series (SizeSeries.cs), in this process, then stop. It runs the analyzers this
// program was built with (a project reference), so only the runtime is built first.
if (args.Contains("--sizes"))
{
    // --shape NAME: only that shape's rows (a name of SizeSeries' shapes: statements, live mappings, nesting, switch cases).
    var shape = Array.IndexOf(args, "--shape") is var shapeAt and >= 0 && shapeAt + 1 < args.Length ? args[shapeAt + 1] : null;
    // --size N,M: only those sizes of each shape (its growth columns then compare the rows given).
    var sizes = Array.IndexOf(args, "--size") is var sizeAt and >= 0 && sizeAt + 1 < args.Length
        ? args[sizeAt + 1].Split(',').Select(size => int.Parse(size, CultureInfo.InvariantCulture)).ToHashSet()
        : null;
    Console.WriteLine(SizeSeries.Measure(runtimeDll, runs, shape, sizes));
    return 0;
}

// --goals: issue 13's three cost figures side by side (CostGoals.cs), in this process, then stop: the typical
// driver corpus (--plain 30) and the emulator corpus, --lines each.
// --counts: the package's work on the same two corpora in counts (Counts.cs): bodies summarised and analysed.
if (args.Contains("--counts"))
{
    var counts = Path.Combine(Path.GetTempPath(), $"dmadiscipline-analyzer-counts-{Environment.ProcessId}");
    var (_, driverCount) = DriverCorpus.Write(Path.Combine(counts, "Drivers"), lines, 30);
    var (_, emulatorCount) = EmulatorCorpus.Write(Path.Combine(counts, "Emulator"), lines);
    var countsSymbols = Path.Combine(counts, "DmaDiscipline.txt");
    File.WriteAllText(countsSymbols, EmulatorCorpus.SymbolsFile);
    Console.WriteLine(Counts.Measure(
        [
            new CostGoals.Corpus("typical driver corpus (`--plain 30`)", Path.Combine(counts, "Drivers"), null, driverCount),
            new CostGoals.Corpus("emulator", Path.Combine(counts, "Emulator"), countsSymbols, emulatorCount),
        ],
        runtimeDll));
    Directory.Delete(counts, recursive: true);
    return 0;
}

if (args.Contains("--goals"))
{
    var goals = Path.Combine(Path.GetTempPath(), $"dmadiscipline-analyzer-goals-{Environment.ProcessId}");
    var (_, driverLines) = DriverCorpus.Write(Path.Combine(goals, "Drivers"), lines, 30);
    var (_, emulatorLines) = EmulatorCorpus.Write(Path.Combine(goals, "Emulator"), lines);
    var emulatorSymbols = Path.Combine(goals, "DmaDiscipline.txt");
    File.WriteAllText(emulatorSymbols, EmulatorCorpus.SymbolsFile);
    Console.WriteLine(CostGoals.Measure(
        [
            new CostGoals.Corpus("typical driver corpus (`--plain 30`)", Path.Combine(goals, "Drivers"), null, driverLines),
            new CostGoals.Corpus("emulator (no DMA; references the runtime, carries a symbols file)", Path.Combine(goals, "Emulator"), emulatorSymbols, emulatorLines),
        ],
        runtimeDll,
        runs));
    Directory.Delete(goals, recursive: true);
    return 0;
}

BuildMeasurement.Dotnet(root, "build", Path.Combine(root, "analyzers", "DmaDiscipline.Analyzers", "DmaDiscipline.Analyzers.csproj"), "-c", "Release");

// Outside the repository, so that its Directory.Build.props (warnings as errors) does not apply.
// One folder per run, so that two runs at once do not build over each other.
var work = writeCorpus ?? Path.Combine(Path.GetTempPath(), $"dmadiscipline-analyzer-bench-{Environment.ProcessId}");
if (Directory.Exists(work))
{
    Directory.Delete(work, recursive: true);
}

var (files, corpusLines) = emulator
    ? EmulatorCorpus.Write(Path.Combine(work, "Drivers"), lines)
    : DriverCorpus.Write(Path.Combine(work, "Drivers"), lines, plainGroups);
var project = Path.Combine(work, "Corpus.csproj");
Directory.CreateDirectory(work);
if (emulator)
{
    File.WriteAllText(Path.Combine(work, "DmaDiscipline.txt"), EmulatorCorpus.SymbolsFile);
}

File.WriteAllText(project, $"""
    <Project Sdk="Microsoft.NET.Sdk">
      <PropertyGroup>
        <TargetFramework>net8.0</TargetFramework>
        <Nullable>disable</Nullable>
        <ImplicitUsings>disable</ImplicitUsings>
        <!-- Only the compiler and the DMA analyzers: the SDK's own analyzers would dilute the ratio. -->
        <EnableNETAnalyzers>false</EnableNETAnalyzers>
        <EnforceCodeStyleInBuild>false</EnforceCodeStyleInBuild>
        <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
        <GenerateDocumentationFile>false</GenerateDocumentationFile>
        <DmaDisciplinePublishSummaries>{(noPublish ? "false" : "true")}</DmaDisciplinePublishSummaries>
      </PropertyGroup>
      <ItemGroup>
        <!-- What the package's .targets does: the summary generator reads the property. -->
        <CompilerVisibleProperty Include="DmaDisciplinePublishSummaries" />
        <Reference Include="DmaDiscipline.Runtime" HintPath="{runtimeDll}" />
        <Analyzer Include="{analyzerDll}" Condition="'$(DmaAnalyzers)' != 'false'" />
        <AdditionalFiles Include="DmaDiscipline.txt" Condition="Exists('DmaDiscipline.txt')" />
      </ItemGroup>
    </Project>
    """);
Console.WriteLine($"corpus: {files} files, {corpusLines} lines in {work}");
if (args.Contains("--generator-phases"))
{
    var symbolsFile = Path.Combine(work, "DmaDiscipline.txt");
    // --published FILE: also write the lines the generator publishes (to compare two versions of it on the same corpus).
    var published = Array.IndexOf(args, "--published") is var publishedAt and >= 0 && publishedAt + 1 < args.Length ? Path.GetFullPath(args[publishedAt + 1]) : null;
    Console.WriteLine(Phases.MeasureGenerator(Path.Combine(work, "Drivers"), runtimeDll, runs, File.Exists(symbolsFile) ? symbolsFile : null, published, args.Contains("--fresh-trees")));
    Directory.Delete(work, recursive: true);
    return 0;
}

if (phases)
{
    var symbolsFile = Path.Combine(work, "DmaDiscipline.txt");
    Console.WriteLine(Phases.Measure(Path.Combine(work, "Drivers"), runtimeDll, runs, File.Exists(symbolsFile) ? symbolsFile : null));
    Directory.Delete(work, recursive: true);
    return 0;
}

BuildMeasurement.Dotnet(work, "restore", project);
if (writeCorpus is not null)
{
    return 0;
}

if (server)
{
    BuildMeasurement.Run(project, server);
    Console.WriteLine("warm-up build in the compiler server done");
}

// Each run is a pair of builds, with and without the DMA analyzers, so that both see the same load:
// ReportAnalyzer sums each analyzer's callback time over threads, while the whole-build overhead is
// what a developer waits for.
var measurements = new List<BuildMeasurement>();
var baselines = new List<BuildMeasurement>();
for (var run = 0; run < runs; run++)
{
    var m = BuildMeasurement.Run(project, server);
    var baseline = BuildMeasurement.Run(project, server, withAnalyzers: false);
    var cpu = m.CpuSeconds is { } with && baseline.CpuSeconds is { } without ? $", build CPU {with:F2} s (without {without:F2} s)" : string.Empty;
    Console.WriteLine($"run {run + 1}: csc {m.CscSeconds:F2} s (without the DMA analyzers {baseline.CscSeconds:F2} s), DMA analyzers {m.AnalyzerSeconds.Values.Sum():F2} s (all analyzers {m.AnalyzersTotalSeconds:F2} s){cpu}, {m.DmaWarnings} DMA warnings");
    measurements.Add(m);
    baselines.Add(baseline);
}

if (server)
{
    BuildMeasurement.Dotnet(work, "build-server", "shutdown"); // the server would otherwise keep its memory and threads
}

Directory.Delete(work, recursive: true);
var table = Table(measurements, baselines, files, corpusLines,
    (emulator ? "`--corpus emulator` (no DMA; references the runtime, carries a symbols file)" : $"`--plain {plainGroups}`") + (noPublish ? ", `--no-publish` (DmaDisciplinePublishSummaries=false)" : string.Empty),
    server);
Console.WriteLine();
Console.WriteLine(table);
return 0;

static string Table(List<BuildMeasurement> measurements, List<BuildMeasurement> baselines, int files, int corpusLines, string corpus, bool server)
{
    static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    var csc = Median(measurements.Select(m => m.CscSeconds));
    var names = measurements.SelectMany(m => m.AnalyzerSeconds.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
    var text = new StringBuilder();
    var inv = CultureInfo.InvariantCulture;
    text.AppendLine(inv, $"Corpus {corpus}{(server ? ", compiler server (warm)" : ", fresh compiler process per build")}: {files} generated files, {corpusLines:N0} lines; {measurements.Count} builds, medians; Csc task {csc:F2} s; {measurements[0].DmaWarnings} DMA warnings (the driver corpus's deliberate legacy sites; none in the emulator corpus).");
    text.AppendLine();
    text.AppendLine("| analyzer | rules | time (s) | share of Csc |");
    text.AppendLine("|---|---|---|---|");
    var total = 0.0;
    foreach (var name in names)
    {
        var seconds = Median(measurements.Select(m => m.AnalyzerSeconds.TryGetValue(name, out var s) ? s : 0));
        total += seconds;
        text.AppendLine(inv, $"| {name.Split('.').Last()} | {Rules(name)} | {seconds:F3} | {100 * seconds / csc:F1} % |");
    }

    // The analyzers' times move together from build to build less than each moves alone: the sum of
    // their medians understates a typical build's total. The goal is read on each build's own total.
    var shares = measurements.Select(m => m.AnalyzerSeconds.Values.Sum() / m.CscSeconds).ToList();
    text.AppendLine(inv, $"| **all DMA analyzers**, median of each build's total over its Csc | DMA001–DMA008, DMA900, DMA901 | {Median(measurements.Select(m => m.AnalyzerSeconds.Values.Sum())):F3} | **{100 * Median(shares):F1} %** (builds: {string.Join(", ", shares.Select(share => (100 * share).ToString("F1", inv)))}) |");
    text.AppendLine(inv, $"| sum of the medians above | | {total:F3} | {100 * total / csc:F1} % |");
    var overhead = Median(measurements.Zip(baselines, (with, without) => with.CscSeconds / without.CscSeconds - 1));
    text.AppendLine();
    text.AppendLine(inv, $"Whole-build overhead: the Csc task takes {100 * overhead:F1} % longer with the DMA analyzers than without (median of {measurements.Count} interleaved pairs; without: {Median(baselines.Select(b => b.CscSeconds)):F2} s).");
    if (measurements.All(m => m.CpuSeconds is not null) && baselines.All(b => b.CpuSeconds is not null))
    {
        // What the build spent, in all its processes, rather than how long the callbacks were open.
        var cpuWith = Median(measurements.Select(m => m.CpuSeconds!.Value));
        var cpuWithout = Median(baselines.Select(b => b.CpuSeconds!.Value));
        var cpuOverhead = Median(measurements.Zip(baselines, (with, without) => with.CpuSeconds!.Value - without.CpuSeconds!.Value));
        text.AppendLine(inv, $"CPU of the build (user + system, all its processes): {cpuWith:F2} s with the DMA analyzers, {cpuWithout:F2} s without (medians); the median pair differs by {cpuOverhead:F2} s ({100 * cpuOverhead / cpuWithout:F1} %).");
    }

    if (total > 0)
    {
        // ReportAnalyzer cannot split the wall-clock overhead; its per-analyzer shares can apportion it.
        text.AppendLine(inv, $"Apportioned by the ReportAnalyzer shares: {string.Join(", ", names.Select(n => $"{Rules(n)} {100 * overhead * Median(measurements.Select(m => m.AnalyzerSeconds.TryGetValue(n, out var s) ? s : 0)) / total:F1} %"))}.");
    }

    return text.ToString();
}

static string Rules(string analyzer) => analyzer.Split('.').Last() switch
{
    "AddressProvenanceAnalyzer" => "DMA001, DMA008",
    "MappingLifecycleAnalyzer" => "DMA002–DMA006",
    "TranslationDecisionAnalyzer" => "DMA007",
    "SymbolsFileAnalyzer" => "DMA900, DMA901",
    "SummaryGenerator" => "summaries published with the assembly (generator)",
    _ => "?",
};

string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("DmaDiscipline.sln not found");
}

int ArgumentValue(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
