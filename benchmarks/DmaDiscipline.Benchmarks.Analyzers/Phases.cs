using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// The analyzers' phases timed in this process on the corpus, single-threaded: on first use (what a
/// fresh compiler process pays: the JIT compiling the analyzers' code, the first reading of the
/// runtime's metadata) and at steady state (the work itself, once both are warm). Bodies are bound
/// before anything is timed, as the compiler has bound them by the time the analyzers see them.
/// </summary>
public static class Phases
{
    /// <summary>The summary generator by part (<see cref="GeneratorPhases"/>), alone.</summary>
    /// <param name="freshTrees">
    /// Parse the trees again for every pass (untimed), so that what is read once per tree object (its words, its marks, its
    /// value-preserving candidates) is paid in every pass, as in a build; otherwise every pass shares the trees, as an edit does.
    /// </param>
    public static string MeasureGenerator(string corpusDirectory, string runtimeDll, int passes, string? symbolsFile = null, string? published = null, bool freshTrees = false)
    {
        var (trees, references, parse, compilationOptions, options) = Load(corpusDirectory, runtimeDll, symbolsFile);
        return GeneratorPhases.Measure(
            i => CSharpCompilation.Create("Generator" + i, freshTrees ? trees.Select(tree => CSharpSyntaxTree.ParseText(tree.GetText(), parse, tree.FilePath)).ToList() : trees, references, compilationOptions),
            options.AdditionalFiles, passes, published);
    }

    private static (List<SyntaxTree> Trees, List<MetadataReference> References, CSharpParseOptions Parse, CSharpCompilationOptions Compilation, AnalyzerOptions Options) Load(
        string corpusDirectory, string runtimeDll, string? symbolsFile)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(runtimeDll))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var trees = Directory.GetFiles(corpusDirectory, "*.cs").Order(StringComparer.Ordinal)
            .Select(file => CSharpSyntaxTree.ParseText(File.ReadAllText(file), parse, file))
            .ToList();
        var options = new AnalyzerOptions(symbolsFile is null
            ? ImmutableArray<AdditionalText>.Empty
            : ImmutableArray.Create<AdditionalText>(new FileText(symbolsFile)));
        return (trees, references, parse, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary), options);
    }

    /// <param name="symbolsFile">The corpus's DmaDiscipline.txt, when it has one (the emulator corpus).</param>
    public static string Measure(string corpusDirectory, string runtimeDll, int passes, string? symbolsFile = null)
    {
        var (trees, references, parse, compilationOptions, options) = Load(corpusDirectory, runtimeDll, symbolsFile);
        var compilation = CSharpCompilation.Create("Corpus", trees, references, compilationOptions);

        var clock = Stopwatch.StartNew();
        var symbols = DmaSymbols.Create(compilation, options, default);
        var createCold = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var carriers = symbols.Carriers(default);
        var namesCold = clock.Elapsed.TotalMilliseconds;
        var names = symbols.Names(default);

        // What the mapping rules analyse: bodies that call a map or coherent alloc (bound here, untimed).
        var blocks = new List<SyntaxNode>();
        var bodies = new List<IOperation>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                blocks.Add(declaration);
                if (model.GetOperation(declaration) is { } body && body.Descendants().OfType<IInvocationOperation>()
                    .Any(call => (symbols.RolesOf(call.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0))
                {
                    bodies.Add(body);
                }
            }
        }

        double Time(Action action)
        {
            var watch = Stopwatch.StartNew();
            action();
            return watch.Elapsed.TotalMilliseconds;
        }

        var graphs = new List<ControlFlowGraph>();
        void Graphs()
        {
            graphs.Clear();
            foreach (var body in bodies)
            {
                graphs.Add(ControlFlowGraph.Create((IMethodBodyOperation)body));
            }
        }

        var diagnostics = 0;
        void Flows()
        {
            foreach (var graph in graphs)
            {
                FlowSolver<MappingState>.Run(graph, new MappingFlow(symbols, _ => diagnostics++));
            }
        }

        // The DMA002–006 shortcut: the dataflow walked over the tree of a structured body (if, loops, try/finally, ?:);
        // a body it finds quiet gets no graph.
        var quiet = 0;
        void Structured()
        {
            quiet = 0;
            foreach (var body in bodies)
            {
                quiet += MappingLifecycleAnalyzer.Walk(body, null, symbols) is { Count: 0 } ? 1 : 0;
            }
        }

        var passed = 0;
        void Prefilters()
        {
            foreach (var block in blocks)
            {
                passed += InterestingNames.Mentions(block, names.MappingWords) ? 1 : 0;
                passed += carriers.MayReachSink(block) ? 1 : 0;
            }
        }

        // DMA001/DMA008 as the compiler runs it (its callbacks timed by the analyzer driver, as
        // ReportAnalyzer does), on a fresh compilation of the same trees each time.
        var provenanceBodies = blocks.Count(block => carriers.MayReachSink(block));
        var provenanceDiagnostics = 0;
        double Provenance(int i)
        {
            var again = CSharpCompilation.Create("Provenance" + i, trees, references, compilationOptions);
            var run = again.WithAnalyzers(
                ImmutableArray.Create<DiagnosticAnalyzer>(new AddressProvenanceAnalyzer()),
                new CompilationWithAnalyzersOptions(options, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
            provenanceDiagnostics = run.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult().Length;
            return run.GetAnalyzerTelemetryInfoAsync(run.Analyzers[0], default).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds;
        }

        var provenanceCold = Provenance(-1);
        var provenanceWarm = Enumerable.Range(0, passes).Select(Provenance).Min();

        // The summary generator as the compiler runs it, before the analyzers, on a fresh compilation: its own time,
        // and DMA001/008's after it on the compilation it leaves (the same one when it adds nothing, whose symbols,
        // names and carriers the analyzers then find computed).
        var publishedLines = 0;
        (double Generator, double ProvenanceAfter) Published(int i)
        {
            var again = CSharpCompilation.Create("Published" + i, trees, references, compilationOptions);
            var driver = CSharpGeneratorDriver.Create([new DmaDiscipline.Analyzers.Publishing.SummaryGenerator().AsSourceGenerator()], options.AdditionalFiles, parse)
                .RunGeneratorsAndUpdateCompilation(again, out var generated, out _);
            publishedLines = driver.GetRunResult().GeneratedTrees.Sum(tree => tree.ToString().Split('\n').Count(line => line.Contains("\"DmaDiscipline.Summary\"", StringComparison.Ordinal)));
            var generator = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
            var run = generated.WithAnalyzers(
                ImmutableArray.Create<DiagnosticAnalyzer>(new AddressProvenanceAnalyzer()),
                new CompilationWithAnalyzersOptions(options, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
            run.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            return (generator, run.GetAnalyzerTelemetryInfoAsync(run.Analyzers[0], default).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds);
        }

        var publishedCold = Published(-1);
        var publishedWarm = Enumerable.Range(0, passes).Select(Published).MinBy(pair => pair.Generator + pair.ProvenanceAfter);

        // The same with the package's opt-out (DmaDisciplinePublishSummaries=false, as MSBuild hands it to the generator).
        var optedOutLines = 0;
        double OptedOut(int i)
        {
            var again = CSharpCompilation.Create("OptedOut" + i, trees, references, compilationOptions);
            var driver = CSharpGeneratorDriver.Create([new DmaDiscipline.Analyzers.Publishing.SummaryGenerator().AsSourceGenerator()], options.AdditionalFiles, parse, new PublishOff())
                .RunGeneratorsAndUpdateCompilation(again, out _, out _);
            optedOutLines = driver.GetRunResult().GeneratedTrees.Sum(tree => tree.ToString().Split('\n').Count(line => line.Contains("\"DmaDiscipline.Summary\"", StringComparison.Ordinal)));
            return driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
        }

        var optedOutCold = OptedOut(-1);
        var optedOutWarm = Enumerable.Range(0, passes).Select(OptedOut).Min();

        var graphsCold = Time(Graphs);
        var flowsCold = Time(Flows);
        var prefiltersCold = Time(Prefilters);
        var structuredCold = Time(Structured);
        for (var i = 0; i < 5; i++)
        {
            Graphs();
            Flows();
            Prefilters();
            Structured();
        }

        // Bytes the garbage collector must reclaim (a collection stops every callback of the build, not only the allocating one).
        long Allocated(Action action)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var graphsBytes = Allocated(Graphs);
        var flowsBytes = Allocated(Flows);
        var prefiltersBytes = Allocated(Prefilters);
        var structuredBytes = Allocated(Structured);
        var graphsWarm = Enumerable.Range(0, passes).Select(_ => Time(Graphs)).Min();
        var flowsWarm = Enumerable.Range(0, passes).Select(_ => Time(Flows)).Min();
        var prefiltersWarm = Enumerable.Range(0, passes).Select(_ => Time(Prefilters)).Min();
        var structuredWarm = Enumerable.Range(0, passes).Select(_ => Time(Structured)).Min();
        var startWarm = Enumerable.Range(0, passes).Select(i => Time(() =>
        {
            // A new compilation of the same references and trees: the metadata is read, the analyzers' code compiled.
            var again = DmaSymbols.Create(CSharpCompilation.Create("Corpus" + i, trees, references, compilationOptions), options, default);
            again.Carriers(default);
        })).Min();

        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"In-process phases, one thread: {blocks.Count} method bodies, {bodies.Count} that map; first use, then the least of {passes} passes once warm.");
        text.AppendLine();
        text.AppendLine("| phase | first use (ms) | warm (ms) | allocated per pass (KB) |");
        text.AppendLine("|---|---|---|---|");
        text.AppendLine(inv, $"| start: runtime symbols, names, carriers (per compilation) | {createCold + namesCold:F0} (symbols {createCold:F0}) | {startWarm:F0} | |");
        text.AppendLine(inv, $"| prefilters of DMA001/008 and DMA002–006, every body | {prefiltersCold:F0} | {prefiltersWarm:F0} | {prefiltersBytes / 1024} |");
        text.AppendLine(inv, $"| control-flow graphs of the bodies that map | {graphsCold:F0} | {graphsWarm:F0} | {graphsBytes / 1024} |");
        text.AppendLine(inv, $"| DMA002–006 dataflow over those graphs | {flowsCold:F0} | {flowsWarm:F0} | {flowsBytes / 1024} |");
        text.AppendLine(inv, $"| DMA001/008 through the analyzer driver, whole compilation ({provenanceBodies} bodies pass its text prefilter; {provenanceDiagnostics} diagnostics) | {provenanceCold:F0} | {provenanceWarm:F0} | |");
        text.AppendLine(inv, $"| summary generator, fresh compilation ({publishedLines} lines published) | {publishedCold.Generator:F0} | {publishedWarm.Generator:F0} | |");
        text.AppendLine(inv, $"| DMA001/008 after the generator, on the compilation it leaves | {publishedCold.ProvenanceAfter:F0} | {publishedWarm.ProvenanceAfter:F0} | |");
        text.AppendLine(inv, $"| summary generator with DmaDisciplinePublishSummaries=false ({optedOutLines} lines published) | {optedOutCold:F0} | {optedOutWarm:F0} | |");
        text.AppendLine(inv, $"| DMA002–006 walked over the trees instead (after the above; {quiet} of {bodies.Count} found quiet, their graphs not built) | {structuredCold:F0} | {structuredWarm:F0} | {structuredBytes / 1024} |");
        return text.ToString();
    }

    /// <summary>The build property of the package's opt-out, as the compiler hands MSBuild properties to generators.</summary>
    private sealed class PublishOff : AnalyzerConfigOptionsProvider
    {
        private static readonly Options Global = new(true);
        private static readonly Options Empty = new(false);

        public override AnalyzerConfigOptions GlobalOptions => Global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Empty;

        private sealed class Options(bool off) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            {
                value = off && key == "build_property.DmaDisciplinePublishSummaries" ? "false" : null;
                return value is not null;
            }
        }
    }

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllText(Path));
    }
}
