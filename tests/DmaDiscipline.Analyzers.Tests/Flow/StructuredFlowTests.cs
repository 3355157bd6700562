using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>
/// DMA002–DMA006's shortcut: the walk over the operation tree of a structured body — <c>if</c>,
/// loops, <c>break</c>/<c>continue</c>, <c>return</c>, <c>throw</c>, <c>try</c>/<c>finally</c>, <c>?:</c>
/// (<see cref="StructuredFlow"/>) — must report a rule exactly where the control-flow graph does, and
/// must decline every body it cannot follow as the graph does.
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

    /// <summary>The rules the tree walk reports in method <c>F</c> (null when it declines the body), and those the graph reports.</summary>
    private static async Task<(string[]? Structured, string[] Graph)> Run(string method)
    {
        var (body, symbols) = await BodyOf(method);
        var structured = new List<string>();
        var followed = StructuredFlow.TryRun(body, new MappingFlow(symbols, d => structured.Add(d.Id)));
        var graph = new List<string>();
        FlowSolver<MappingState>.Run(ControlFlowGraph.Create(body), new MappingFlow(symbols, d => graph.Add(d.Id)));
        return (followed ? structured.Order(StringComparer.Ordinal).ToArray() : null, graph.Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>The body of method <c>F</c> in the driver, bound, with the compilation's symbols.</summary>
    private static async Task<(IMethodBodyOperation Body, DmaSymbols Symbols)> BodyOf(string method)
    {
        var (tree, model, symbols) = await DriverCompilation.CreateAsync(Driver.Replace("{{BODY}}", method, StringComparison.Ordinal));
        var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == "F");
        return ((IMethodBodyOperation)model.GetOperation(declaration)!, symbols);
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
    [InlineData("else-if chain binding a handle two ways (not followed, whatever order the paths meet in)", "", """
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
    [InlineData("three edges into the statement after an if without else, two handles (not followed)", "", """
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
    [InlineData("the same chain in the other order", "", """
        public void F(KBuffer b, int k)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            var c = _dma.MapSingle(b, 64, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(c)) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
            var h = a;
            if (k == 0) h = a; else if (k == 1) h = c; else h = c;
            _dma.UnmapSingle(h, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            _dma.UnmapSingle(c, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("map and unmap in a for loop", "", """
        public void F(KBuffer b) { for (var i = 0; i < 2; i++) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) continue; _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }
        """)]
    [InlineData("a mapping leaked by a break", "DMA002", """
        public void F(KBuffer b, int n)
        {
            for (var i = 0; i < n; i++)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                if (i == 3) break;
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """)]
    [InlineData("used in a while loop after its unmap", "DMA006", """
        public void F(KBuffer b, bool more)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            while (more)
            {
                _ring[0].Addr = a.Value;
                more = _ring[1].Len != 0;
            }
        }
        """)]
    [InlineData("unmapped in a while loop (maybe already unmapped the second time round: not reported)", "", """
        public void F(KBuffer b, bool more)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            _ring[0].Addr = a.Value;
            while (more)
            {
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                more = _ring[1].Len != 0;
            }
        }
        """)]
    [InlineData("scatter-gather entries posted in a for loop with && and ?:", "", """
        public bool F(ScatterList list, int free)
        {
            var count = _dma.MapSg(list, DmaDirection.ToDevice);
            if (count == 0) return false;
            for (var e = 0; e < count && free > 0; e++)
            {
                _ring[e].Addr = list.DmaAddress(e).Value;
                _ring[e].Len = (uint)(e + 1 < count ? list.DmaLength(e) : 0);
                free--;
            }

            _dma.UnmapSg(list, DmaDirection.ToDevice);
            return true;
        }
        """)]
    [InlineData("do/while polling with a sync each round", "DMA005", """
        public int F(KBuffer b)
        {
            const int Len = 256;
            var a = _dma.MapSingle(b, 0, Len, DmaDirection.FromDevice);
            if (_dma.MappingError(a)) return -1;
            var seen = 0;
            do
            {
                _dma.SyncForCpu(a, Len, DmaDirection.FromDevice);
                seen = b.Span[0];
                _dma.SyncForDevice(a, Len, DmaDirection.FromDevice);
            }
            while (seen == 0 && b.Span[1] == 0);
            _dma.UnmapSingle(a, Len, DmaDirection.FromDevice);
            return seen;
        }
        """)]
    [InlineData("receive: unmap in finally, return from the try", "", """
        public int F(KBuffer b)
        {
            const int Mtu = 1514;
            var a = _dma.MapSingle(b, 0, Mtu, DmaDirection.FromDevice);
            if (_dma.MappingError(a)) return -1;
            try
            {
                _dma.SyncForCpu(a, Mtu, DmaDirection.FromDevice);
                var span = b.Span;
                var sum = 0;
                for (var i = 0; i < System.Math.Min(64, span.Length); i++) { sum = (sum + span[i]) & 0xFFFF; }
                return sum;
            }
            finally
            {
                _dma.UnmapSingle(a, Mtu, DmaDirection.FromDevice);
            }
        }
        """)]
    [InlineData("finally with another length, run on the return and on the throw", "DMA004", """
        public void F(KBuffer b, bool bad)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            try
            {
                if (bad) throw new System.InvalidOperationException();
                _ring[0].Addr = a.Value;
            }
            finally
            {
                _dma.UnmapSingle(a, 32, DmaDirection.ToDevice);
            }
        }
        """)]
    [InlineData("a break through a finally that releases", "", """
        public void F(KBuffer b, int n)
        {
            for (var i = 0; i < n; i++)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) break;
                try
                {
                    if (i == 2) break;
                    if (i == 3) continue;
                    _ring[i].Addr = a.Value;
                }
                finally
                {
                    _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
        }
        """)]
    [InlineData("a handle chosen by ?:, one of two released through the choice (both reported)", "DMA002,DMA002", """
        public void F(KBuffer b, bool x)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            var c = _dma.MapSingle(b, 64, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(c)) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; }
            var h = x ? a : c;
            _dma.UnmapSingle(h, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("a length chosen by ?: that is the same on both arms", "DMA004", """
        public void F(KBuffer b, bool x)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            _dma.UnmapSingle(a, x ? 32 : 32, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("is-patterns in the conditions", "DMA002", """
        public void F(KBuffer b, object device, int n)
        {
            if (device is null || n is < 1 or > 4096) return;
            var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice);
            if (_dma.MappingError(a) is true) return;
            if (device is not string name) return;
            _ring[0].Len = (uint)name.Length;
            _kept = a;
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
    [InlineData("a switch: kept in one section, released in default", "", """
        public void F(KBuffer b, int k)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            switch (k) { case 0: _kept = a; break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; }
        }
        """)]
    [InlineData("a switch: leaked in one section", "DMA002", """
        public void F(KBuffer b, int k)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            switch (k)
            {
                case 0:
                case 1:
                    _kept = a;
                    break;
                case 2:
                    return;
                default:
                    _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                    break;
            }
        }
        """)]
    [InlineData("a switch without default: the value matching no case goes past it", "DMA002", """
        public void F(KBuffer b, int k)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            switch (k) { case 0: _kept = a; break; case 1: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; }
        }
        """)]
    [InlineData("a switch: the sections' ends meet after it (used unchecked in one section, leaked by default's throw)", "DMA002,DMA003", """
        public void F(KBuffer b, string mode)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            switch (mode)
            {
                case "ring":
                    if (_dma.MappingError(a)) return;
                    _ring[0].Addr = a.Value;
                    break;
                case "late":
                    _ring[1].Addr = a.Value;
                    break;
                default:
                    if (_ring[2].Len == 0) break;
                    throw new System.InvalidOperationException();
            }

            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("a switch in a loop, broken out of in one section", "DMA002", """
        public void F(KBuffer b, int k)
        {
            for (var i = 0; i < k; i++)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                switch (i & 3) { case 0: _kept = a; break; case 1: break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; }
            }
        }
        """)]
    [InlineData("continue from a switch section to a for loop's increments", "DMA002", """
        public void F(KBuffer b, int k)
        {
            for (var i = 0; i < k; i++)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) continue;
                switch (i & 3) { case 0: _kept = a; continue; case 1: continue; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; }
                k--;
            }
        }
        """)]
    [InlineData("foreach over a list of handles, unmapping each", "", """
        public void F(System.Collections.Generic.List<DmaAddr> pending, int n)
        {
            foreach (var a in pending)
            {
                _dma.UnmapSingle(a, n, DmaDirection.Bidirectional);
            }

            pending.Clear();
        }
        """)]
    [InlineData("a map in each pass of a foreach over an array, checked and kept", "", """
        public void F(KBuffer b, int[] lengths)
        {
            foreach (var n in lengths)
            {
                var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                _kept = a;
            }
        }
        """)]
    [InlineData("a leak on a return inside a foreach (through the enumerator's finally)", "DMA002", """
        public void F(KBuffer b, System.Collections.Generic.List<int> lengths)
        {
            foreach (var n in lengths)
            {
                var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                if (n == 7) return;
                _dma.UnmapSingle(a, n, DmaDirection.ToDevice);
            }
        }
        """)]
    [InlineData("a break out of a foreach, a leak after it", "DMA002", """
        public void F(KBuffer b, System.Collections.Generic.IEnumerable<int> lengths)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            foreach (var n in lengths)
            {
                if (n == 0) break;
                _ring[0].Len = (uint)n;
            }

            if (_ring[0].Len == 3) return;
            _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
        }
        """)]
    [InlineData("a handle of the list used after its unmap in the same pass", "DMA006", """
        public void F(System.Collections.Generic.List<DmaAddr> pending)
        {
            foreach (var a in pending)
            {
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                _ring[0].Addr = a.Value;
            }
        }
        """)]
    [InlineData("the iteration variable holds none of the body's mappings (a mapping kept in it before the loop is not the element)", "DMA002", """
        public void F(KBuffer b, DmaAddr[] pending)
        {
            var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(a)) return;
            foreach (var e in pending)
            {
                _ring[0].Addr = e.Value;
            }
        }
        """)]
    [InlineData("nested foreach in a for loop, a map per inner pass, unmapped", "", """
        public void F(KBuffer b, int[][] lengths)
        {
            for (var i = 0; i < lengths.Length; i++)
            {
                foreach (var n in lengths[i])
                {
                    var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice);
                    if (_dma.MappingError(a)) break;
                    _ring[0].Addr = a.Value;
                    _dma.UnmapSingle(a, n, DmaDirection.ToDevice);
                }
            }
        }
        """)]
    public async Task Reports_what_the_graph_reports(string shape, string expected, string method)
    {
        var (structured, graph) = await Run(method);
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), graph);
        Assert.True(structured is not null, $"{shape}: the tree walk should follow this body");
        Assert.Equal(graph, structured);
    }

    [Theory]
    [InlineData("overwritten on a later pass of a for loop", true, "DmaAddr a = default; for (var i = 0; i < n; i++) { a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) return; } _kept = a;")]
    [InlineData("overwritten on a later pass of a do loop", true, "DmaAddr a = default; var i = 0; do { a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) return; i++; } while (i < n); _kept = a;")]
    [InlineData("overwritten through a second variable", true, "DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(cur)) break; prev = cur; } _kept = prev;")]
    [InlineData("overwritten in a switch section inside a loop", true, "DmaAddr a = default; for (var i = 0; i < n; i++) { switch (i % 3) { case 0: a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) return; break; default: break; } } _kept = a;")]
    [InlineData("overwritten inside a try/finally", true, "DmaAddr a = default; try { for (var i = 0; i < n; i++) { a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) return; } } finally { _ring[0].Len = 0; } _kept = a;")]
    [InlineData("released before the next map, at the top of the pass (quiet)", true, "DmaAddr a = default; var mapped = false; for (var i = 0; i < n; i++) { if (mapped) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); mapped = false; } a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a)) return; _ring[0].Addr = a.Value; } _kept = a;")]
    // The first pass unmaps a variable that holds none of this body's mappings yet: that release makes a site of its own
    // (DMA006 follows a handle released here), which the next pass's state no longer holds. The states a statement is
    // reached with do not grow from pass to pass, and the walk leaves the body to the graph.
    [InlineData("the previous one leaked by a failed next map", false, "DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(cur)) return; if (prev != default) _dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } _kept = prev;")]
    [InlineData("the previous one unmapped after the next is made (quiet)", false, "DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(cur)) break; if (prev != default) _dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } _kept = prev;")]
    public async Task An_earlier_pass_mapping_is_reported_alike_by_both_walks(string shape, bool followed, string statements)
    {
        var (body, symbols) = await BodyOf("public void F(KBuffer b, int n) { " + statements + " }");
        var structured = new List<Microsoft.CodeAnalysis.Diagnostic>();
        Assert.Equal(followed, StructuredFlow.TryRun(body, new MappingFlow(symbols, structured.Add)));
        var graph = new List<Microsoft.CodeAnalysis.Diagnostic>();
        FlowSolver<MappingState>.Run(ControlFlowGraph.Create(body), new MappingFlow(symbols, graph.Add));
        Assert.Equal(shape.EndsWith("(quiet)", StringComparison.Ordinal) ? 0 : 1, graph.Count);
        if (followed)
        {
            Assert.Equal(Describe(graph), Describe(structured));
        }

        static string[] Describe(List<Microsoft.CodeAnalysis.Diagnostic> diagnostics) =>
            diagnostics.Select(d => $"{d.Id}@{d.Location.SourceSpan} [{string.Join(", ", d.AdditionalLocations.Select(l => l.SourceSpan))}]: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
                .Order(StringComparer.Ordinal).ToArray();
    }

    [Theory]
    [InlineData("await foreach", "public async System.Threading.Tasks.Task F(System.Collections.Generic.IAsyncEnumerable<DmaAddr> pending) { await foreach (var a in pending) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("a foreach deconstructing each element", "public void F(System.Collections.Generic.Dictionary<int, DmaAddr> pending) { foreach (var (n, a) in pending) { _dma.UnmapSingle(a, n, DmaDirection.ToDevice); } }")]
    [InlineData("a foreach with a ref variable", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); foreach (ref var d in System.MemoryExtensions.AsSpan(_ring)) { d.Len = 0; } _kept = a; }")]
    [InlineData("a continue back to a foreach's head", "public void F(KBuffer b, int[] lengths) { foreach (var n in lengths) { var a = _dma.MapSingle(b, 0, n, DmaDirection.ToDevice); if (n == 0) continue; _kept = a; } }")]
    [InlineData("a foreach over a collection of the driver's own (its enumerator's calls are the driver's code)", """
        public sealed class Pending { public Enumerator GetEnumerator() => default; public struct Enumerator { public DmaAddr Current => default; public bool MoveNext() => false; } }
        public void F(Pending pending) { foreach (var a in pending) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }
        """)]
    [InlineData("a foreach over a ?: (the graph captures the collection on each branch)", "public void F(System.Collections.Generic.List<DmaAddr> p, System.Collections.Generic.List<DmaAddr> q, bool x) { foreach (var a in x ? p : q) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("try/catch", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); try { _kept = a; } catch (System.Exception) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("using", "public void F(KBuffer b, System.IDisposable d) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); using (d) { _kept = a; } }")]
    [InlineData("while (true)", "public void F(KBuffer b) { while (true) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); _kept = a; if (_ring[0].Len == 0) break; } }")]
    [InlineData("a goto", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); again: _kept = a; if (_ring[0].Len == 0) goto again; }")]
    [InlineData("a ?: in a condition", "public void F(KBuffer b, bool x) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if ((x ? 1 : 0) == 1) _kept = a; }")]
    [InlineData("a ?: with && in its condition", "public void F(KBuffer b, bool x, bool y) { var a = _dma.MapSingle(b, 0, x && y ? 64 : 32, DmaDirection.ToDevice); _kept = a; }")]
    [InlineData("a null-conditional call", "public void F(KBuffer b, D? other) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); other?.F(b, null); _kept = a; }")]
    [InlineData("a lambda", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); System.Action release = () => _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); release(); }")]
    [InlineData("&& as a value", "public void F(KBuffer b, bool x) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); var ok = x && !_dma.MappingError(a); if (ok) _kept = a; }")]
    [InlineData("an object initializer", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); var d = new Desc { Addr = a.Value }; _ring[0] = d; _kept = a; }")]
    [InlineData("an out variable", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); int.TryParse(\"1\", out var n); _kept = a; }")]
    [InlineData("a continue back to a while loop's head (the graph walks the loop again before the rest of the body)", """
        public void F(KBuffer b, bool x, int k)
        {
            DmaAddr a = default, h = default;
            while (k < 5)
            {
                try { _kept = h; if (x && k > 2) continue; }
                finally { _dma.SyncForDevice(a, 64, DmaDirection.FromDevice); a = _dma.MapSingle(b, 0, 64, DmaDirection.FromDevice); }
                h = a;
            }
        }
        """)]
    [InlineData("a while loop whose body ends in an if (two edges back to the head)", "public void F(KBuffer b, bool x, int k) { DmaAddr h = default; while (k < 5) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); _kept = h; if (x) { h = a; } } }")]
    [InlineData("a property pattern", "public void F(KBuffer b, string s) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (s is { Length: > 0 }) _kept = a; }")]
    [InlineData("goto case", "public void F(KBuffer b, int k) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (k) { case 0: _kept = a; break; case 1: goto case 0; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    [InlineData("goto default", "public void F(KBuffer b, int k) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (k) { case 0: goto default; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    [InlineData("a case with a when clause", "public void F(KBuffer b, int k, bool x) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (k) { case 0 when x: _kept = a; break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    [InlineData("a case pattern", "public void F(KBuffer b, int k) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (k) { case > 0: _kept = a; break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    [InlineData("continue from a switch section to a while loop's head", "public void F(KBuffer b, int k) { var i = 0; while (i < k) { i++; var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (i) { case 0: _kept = a; continue; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } } }")]
    [InlineData("a switch on a mapping's count (its case 0 is the check)", "public int F(ScatterList list) { var n = _dma.MapSg(list, DmaDirection.ToDevice); switch (n) { case 0: return 0; default: _dma.UnmapSg(list, DmaDirection.ToDevice); return n; } }")]
    [InlineData("a switch on a constant", "public void F(KBuffer b) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); switch (3) { case 3: _kept = a; break; default: _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); break; } }")]
    public async Task Declines_what_the_graph_lowers(string shape, string method)
    {
        var (structured, _) = await Run(method);
        Assert.True(structured is null, $"{shape}: the tree walk must leave this body to the graph");
    }

    private static string Nested(int depth, string leaf)
    {
        var open = string.Concat(Enumerable.Range(0, depth).Select(i => $"if (k > {i}) {{ "));
        return "public void F(KBuffer b, int k) { var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); " + open + leaf + new string('}', depth) + " _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }";
    }

    [Theory]
    // A leak at the bottom of 400 nested ifs (return before the unmap), and its twin.
    [InlineData(400, "if (k == 1000) return; ", new[] { "DMA002" })]
    [InlineData(400, "_kept = _kept; ", new string[0])]
    public async Task Follows_deep_nesting_as_the_graph_does(int depth, string leaf, string[] expected)
    {
        var (structured, graph) = await Run(Nested(depth, leaf));
        Assert.Equal(expected, graph);
        Assert.Equal(graph, structured);
    }

    [Theory]
    // kept leaks at the return inside the block; c, made in the block and never released, is not dropped when it closes.
    [InlineData("a mapping left live in a nested block", "DMA002,DMA002", """
        public bool F(KBuffer b, int k)
        {
            var kept = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
            if (_dma.MappingError(kept)) { return false; }
            if (k > 0)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) { return false; }
                _ring[0].Addr = a.Value;
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                var c = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(c)) { throw new System.InvalidOperationException(); }
            }

            if (k == 5) { return false; }
            _kept = kept;
            return true;
        }
        """)]
    // A released mapping a variable outside the block still holds is not dropped: its use after the block is a use after unmap.
    [InlineData("a released mapping held outside its block", "DMA006", """
        public bool F(KBuffer b, int k)
        {
            DmaAddr h = default;
            if (k > 0)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) { return false; }
                h = a;
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }

            _ring[0].Addr = h.Value;
            return true;
        }
        """)]
    // Released on one path through the block only: not dropped (the other path still owes the release).
    [InlineData("a mapping released on one path of its block", "DMA002", """
        public bool F(KBuffer b, int k)
        {
            if (k > 0)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) { return false; }
                if (k > 1) { _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }
            }

            return true;
        }
        """)]
    public async Task Drops_at_a_blocks_end_only_what_no_report_needs(string shape, string expected, string method)
    {
        var (body, symbols) = await BodyOf(method);
        var structured = new List<Microsoft.CodeAnalysis.Diagnostic>();
        var walk = new MappingFlow(symbols, structured.Add);
        Assert.True(StructuredFlow.TryRun(body, walk, out _, out var forwardOnly), $"{shape}: the tree walk should follow this body");
        var graph = new List<Microsoft.CodeAnalysis.Diagnostic>();
        FlowSolver<MappingState>.Run(ControlFlowGraph.Create(body), new MappingFlow(symbols, graph.Add));
        Assert.Equal(expected.Split(','), graph.Select(d => d.Id).Order(StringComparer.Ordinal));

        // Every exit here is a return of a value or a throw, and there is no loop: the analyzer reports the walk's findings, messages and all.
        Assert.True(forwardOnly && walk.ExitsNamedByValue);
        Assert.Equal(Describe(graph), Describe(structured));

        static string[] Describe(List<Microsoft.CodeAnalysis.Diagnostic> diagnostics) =>
            diagnostics.Select(d => $"{d.Id}@{d.Location.SourceSpan}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task A_nested_block_that_released_what_it_made_leaves_the_state_it_was_entered_with()
    {
        // 60 ifs one inside the other, each mapping, checking, posting and unmapping a local of its own (the size series' nesting).
        var levels = string.Concat(Enumerable.Range(0, 60).Select(d =>
            $"if (k > {d}) {{ var a{d} = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (_dma.MappingError(a{d})) {{ return false; }} _ring[{d % 8}].Addr = a{d}.Value; _dma.UnmapSingle(a{d}, 64, DmaDirection.ToDevice); "));
        var (body, symbols) = await BodyOf("public bool F(KBuffer b, int k) { " + levels + new string('}', 60) + " return true; }");
        var leaving = new LeavingRecorded(new MappingFlow(symbols, _ => { }));
        Assert.True(StructuredFlow.TryRun(body, leaving));

        // Each nested block is left once per distinct state that reaches its end (the edges of the blocks inside it that
        // end together reach it as one): once each, twice for the outer two, whose stores into the ring's slot still
        // change what the state holds; every other block gives back the state it was entered with, so the join after
        // it costs nothing, whatever is nested inside. (Without the drop: 1,830 leavings, one per nested block's edge.)
        Assert.InRange(leaving.Left, 60, 62);
        Assert.True(leaving.GaveBackEntry >= 58, $"{leaving.GaveBackEntry} of 60 blocks gave back their entry state");
    }

    /// <summary>The walk's analysis, counting the blocks it leaves and how many of them give back their entry state.</summary>
    private sealed class LeavingRecorded(MappingFlow flow) : FlowAnalysis<MappingState>
    {
        public int Left { get; private set; }

        public int GaveBackEntry { get; private set; }

        public override MappingState Entry => flow.Entry;

        public override MappingState Join(MappingState a, MappingState b) => flow.Join(a, b);

        public override bool Same(MappingState a, MappingState b) => flow.Same(a, b);

        public override MappingState Visit(IOperation operation, MappingState state, bool report) => flow.Visit(operation, state, report);

        public override void Split(IOperation condition, MappingState state, out MappingState whenTrue, out MappingState whenFalse) =>
            flow.Split(condition, state, out whenTrue, out whenFalse);

        public override bool? MayThrow(IOperation operation) => flow.MayThrow(operation);

        public override MappingState AtThrow(IOperation operation, MappingState before) => flow.AtThrow(operation, before);

        public override MappingState SwitchValue(IOperation value, MappingState state, bool report, out bool tested) => flow.SwitchValue(value, state, report, out tested);

        public override MappingState Returned(IOperation value, MappingState state, bool report) => flow.Returned(value, state, report);

        public override void AtExit(MappingState state, ExitKind kind, IOperation? exitOperation) => flow.AtExit(state, kind, exitOperation);

        public override void Completed() => flow.Completed();

        public override MappingState LeaveBlock(IBlockOperation block, MappingState entry, MappingState state)
        {
            var left = flow.LeaveBlock(block, entry, state);
            Left++;
            GaveBackEntry += ReferenceEquals(left, entry) ? 1 : 0;
            return left;
        }
    }

    [Fact]
    public async Task Declines_nesting_deeper_than_the_threads_stack_allows_without_failing()
    {
        // Within the walk's depth bound (500 nested ifs): followed on a test thread's stack, declined on a small one.
        var (body, symbols) = await BodyOf(Nested(500, "if (k == 5000) return; "));
        Assert.True(StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => { })));
        bool? followed = null;
        Exception? failure = null;
        // A thread with a small stack: the walk must run short of it and decline, never overflow.
        var thread = new Thread(() =>
        {
            try
            {
                followed = StructuredFlow.TryRun(body, new MappingFlow(symbols, _ => { }));
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }, maxStackSize: 192 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.False(followed);
    }
}
