using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DmaDiscipline.Analyzers.Publishing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Issue 13's cost goal in one run: what the analyzer package adds to the compile of (1) the typical
/// driver corpus (goal ≤ 10 %) and (2) a large project that references the runtime and carries a symbols
/// file but does no DMA, the emulator corpus (goal &lt; 1 %), with and without the package's summary
/// generator. Measured in this process in CPU time, which the machine's load moves far less than
/// wall-clock time: the compile is the thread's CPU to parse the corpus and emit it (one thread); the
/// package's part is the CPU of the generator's run and of the DMA analyzers' callbacks, each timed on
/// its own thread (<see cref="CpuTimedAnalyzer"/>), on a fresh compilation as a build hands them one.
/// Least of several passes after a first one (a fresh compiler process pays the first use too: see
/// the whole-build figures).
/// </summary>
public static class CostGoals
{
    /// <summary>One corpus: its files and, where it has one, its symbols file.</summary>
    public sealed record Corpus(string Name, string Directory, string? SymbolsFile, int Lines);

    private sealed record Pass(double Compile, double Generator, IReadOnlyDictionary<string, double> WithGenerator, IReadOnlyDictionary<string, double> WithoutGenerator, int Published, int Diagnostics,
        IReadOnlyDictionary<string, long> BytesWithGenerator, IReadOnlyDictionary<string, long> BytesWithoutGenerator);

    public static string Measure(IReadOnlyList<Corpus> corpora, string runtimeDll, int passes)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(runtimeDll))
            .ToList();
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Issue 13's cost goal, in-process CPU time (least of {passes} passes after a first), fresh compilation each pass.");
        text.AppendLine();
        text.AppendLine("| corpus | lines | compile CPU (parse + emit, one thread) | generator | DMA analyzers | package with its generator | package without its generator | goal |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        var details = new StringBuilder();
        foreach (var corpus in corpora)
        {
            var results = new List<Pass>();
            for (var pass = -1; pass < passes; pass++)
            {
                var result = Run(corpus, references, pass);
                if (pass >= 0)
                {
                    results.Add(result);
                }
            }

            var compile = results.Min(r => r.Compile);
            var generator = results.Min(r => r.Generator);
            var names = results[0].WithGenerator.Keys.ToList();
            double Least(Func<Pass, IReadOnlyDictionary<string, double>> which, string name) => results.Min(r => which(r)[name]);
            var analyzers = names.Sum(name => Least(r => r.WithGenerator, name));
            var analyzersAlone = names.Sum(name => Least(r => r.WithoutGenerator, name));
            var with = generator + analyzers;
            var goal = corpus.SymbolsFile is null ? "≤ 10 %" : "< 1 %";
            text.AppendLine(inv, $"| {corpus.Name} | {corpus.Lines:N0} | {compile / 1000:F2} s | {generator:F0} ms ({results[0].Published} lines published) | {analyzers:F0} ms | **{100 * with / compile:F2} %** | **{100 * analyzersAlone / compile:F2} %** | {goal} |");
            var perAnalyzer = string.Join(", ", names.Select(name => string.Create(inv, $"{name} {Least(r => r.WithGenerator, name):F0} ms ({Least(r => r.WithoutGenerator, name):F0} ms)")));
            details.AppendLine(inv, $"{corpus.Name}: {results[0].Diagnostics} DMA diagnostics; per analyzer, after the generator (without it): {perAnalyzer}.");
            // The bytes their callbacks allocate (least of the passes): what the machine's load does not move.
            long LeastBytes(Func<Pass, IReadOnlyDictionary<string, long>> which, string name) => results.Min(r => which(r)[name]);
            var perAnalyzerBytes = string.Join(", ", names.Select(name => string.Create(inv, $"{name} {LeastBytes(r => r.BytesWithGenerator, name) / 1e6:F1} MB ({LeastBytes(r => r.BytesWithoutGenerator, name) / 1e6:F1} MB)")));
            details.AppendLine(inv, $"{corpus.Name}: allocated by each analyzer's callbacks, least of the passes, after the generator (without it): {perAnalyzerBytes}.");
        }

        text.AppendLine();
        text.Append(details);
        text.AppendLine("The package's share counts the generator's CPU and the analyzers' callbacks (their compilation-start work included); not counted: what the");
        text.AppendLine("compiler's analyzer driver costs a build that has any analyzer at all (every SDK project has some), and compiling the generated source.");
        return text.ToString();
    }

    private static Pass Run(Corpus corpus, List<MetadataReference> references, int pass)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var files = Directory.GetFiles(corpus.Directory, "*.cs").Order(StringComparer.Ordinal).Select(file => (file, File.ReadAllText(file))).ToList();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, concurrentBuild: false);
        var additional = corpus.SymbolsFile is null ? ImmutableArray<AdditionalText>.Empty : ImmutableArray.Create<AdditionalText>(new FileText(corpus.SymbolsFile));

        // The compile: parse and emit, one thread.
        var start = CpuTime.ThreadNanoseconds();
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Item2, parse, f.file)).ToList();
        using (var image = new MemoryStream())
        {
            var emitted = CSharpCompilation.Create("Compile" + pass, trees, references, options).Emit(image);
            if (!emitted.Success)
            {
                throw new InvalidOperationException($"{corpus.Name} does not compile: {emitted.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error)}");
            }
        }

        var compile = (CpuTime.ThreadNanoseconds() - start) / 1e6;

        // The generator, then the analyzers on the compilation it leaves.
        var fresh = CSharpCompilation.Create("Generated" + pass, trees, references, options);
        start = CpuTime.ThreadNanoseconds();
        var driver = CSharpGeneratorDriver.Create([new SummaryGenerator().AsSourceGenerator()], additional, parse)
            .RunGeneratorsAndUpdateCompilation(fresh, out var generated, out _);
        var generator = (CpuTime.ThreadNanoseconds() - start) / 1e6;
        var published = driver.GetRunResult().GeneratedTrees.Sum(tree => tree.ToString().Split('\n').Count(line => line.Contains("\"DmaDiscipline.Summary\"", StringComparison.Ordinal)));
        var (withGenerator, diagnostics, bytesWithGenerator) = Analyze(generated, additional);

        // The analyzers alone (DmaDisciplinePublishSummaries=false: the generator adds nothing and does nothing), on trees
        // parsed afresh: the same tree objects would find the carriers the generator computed above (SharedCarriers), which
        // a build without the generator computes in the analyzers.
        var alone = files.Select(f => CSharpSyntaxTree.ParseText(f.Item2, parse, f.file)).ToList();
        var (withoutGenerator, _, bytesWithoutGenerator) = Analyze(CSharpCompilation.Create("Alone" + pass, alone, references, options), additional);
        return new Pass(compile, generator, withGenerator, withoutGenerator, published, diagnostics, bytesWithGenerator, bytesWithoutGenerator);
    }

    private static (IReadOnlyDictionary<string, double> Milliseconds, int Diagnostics, IReadOnlyDictionary<string, long> Bytes) Analyze(Compilation compilation, ImmutableArray<AdditionalText> additional)
    {
        var timed = typeof(SummaryGenerator).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && type.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
            .OrderBy(type => type.Name, StringComparer.Ordinal)
            .Select(type => new CpuTimedAnalyzer((DiagnosticAnalyzer)Activator.CreateInstance(type)!))
            .ToList();
        var run = compilation.WithAnalyzers([.. timed], new CompilationWithAnalyzersOptions(new AnalyzerOptions(additional), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        var diagnostics = run.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (diagnostics.FirstOrDefault(d => d.Id == "AD0001") is { } failure)
        {
            throw new InvalidOperationException(failure.GetMessage(CultureInfo.InvariantCulture));
        }

        return (timed.ToDictionary(a => a.Inner.GetType().Name, a => a.Milliseconds), diagnostics.Count(d => d.Id.StartsWith("DMA0", StringComparison.Ordinal)),
            timed.ToDictionary(a => a.Inner.GetType().Name, a => a.Bytes));
    }

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllText(Path));
    }
}
