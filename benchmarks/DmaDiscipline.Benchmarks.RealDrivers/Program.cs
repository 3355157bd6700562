using DmaDiscipline.Benchmarks.RealDrivers;

// Measures DMA001/DMA008 on the public codebases of tests/RealDrivers against their ground truth:
//   tests/RealDrivers/fetch.sh
//   dotnet build analyzers/DmaDiscipline.Analyzers -c Release
//   dotnet run --project benchmarks/DmaDiscipline.Benchmarks.RealDrivers -c Release -- --label "main abc1234"
//       [--analyzer PATH/DmaDiscipline.Analyzers.dll] [--sources DIR] [--doc docs/real-drivers.md] [--only NAME]
//       [--symbols DmaDiscipline.txt]   (another file of each codebase's folder, e.g. a variant with more lines)
//       [--verbose]   (also prints every diagnostic other than DMA001/DMA008: DMA9xx on the configuration, the summaries, the analysis)
//       [--no-generators]   (the analyzers alone: no project publishes summaries for the projects referencing it)
//       [--timing]   (per project: the generators' time, each analyzer's (the analyzer driver's telemetry) and the bytes allocated)
//       [--mutants N]   (robustness, not recall: N runs per codebase, each with one file broken as code being typed is
//                        broken — a token deleted, doubled or replaced, a line dropped or moved, the file cut short — among
//                        the files the ground truth or the findings name; prints every analyzer or generator exception
//                        (AD0001) with its mutation; the doc is not written)
// Each codebase's projects are compiled as its own solution structure (one compilation per project), the
// analyzers run with its DmaDiscipline.txt, and the section "Measurement: <label>" of the doc is (re)written.
var root = FindRoot();
var label = Argument("--label") ?? throw new ArgumentException("--label \"<branch> <commit>\" names the measurement (the analyzer measured).");
var analyzerPath = Path.GetFullPath(Argument("--analyzer") ?? Path.Combine(root, "analyzers", "DmaDiscipline.Analyzers", "bin", "Release", "netstandard2.0", "DmaDiscipline.Analyzers.dll"));
var sources = Path.GetFullPath(Argument("--sources") ?? Path.Combine(root, "tests", "RealDrivers", ".sources"));
var doc = Path.GetFullPath(Argument("--doc") ?? Path.Combine(root, "docs", "real-drivers.md"));
var only = Argument("--only");
var symbolsFileName = Argument("--symbols") ?? "DmaDiscipline.txt";

var analyzers = AnalyzerAssembly.Load(analyzerPath);
var generators = args.Contains("--no-generators") ? [] : AnalyzerAssembly.LoadGenerators(analyzerPath);
var framework = FrameworkReferences.Load();
var runs = new List<(CodebaseResult, GroundTruth, Score)>();
var mutants = int.TryParse(Argument("--mutants"), out var count) ? count : 0;
var mutantsRun = 0;
var mutantExceptions = new List<string>();
foreach (var directory in Directory.GetDirectories(Path.Combine(root, "tests", "RealDrivers")).Order(StringComparer.Ordinal))
{
    if (!File.Exists(Path.Combine(directory, "corpus.txt")) || (only is not null && Path.GetFileName(directory) != only))
    {
        continue;
    }

    if (!File.Exists(Path.Combine(directory, symbolsFileName)))
    {
        // A variant file (more lines than the natural one) exists only where a codebase needed one: say so, and go on.
        Console.WriteLine($"{Path.GetFileName(directory)}: no {symbolsFileName}, not measured with it");
        continue;
    }

    var corpus = CorpusManifest.Read(directory);
    var source = Path.Combine(sources, corpus.Name);
    if (!Directory.Exists(source))
    {
        throw new DirectoryNotFoundException($"{source} is missing: run tests/RealDrivers/fetch.sh first.");
    }

    var result = await CodebaseRun.RunAsync(corpus, source, symbolsFileName, analyzers, generators, framework, args.Contains("--timing"));
    if (result.SourceCommit != corpus.Commit)
    {
        throw new InvalidOperationException($"{source} is at {result.SourceCommit}, the ground truth is for {corpus.Commit}: run tests/RealDrivers/fetch.sh.");
    }

    var truthPath = Path.Combine(directory, "ground-truth.tsv");
    var truth = GroundTruth.Read(truthPath);
    truth.CheckSites(Path.Combine(source, corpus.Root), truthPath);
    var score = Score.Of(truth, result.Findings);
    runs.Add((result, truth, score));
    if (args.Contains("--verbose"))
    {
        foreach (var finding in result.Findings.Where(f => f.Id != "DMA001" && f.Id != "DMA008"))
        {
            Console.WriteLine($"  {finding.Id} {finding.Site}: {finding.Message}");
        }
    }

    Console.WriteLine($"{corpus.Name}: recall {score.Recall:0.00} ({score.Found.Count}/{score.Defects}), precision {score.Precision:0.00} ({score.FalsePositives.Count} false positives), AD0001 {result.AnalyzerExceptions.Count}, compile errors {result.Projects.Sum(p => p.CompileErrors)}, unresolved symbols-file ids {result.UnresolvedSymbols.Count}, {result.AnalysisTime.TotalSeconds:0.0} s");
    if (mutants > 0)
    {
        var codebaseRoot = Path.GetFullPath(Path.Combine(source, corpus.Root));
        var files = truth.Items.SelectMany(item => item.Sites).Concat(truth.Negatives.Select(n => n.Site)).Concat(result.Findings.Select(f => f.Site))
            .Where(site => site.Contains(".cs:", StringComparison.Ordinal))
            .Select(site => Path.GetFullPath(Path.Combine(codebaseRoot, site[..site.LastIndexOf(':')])))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var broken = 0;
        for (var i = 0; i < mutants && files.Count > 0; i++)
        {
            // Seeded by the codebase and the run's number: the same mutants every time.
            var random = new Random(corpus.Name.Aggregate(17, (hash, c) => hash * 31 + c) ^ (i * 7919));
            var target = files[random.Next(files.Count)];
            var mutation = new DmaDiscipline.Robustness.Mutation(0, (DmaDiscipline.Robustness.MutationKind)random.Next(6), random.Next(), random.Next());
            var mutated = await CodebaseRun.RunAsync(corpus, source, symbolsFileName, analyzers, generators, framework, rewrite: (file, text) =>
                string.Equals(Path.GetFullPath(file), target, StringComparison.Ordinal) ? DmaDiscipline.Robustness.SourceMutation.Apply(text, mutation) : text);
            mutantsRun++;
            if (mutated.AnalyzerExceptions.Count > 0)
            {
                broken++;
                mutantExceptions.AddRange(mutated.AnalyzerExceptions.Select(e => $"{corpus.Name} {Path.GetRelativePath(codebaseRoot, target)} {mutation}: {e}"));
            }
        }

        Console.WriteLine($"{corpus.Name}: {Math.Min(mutants, files.Count == 0 ? 0 : mutants)} mutants of {files.Count} files, {broken} with an analyzer or generator exception");
    }
}

if (mutants > 0)
{
    foreach (var exception in mutantExceptions)
    {
        Console.WriteLine("  " + exception);
    }

    Console.WriteLine($"mutants: {mutantsRun} runs, {mutantExceptions.Count} exceptions");
    return mutantExceptions.Count == 0 ? 0 : 1;
}

var section = Report.Section(label, Path.GetRelativePath(root, analyzerPath).Replace('\\', '/'), symbolsFileName, runs);
var page = File.Exists(doc) ? await File.ReadAllTextAsync(doc) : "# DMA001/DMA008 on real drivers\n";
await File.WriteAllTextAsync(doc, Report.Merge(page, label, section));
Console.WriteLine($"wrote {doc}");
return 0;

string? Argument(string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;

static string FindRoot()
{
    for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
        {
            return directory.FullName;
        }
    }

    throw new DirectoryNotFoundException("Run from inside the DmaDiscipline repository.");
}
