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
using DmaDiscipline.Analyzers;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// The cost of DMA002–DMA006's dataflow as a body grows: one method of N statements, N/4 groups of
/// map / mapping-error check / post to the ring / unmap, each group with a local of its own (so the
/// state holds one more mapping per group). Timed in this process, single-threaded, on bodies bound
/// beforehand: the walk over the operation tree, Roslyn's control-flow graph, and the dataflow over
/// that graph, each per statement. Linear cost keeps the time per statement flat as N doubles.
/// </summary>
public static class SizeSeries
{
    /// <summary>One way a body grows: its name, what N counts, the sizes (each double the last) and the body of size N.</summary>
    private sealed record Shape(string Name, string Counts, int[] Sizes, Func<int, string> Body);

    private static readonly Shape[] Shapes =
    {
        new("statements", "statements: N/4 groups of map / check / post / unmap, a local per group", new[] { 1000, 2000, 4000, 8000, 16000 }, n => Body(n)),
        new("live mappings", "mappings live at once: N maps, then N checks, N posts, N unmaps (4N statements)", new[] { 250, 500, 1000, 2000 }, LiveMappings),
        new("nesting", "nesting depth: N `if` blocks one inside the other, a group in each", new[] { 50, 100, 200, 400 }, Nesting),
        new("switch cases", "cases of one `switch` statement, a group and a `break` in each", new[] { 500, 1000, 2000, 4000 }, SwitchCases),
    };

    private const int StatementsPerPass = 64_000;

    /// <summary>The series' tables, of every shape or of the one named <paramref name="only"/>, at every size or those of <paramref name="sizes"/>.</summary>
    public static string Measure(string runtimeDll, int passes, string? only = null, IReadOnlySet<int>? sizes = null)
    {
        if (only is not null && !Shapes.Any(shape => shape.Name == only))
        {
            throw new ArgumentException($"--shape takes one of: {string.Join(", ", Shapes.Select(shape => shape.Name))}; not '{only}'.");
        }

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(runtimeDll))
            .ToList();
        var analyzers = typeof(StructuredFlow).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Size series: one generated body per row; least of {passes} passes after a warm-up, one thread; a pass of the walks or of the DMA analyzers repeats the body to {StatementsPerPass:N0} statements in all and gives the time of one run{(CpuTime.ThreadMilliseconds() is null ? " (wall-clock time)" : " (the thread's CPU time)")}. Tree walk, Roslyn's graph and the dataflow over it per statement; × = growth of the total per doubling of N (2.00 = linear). \"DMA analyzers\" is the CPU time of every DMA analyzer's callbacks on the method, run as the compiler runs them (what `-p:ReportAnalyzer=true` sums, less the time waiting for a core), split per analyzer, the operation tree built first by a callback of its own (which the first DMA analyzer to ask for it would otherwise pay: Roslyn's binding, which grows as the compile does), which also promotes the method's tree to the oldest generation (two collections of generation 1, which the DMA analyzers' allocations would otherwise set off in their callbacks), and \"their own work\" the rest; \"operation tree\" the CPU time of binding the body and building its operation tree in a fresh semantic model (which the first analyzer to ask for it pays, in its callback); \"compile\" the method's compilation alone on one thread (parse excluded, bind and emit; CPU time); and \"not analysed\" counts DMA902/DMA903 reports.");
        foreach (var shape in Shapes.Where(shape => only is null || shape.Name == only))
        {
            text.AppendLine();
            text.AppendLine(inv, $"**{shape.Name}** — N = {shape.Counts}.");
            text.AppendLine();
            text.AppendLine("| N | statements | tree walk (µs/stmt) | × | bytes/stmt | × | DMA001/008 tree walk (µs/stmt) | × | Roslyn graph (µs/stmt) | dataflow over the graph (µs/stmt) | × | DMA analyzers (ms) | × | of which the operation tree (ms) | their own work (ms) | × | DMA001/008 (ms) | × | DMA002–006 (ms) | × | DMA007 (ms) | operation tree (ms) | × | compile (ms) | analyzers / compile | not analysed | own work: MB allocated | × | gen0 / gen1 / gen2 collections | GC pause (ms, wall) | × |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            Row? previous = null;
            foreach (var size in shape.Sizes.Where(size => sizes is null || sizes.Contains(size)))
            {
                var row = MeasureOne(shape, size, references, analyzers, passes);
                string Growth(Func<Row, double> of) => previous is null ? "" : (of(row) / of(previous)).ToString("F2", inv);
                text.AppendLine(inv, $"| {size} | {row.Statements} | {(row.Tree is { } t ? (1000 * t / row.Statements).ToString("F2", inv) : "declined")} | {(row.Tree is null || previous?.Tree is null ? "" : Growth(r => r.Tree!.Value))} | {(row.Tree is null ? "" : (row.TreeBytes / row.Statements).ToString("N0", inv))} | {(row.Tree is null || previous?.Tree is null ? "" : Growth(r => r.TreeBytes))} | {(row.AddressTree is { } a ? (1000 * a / row.Statements).ToString("F2", inv) : "declined")} | {(row.AddressTree is null || previous?.AddressTree is null ? "" : Growth(r => r.AddressTree!.Value))} | {1000 * row.Graph / row.Statements:F2} | {(row.Flow is { } f ? (1000 * f / row.Statements).ToString("F2", inv) : "gave up")} | {(row.Flow is null || previous?.Flow is null ? "" : Growth(r => r.Flow!.Value))} | {row.Analyzers:F1} | {Growth(r => r.Analyzers)} | {row.Of(OperationTree):F1} | {row.Own:F1} | {Growth(r => r.Own)} | {row.Of(Address):F1} | {Growth(r => r.Of(Address))} | {row.Of(Mapping):F1} | {Growth(r => r.Of(Mapping))} | {row.Of(Translation):F1} | {row.Operations:F1} | {Growth(r => r.Operations)} | {row.Compile:F1} | {row.Analyzers / row.Compile:F2} | {row.NotAnalysed} | {row.Memory.Bytes / 1e6:F1} | {Growth(r => r.Memory.Bytes)} | {row.Memory.Gen0 - row.Memory.Gen1:F1} / {row.Memory.Gen1 - row.Memory.Gen2:F1} / {row.Memory.Gen2:F1} | {row.Memory.Pause:F1} | {(previous is null || previous.Memory.Pause <= 0 ? "" : Growth(r => r.Memory.Pause))} |");
                previous = row;
            }
        }

        return text.ToString();
    }

    private static Row MeasureOne(Shape shape, int size, List<MetadataReference> references, ImmutableArray<DiagnosticAnalyzer> analyzers, int passes)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var tree = CSharpSyntaxTree.ParseText(shape.Body(size), parse, $"{shape.Name.Replace(' ', '_')}{size}.cs");
        // One thread, as the analyzers' telemetry is one body's: the method's compile time, not the machine's parallelism.
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, concurrentBuild: false);
        CSharpCompilation Fresh() => CSharpCompilation.Create("SizeSeries", new[] { tree }, references, options);
        var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "PostAll");
        var statements = declaration.Body!.DescendantNodes().OfType<StatementSyntax>().Count();
        var repeats = Math.Max(1, StatementsPerPass / statements);
        var walks = MeasureWalks(shape, size, Fresh(), declaration, repeats, passes);

        // The walks' compilation, bound body and graph are garbage now (MeasureWalks kept them): collected before the
        // compile and the analyzers are timed, so that their collections work on their own heap, not on this size's
        // walks or the previous size's leftovers (every size starts from a heap holding the references alone).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Least of the passes after a first that warms, of a figure the measurement gives in milliseconds.
        double LeastAfterWarmUp(Func<double> measure)
        {
            measure();
            var least = double.MaxValue;
            for (var pass = 0; pass < passes; pass++)
            {
                least = Math.Min(least, measure());
            }

            return least;
        }

        // This thread's CPU over an action, in milliseconds (exact: the scheduler's account); wall time off Linux.
        static double CpuMilliseconds(Action action)
        {
            var watch = Stopwatch.StartNew();
            var start = CpuTime.ThreadNanoseconds();
            action();
            var cpu = CpuTime.ThreadNanoseconds() - start;
            return OperatingSystem.IsLinux() ? cpu / 1e6 : watch.Elapsed.TotalMilliseconds;
        }

        // The method's own compile time: a fresh compilation each pass (binding is cached per compilation), emitted.
        var compile = LeastAfterWarmUp(() => CpuMilliseconds(() => Fresh().Emit(Stream.Null)));

        // The method's operation tree from a fresh compilation's semantic model, its declarations bound first: the
        // body's binding and the tree that the first analyzer to ask for them pays for, in its own callback's time.
        var operations = LeastAfterWarmUp(() =>
        {
            var fresh = Fresh();
            fresh.GetDeclarationDiagnostics();
            return CpuMilliseconds(() => fresh.GetSemanticModel(fresh.SyntaxTrees[0]).GetOperation(declaration));
        });

        // The shipping analyzers on the method as the compiler runs them, each callback's CPU time added up
        // (CpuTimedAnalyzer: what ReportAnalyzer reports, without the time spent waiting for a core).
        var notAnalysed = 0;
        var least = double.MaxValue;
        Dictionary<string, double> perAnalyzer = new();
        var memory = new Memory(0, 0, 0, 0, 0);
        // Each pass runs them over StatementsPerPass statements in all, as the walks above are timed: one run of a small
        // body lasts a few milliseconds, where a collection or the clock's resolution decided a single step's growth.
        var analyzerTime = LeastAfterWarmUp(() =>
        {
            var sums = new Dictionary<string, double>();
            var own = new Memory(0, 0, 0, 0, 0);
            for (var r = 0; r < repeats; r++)
            {
                var timed = analyzers.Prepend(new OperationTreeFirst()).Select(analyzer => new CpuTimedAnalyzer(analyzer)).ToList();
                var withAnalyzers = Fresh().WithAnalyzers(timed.ToImmutableArray<DiagnosticAnalyzer>(), new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false));
                var result = withAnalyzers.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
                notAnalysed = result.GetAllDiagnostics().Count(d => d.Id is RuleIdentifiers.BodyNotAnalysed or RuleIdentifiers.AddressBodyNotAnalysed);
                foreach (var analyzer in timed)
                {
                    var name = analyzer.Inner.GetType().Name;
                    sums[name] = sums.GetValueOrDefault(name) + analyzer.Milliseconds;
                    if (analyzer.Inner is not OperationTreeFirst)
                    {
                        own = own.Add(analyzer);
                    }
                }
            }

            var total = sums.Values.Sum() / repeats;
            if (total < least)
            {
                least = total;
                perAnalyzer = sums.ToDictionary(pair => pair.Key, pair => pair.Value / repeats);
                memory = own.Per(repeats);
            }

            return total;
        });

        return new Row(statements, walks.Tree, walks.AddressTree, walks.Graph, walks.Flow, walks.TreeBytes, analyzerTime, operations, compile, notAnalysed, perAnalyzer, memory);
    }

    /// <summary>The walks of one body, timed on a compilation of their own (garbage once this returns).</summary>
    private static Walks MeasureWalks(Shape shape, int size, CSharpCompilation compilation, MethodDeclarationSyntax declaration, int repeats, int passes)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"the size-series body ({shape.Name}, {size}) does not compile: " + errors[0]);
        }

        var symbols = DmaSymbols.Create(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), default);
        var body = (IMethodBodyOperation)compilation.GetSemanticModel(declaration.SyntaxTree).GetOperation(declaration)!;
        ControlFlowGraph? graph = null;

        // Bytes allocated by one pass: independent of the machine's load, and quadratic where the state is copied whole.
        long Allocated(Action action)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Each pass repeats the work over StatementsPerPass statements in all (repeats times the body), so that every
        // pass lasts long enough for the kernel's CPU accounting (a few milliseconds' resolution).
        double Best(Action action, int times)
        {
            action(); // warm
            var best = double.MaxValue;
            for (var pass = 0; pass < passes; pass++)
            {
                // The thread's CPU time where the kernel gives it (a loaded machine makes wall time mostly waiting).
                var cpu = CpuTime.ThreadMilliseconds();
                var watch = Stopwatch.StartNew();
                for (var r = 0; r < times; r++)
                {
                    action();
                }

                var elapsed = watch.Elapsed.TotalMilliseconds;
                best = Math.Min(best, (cpu is { } start && CpuTime.ThreadMilliseconds() is { } end ? end - start : elapsed) / times);
            }

            return best;
        }

        var treeRan = true;
        var treeTime = Best(() => treeRan = StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => { })), repeats);
        var graphTime = Best(() => graph = ControlFlowGraph.Create(body), repeats);
        var flowRan = true;
        var flowTime = Best(() => flowRan = FlowSolver<MappingState>.Run(graph!, new MappingFlow(symbols, _ => { })), repeats);
        var method = compilation.GetSemanticModel(declaration.SyntaxTree).GetDeclaredSymbol(declaration)!;
        var addressSummaries = new AddressSummaries(symbols, symbols.Carriers(default).IsSinkName, default);
        var addressRan = true;
        var addressTime = Best(() =>
        {
            var walk = new AddressFlow(symbols, addressSummaries, method, summarise: false, _ => { });
            addressRan = StructuredFlow.TryRun(body, walk);
            walk.Flush();
        }, repeats);
        var treeBytes = Allocated(() => StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => { })));

        return new Walks(treeRan ? treeTime : null, addressRan ? addressTime : null, graphTime, flowRan ? flowTime : null, treeBytes);
    }

    private sealed record Walks(double? Tree, double? AddressTree, double Graph, double? Flow, long TreeBytes);

    /// <summary>Bytes allocated, collections of generation ≥ 0, ≥ 1 and 2, and milliseconds paused for them.</summary>
    private sealed record Memory(double Bytes, double Gen0, double Gen1, double Gen2, double Pause)
    {
        public Memory Add(CpuTimedAnalyzer analyzer) =>
            new(Bytes + analyzer.Bytes, Gen0 + analyzer.Collections(0), Gen1 + analyzer.Collections(1), Gen2 + analyzer.Collections(2), Pause + analyzer.PauseMilliseconds);

        public Memory Per(int runs) => new(Bytes / runs, Gen0 / runs, Gen1 / runs, Gen2 / runs, Pause / runs);
    }

    private sealed record Row(int Statements, double? Tree, double? AddressTree, double Graph, double? Flow, long TreeBytes, double Analyzers, double Operations, double Compile, int NotAnalysed, Dictionary<string, double> PerAnalyzer, Memory Memory)
    {
        /// <summary>One analyzer's telemetry in the pass whose total was least (0 when it registered nothing).</summary>
        public double Of(string analyzer) => PerAnalyzer.TryGetValue(analyzer, out var time) ? time : 0;

        /// <summary>The DMA analyzers' own work: their callbacks with the operation tree already built.</summary>
        public double Own => Analyzers - Of(OperationTree);
    }

    private const string OperationTree = nameof(OperationTreeFirst);
    private const string Address = nameof(AddressProvenanceAnalyzer);
    private const string Mapping = nameof(MappingLifecycleAnalyzer);
    private const string Translation = nameof(TranslationDecisionAnalyzer);

    /// <summary>N mappings live at once: every map first, then every check, post and unmap.</summary>
    internal static string LiveMappings(int mappings) => Method($"live{mappings}", s =>
    {
        for (var i = 0; i < mappings; i++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        var a{i} = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);");
        }

        for (var i = 0; i < mappings; i++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        if (_dma.MappingError(a{i})) {{ return false; }}");
        }

        for (var i = 0; i < mappings; i++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        _ring[{i % 256}].Addr = a{i}.Value;");
        }

        for (var i = 0; i < mappings; i++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        _dma.UnmapSingle(a{i}, length, DmaDirection.ToDevice);");
        }
    });

    /// <summary>N <c>if</c> blocks nested one in the other, a map / check / post / unmap group in each.</summary>
    internal static string Nesting(int depth) => Method($"nest{depth}", s =>
    {
        for (var d = 0; d < depth; d++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        if (length > {d}) {{");
            Group(s, d);
        }

        s.AppendLine(new string('}', depth));
    });

    /// <summary>
    /// One <c>switch</c> of N cases, a group and a <c>break</c> in each. The case values start at 4096, so that
    /// every size has numbers of four digits, which DMA001/DMA008's text prefilter takes for possible device
    /// addresses: with values from 0, it admitted the body only from 2,000 cases on (values past 999), a step in
    /// the series that read as growth.
    /// </summary>
    internal static string SwitchCases(int cases) => Method($"cases{cases}", s =>
    {
        s.AppendLine("        switch (length) {");
        for (var c = 0; c < cases; c++)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"        case {4096 + c}:");
            Group(s, c);
            s.AppendLine("            break;");
        }

        s.AppendLine("        }");
    });

    private static void Group(StringBuilder s, int g)
    {
        var i = g.ToString(CultureInfo.InvariantCulture);
        s.AppendLine(CultureInfo.InvariantCulture, $"            var a{i} = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);");
        s.AppendLine(CultureInfo.InvariantCulture, $"            if (_dma.MappingError(a{i})) {{ return false; }}");
        s.AppendLine(CultureInfo.InvariantCulture, $"            _ring[{g % 256}].Addr = a{i}.Value;");
        s.AppendLine(CultureInfo.InvariantCulture, $"            _dma.UnmapSingle(a{i}, length, DmaDirection.ToDevice);");
    }

    /// <summary>The queue class around a <c>PostAll</c> body that <paramref name="fill"/> writes.</summary>
    private static string Method(string ns, Action<StringBuilder> fill)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $$"""
            using DmaDiscipline.Runtime;

            namespace {{ns}};

            public struct Desc
            {
                [BusAddress] public ulong Addr;
                public uint Len;
            }

            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[256];

                public Queue(DmaApi dma) => _dma = dma;

                public bool PostAll(KBuffer buffer, int length)
                {

            """);
        fill(s);
        s.Append("""
                    return true;
                }
            }

            """);
        return s.ToString();
    }

    /// <summary>A driver method of <paramref name="statements"/> statements: map, check, post, unmap, repeated.</summary>
    internal static string Body(int statements) => Method($"Size{statements}", s =>
    {
        for (var g = 0; g < statements / 4; g++)
        {
            Group(s, g);
        }
    });
}
