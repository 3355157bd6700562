using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>
/// DMA002–DMA006's shortcut: one pass over the operation tree of a body of statements, <c>if</c>,
/// <c>return</c> and <c>throw</c> (<see cref="StructuredFlow"/>) must report a rule exactly where
/// the control-flow graph does, and must decline every body it cannot follow as the graph does.
/// </summary>
public sealed class StructuredFlowTests
{
    private const string Driver = """
        using DmaDiscipline.Runtime;
        public struct Desc { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class D
        {
            private readonly DmaApi _dma;
            private readonly Desc[] _ring = new Desc[8];
            private DmaAddr _kept;
            private CoherentBuffer _area;
            public D(DmaApi dma) { _dma = dma; }
            {{BODY}}
        }
        """;

    private static readonly Lazy<Task<ImmutableArray<MetadataReference>>> References = new(async () =>
        (await ReferenceAssemblies.Net.Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None))
            .Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location)));

    /// <summary>The rules the one pass reports in method <c>F</c> (null when it declines the body), and those the graph reports.</summary>
    private static async Task<(string[]? Structured, string[] Graph)> Run(string method)
    {
        var tree = CSharpSyntaxTree.ParseText(Driver.Replace("{{BODY}}", method, StringComparison.Ordinal));
        var compilation = CSharpCompilation.Create("Driver", [tree], await References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var symbols = DmaSymbols.Create(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), default);
        var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "F");
        var body = (IMethodBodyOperation)compilation.GetSemanticModel(tree).GetOperation(declaration)!;

        var structured = new List<string>();
        var followed = StructuredFlow.TryRun(body, new MappingFlow(symbols, d => structured.Add(d.Id)));
        var graph = new List<string>();
        FlowSolver<MappingState>.Run(ControlFlowGraph.Create(body), new MappingFlow(symbols, d => graph.Add(d.Id)));
        return (followed ? structured.Order(StringComparer.Ordinal).ToArray() : null, graph.Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("post, checked and kept", "", """
        public bool F(KBuffer b, int n)
        {
            if (n <= 0 || n > b.Length) { return false; }
            var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) { return false; }
            _ring[0].Addr = a.Value;
            _kept = a;
            return true;
        }
        """)]
    [InlineData("coherent area set up and kept", "", """
        public void F() { var area = _dma.AllocCoherent(4096); area.Span.Clear(); _ring[0].Addr = area.DmaAddress.Value; _area = area; }
        """)]
    [InlineData("leak on the early return", "DMA002", """
        public void F(KBuffer b, bool stop)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            if (stop) return;
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("use before the check", "DMA003", """
        public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); _ring[0].Addr = a.Value; _kept = a; }
        """)]
    [InlineData("unmap with another length, after a negated check", "DMA004", """
        public void F(KBuffer b)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (!_dma.MappingError(a)) { _dma.UnmapSingle(a, 32, DmaDirection.ToDevice); }
        }
        """)]
    [InlineData("CPU access while the device owns the buffer", "DMA005", """
        public void F(KBuffer b)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.FromDevice);
            if (_dma.MappingError(a)) throw new System.InvalidOperationException();
            b.Span[0] = 1;
            _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
        }
        """)]
    [InlineData("use after unmap on one branch of &&", "DMA006", """
        public void F(KBuffer b, bool x, bool y)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            if (x && y) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } else { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }
            _ring[0].Addr = a.Value;
        }
        """)]
    [InlineData("else-if chain re-binding a handle (joins left to right)", "DMA006", """
        public void F(KBuffer b, int k)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            var c = _dma.MapSingle(b, 64, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(c)) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
            var h = a;
            if (k == 0) h = c; else if (k == 1) h = a; else h = c;
            _dma.UnmapSingle(h, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(c, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("three edges into the statement after an if without else (merged in source order)", "DMA006", """
        public void F(KBuffer b, bool x)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            var c = _dma.MapSingle(b, 64, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(c)) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
            var k = a;
            if (x && (k = c).Value != 0) { k = a; }
            _dma.UnmapSingle(k, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(c, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("(x || y) && !z around the release", "", """
        public void F(KBuffer b, bool x, bool y, bool z)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            if ((x || y) && !z) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
            _kept = a;
        }
        """)]
    public async Task Reports_what_the_graph_reports(string shape, string expected, string method)
    {
        var (structured, graph) = await Run(method);
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), graph);
        Assert.True(structured is not null, $"{shape}: the one pass should follow this body");
        Assert.Equal(graph, structured);
    }

    [Theory]
    [InlineData("a loop", "public void F(KBuffer b) { for (var i = 0; i < 2; i++) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("try/finally", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); try { _kept = a; } finally { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("a conditional expression", "public void F(KBuffer b, bool x) { var a = _dma.MapSingle(b, 0, x ? 64 : 32, DmaDirection.ToDevice); _kept = a; }")]
    [InlineData("a null-conditional call", "public void F(KBuffer b, D? other) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); other?.F(b, null); _kept = a; }")]
    [InlineData("a lambda", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); System.Action release = () => _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); release(); }")]
    [InlineData("&& as a value", "public void F(KBuffer b, bool x) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); var ok = x && !_dma.MappingError(a); if (ok) _kept = a; }")]
    [InlineData("an object initializer", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); var d = new Desc { Addr = a.Value }; _ring[0] = d; _kept = a; }")]
    [InlineData("an out variable", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); int.TryParse(\"1\", out var n); _kept = a; }")]
    [InlineData("a switch", "public void F(KBuffer b, int k) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (k) { case 0: _kept = a; break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    public async Task Declines_what_the_graph_lowers(string shape, string method)
    {
        var (structured, _) = await Run(method);
        Assert.True(structured is null, $"{shape}: the one pass must leave this body to the graph");
    }
}
