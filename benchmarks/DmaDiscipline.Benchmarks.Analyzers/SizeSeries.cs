using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
    private static readonly int[] Sizes = { 100, 200, 400, 800, 1600 };

    private const int StatementsPerPass = 64_000;

    public static string Measure(string runtimeDll, int passes)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(runtimeDll))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var trees = Sizes.Select(size => CSharpSyntaxTree.ParseText(Body(size), parse, $"Size{size}.cs")).ToList();
        var compilation = CSharpCompilation.Create("SizeSeries", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("the size-series bodies do not compile: " + errors[0]);
        }

        var symbols = DmaSymbols.Create(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), default);
        var rows = new List<Row>();
        foreach (var (size, tree) in Sizes.Zip(trees))
        {
            var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
            var body = (IMethodBodyOperation)compilation.GetSemanticModel(tree).GetOperation(declaration)!;
            ControlFlowGraph? graph = null;
            var treeFound = 0;
            var flowFound = 0;
            var treeRan = false;
            var flowRan = false;
            // Bytes allocated by one pass: independent of the machine's load, and quadratic where the state is copied whole.
            long Allocated(Action action)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                action();
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }

            // Each pass repeats the work over StatementsPerPass statements in all, so that every pass lasts
            // long enough for the kernel's CPU accounting (a few milliseconds' resolution).
            var repeats = Math.Max(1, StatementsPerPass / size);
            double Best(Action action)
            {
                action(); // warm
                var best = double.MaxValue;
                for (var pass = 0; pass < passes; pass++)
                {
                    // The thread's CPU time where the kernel gives it (a loaded machine makes wall time mostly waiting).
                    var cpu = CpuTime.ThreadMilliseconds();
                    var watch = Stopwatch.StartNew();
                    for (var r = 0; r < repeats; r++)
                    {
                        action();
                    }

                    var elapsed = watch.Elapsed.TotalMilliseconds;
                    best = Math.Min(best, (cpu is { } start && CpuTime.ThreadMilliseconds() is { } end ? end - start : elapsed) / repeats);
                }

                return best;
            }

            var treeTime = Best(() =>
            {
                treeFound = 0;
                treeRan = StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => treeFound++));
            });
            var graphTime = Best(() => graph = ControlFlowGraph.Create(body));
            var flowTime = Best(() =>
            {
                flowFound = 0;
                flowRan = FlowSolver<MappingState>.Run(graph!, new MappingFlow(symbols, _ => flowFound++));
            });
            var treeBytes = Allocated(() => StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => { })));
            var flowBytes = Allocated(() => FlowSolver<MappingState>.Run(graph!, new MappingFlow(symbols, _ => { })));
            rows.Add(new Row(size, treeTime, graphTime, flowTime, treeBytes, flowBytes, treeRan ? treeFound.ToString(CultureInfo.InvariantCulture) : "not run", flowRan ? flowFound.ToString(CultureInfo.InvariantCulture) : "gave up"));
        }

        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Size series: one body of N statements (N/4 groups of map / check / post / unmap, a local per group); least of {passes} passes after a warm-up, one thread{(CpuTime.ThreadMilliseconds() is null ? " (wall-clock time)" : " (the thread's CPU time)")}. Time and bytes allocated per statement; × = growth of the total per doubling of N (2.00 = linear).");
        text.AppendLine();
        text.AppendLine("| N statements | tree walk (µs/stmt) | × | bytes/stmt | × | Roslyn graph (µs/stmt) | × | dataflow over the graph (µs/stmt) | × | bytes/stmt | × | diagnostics (tree, graph) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var previous = i == 0 ? null : rows[i - 1];
            string Growth(Func<Row, double> of) => previous is null ? "" : (of(row) / of(previous)).ToString("F2", inv);
            text.AppendLine(inv, $"| {row.Size} | {1000 * row.Tree / row.Size:F2} | {Growth(r => r.Tree)} | {row.TreeBytes / row.Size:N0} | {Growth(r => r.TreeBytes)} | {1000 * row.Graph / row.Size:F2} | {Growth(r => r.Graph)} | {1000 * row.Flow / row.Size:F2} | {Growth(r => r.Flow)} | {row.FlowBytes / row.Size:N0} | {Growth(r => r.FlowBytes)} | {row.TreeFound}, {row.FlowFound} |");
        }

        return text.ToString();
    }

    private sealed record Row(int Size, double Tree, double Graph, double Flow, long TreeBytes, long FlowBytes, string TreeFound, string FlowFound);

    /// <summary>A driver method of <paramref name="statements"/> statements: map, check, post, unmap, repeated.</summary>
    internal static string Body(int statements)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $$"""
            using DmaDiscipline.Runtime;

            namespace Size{{statements}};

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
        for (var g = 0; g < statements / 4; g++)
        {
            var i = g.ToString(CultureInfo.InvariantCulture);
            s.Append(CultureInfo.InvariantCulture, $$"""
                        var a{{i}} = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                        if (_dma.MappingError(a{{i}})) { return false; }
                        _ring[{{g % 256}}].Addr = a{{i}}.Value;
                        _dma.UnmapSingle(a{{i}}, length, DmaDirection.ToDevice);

                """);
        }

        s.Append("""
                    return true;
                }
            }

            """);
        return s.ToString();
    }
}
