using System.Collections.Immutable;
using System.Text;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>
/// Generated driver bodies — maps, checks, uses, syncs, unmaps, hand-overs, nested in <c>if</c>,
/// <c>for</c>, <c>while</c>, <c>do</c>, <c>foreach</c>, <c>switch</c>, <c>try</c>/<c>finally</c>, with <c>break</c>, <c>continue</c>,
/// <c>return</c>, <c>throw</c> and <c>?:</c>, with raw physical addresses and forged bus addresses
/// among them — analysed both ways: wherever the tree walk (<see cref="StructuredFlow"/>) follows a
/// body, DMA001–DMA008 are reported at the same places, with the same messages, as over the
/// control-flow graph (each rule family where its own walk follows the body: DMA001/DMA008's does not
/// follow <c>foreach</c>).
/// </summary>
public sealed class StructuredFlowAgreementTests
{
    private const int MethodsPerSeed = 80;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public Task Tree_walk_and_graph_agree_on_generated_bodies(int seed) => Agree(seed, valued: false);

    /// <summary>
    /// Bodies with <c>foreach</c> loops among the statements (over a list of handles, unmapping each or keeping one, and
    /// over the descriptor array), which the tree walk follows for DMA002–DMA006 as the graph lowers them: the
    /// enumerator's calls, the iteration variable given a fresh value each pass, the finally that disposes it.
    /// </summary>
    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public Task Tree_walk_and_graph_agree_on_generated_bodies_with_foreach(int seed) => Agree(seed, valued: false, forEach: true);

    /// <summary>
    /// Bodies that return a value (<c>return false;</c> where the others return, <c>return true;</c> at the end): most of
    /// their leaks leave by an exit both traversals name by the same operation, so where such a body has no loop,
    /// <c>try</c> or <c>switch</c>, the analyzer reports DMA002–DMA006 from the tree walk, and their messages must be
    /// the graph's, exit lines included.
    /// </summary>
    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public Task Tree_walk_reports_as_the_graph_where_it_says_so(int seed) => Agree(seed, valued: true);

    private static async Task Agree(int seed, bool valued, bool forEach = false)
    {
        var random = new Random(seed);
        var source = new StringBuilder("""
            using DmaDiscipline.Runtime;
            public struct Desc { [BusAddress] public ulong Addr; public uint Len; }
            public sealed class D
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[8];
                private DmaAddr _kept;
                private readonly System.Collections.Generic.List<DmaAddr> _pending = new();
                public D(DmaApi dma) { _dma = dma; }
                private static ulong Offset(ulong address, int offset) => address + (ulong)offset;

            """);
        for (var m = 0; m < MethodsPerSeed; m++)
        {
            source.Append(new BodyWriter(random, valued, forEach).Method(m));
        }

        source.Append('}');
        var (tree, model, symbols) = await DriverCompilation.CreateAsync(source.ToString());

        var summaries = new AddressSummaries(symbols, symbols.Carriers(default).IsSinkName, default);
        summaries.Offer(model);
        var followed = 0;
        var reporting = 0;
        var switches = 0;
        var asGraph = 0;
        var forEaches = 0;
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Where(m => m.Identifier.ValueText != "Offset"))
        {
            var body = (IMethodBodyOperation)model.GetOperation(declaration)!;
            var method = model.GetDeclaredSymbol(declaration)!;
            var structured = new SortedSet<string>(StringComparer.Ordinal);
            var walk = new AddressFlow(symbols, summaries, method, summarise: false, d => structured.Add(Describe(d, message: true)));
            var mappingWalk = new List<Diagnostic>();
            var mapping = new MappingFlow(symbols, mappingWalk.Add);
            var mappingFollowed = StructuredFlow.TryRun(body, mapping, out _, out var forwardOnly);
            var addressFollowed = StructuredFlow.TryRun(body, walk);
            var hasForEach = declaration.DescendantNodes().OfType<ForEachStatementSyntax>().Any();
            // DMA001/DMA008's walk declines foreach: there, DMA002–DMA006's alone are compared.
            if (!mappingFollowed || (!addressFollowed && !hasForEach))
            {
                continue;
            }

            Assert.False(addressFollowed && hasForEach, $"{declaration.Identifier}: DMA001/DMA008's walk does not follow foreach");

            // Where the walk says its DMA002–DMA006 findings are the graph's, the analyzer reports them: messages compared too.
            var reportedFromWalk = forwardOnly && mapping.ExitsNamedByValue;
            asGraph += reportedFromWalk && mappingWalk.Count > 0 ? 1 : 0;
            forEaches += hasForEach ? 1 : 0;
            structured.UnionWith(mappingWalk.Select(d => Describe(d, message: reportedFromWalk)));
            walk.Flush();
            var graph = new SortedSet<string>(StringComparer.Ordinal);
            FlowSolver<MappingState>.Run(ControlFlowGraph.Create(body), new MappingFlow(symbols, d => graph.Add(Describe(d, message: reportedFromWalk))));
            if (addressFollowed)
            {
                var solved = new AddressFlow(symbols, summaries, method, summarise: false, d => graph.Add(Describe(d, message: true)));
                FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(ControlFlowGraph.Create(body), solved);
                solved.Flush();
            }
            Assert.True(graph.SetEquals(structured),
                $"{declaration.Identifier}: graph [{string.Join(", ", graph)}], tree walk [{string.Join(", ", structured)}]\n{declaration}");
            followed++;
            reporting += graph.Count > 0 ? 1 : 0;
            switches += declaration.DescendantNodes().OfType<SwitchStatementSyntax>().Any() ? 1 : 0;
        }

        // The comparison must have something to compare: most bodies are followed, many report.
        Assert.True(followed >= MethodsPerSeed / 2, $"only {followed} of {MethodsPerSeed} bodies followed");
        Assert.True(reporting >= MethodsPerSeed / 8, $"only {reporting} of the followed bodies report anything");
        Assert.True(switches >= MethodsPerSeed / 16, $"only {switches} of the followed bodies have a switch");
        if (valued)
        {
            Assert.True(asGraph >= MethodsPerSeed / 16, $"only {asGraph} of the followed bodies report DMA002-DMA006 from the walk");
        }

        if (forEach)
        {
            Assert.True(forEaches >= MethodsPerSeed / 8, $"only {forEaches} of the followed bodies have a foreach");
        }
    }

    // DMA002–DMA006 are reported from the graph, unless the walk says its findings are the graph's: elsewhere their
    // rule and place are compared. DMA001/DMA008 are reported from the walk: their messages too.
    private static string Describe(Diagnostic diagnostic, bool message) =>
        $"{diagnostic.Id}@{diagnostic.Location.GetLineSpan().StartLinePosition}"
        + (message ? ": " + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>Writes one random method over two mappings (<c>a</c> from the device, <c>c</c> to it) and a handle variable <c>h</c>.</summary>
    private sealed class BodyWriter(Random random, bool valued, bool forEach)
    {
        private readonly StringBuilder _text = new();
        private int _loops;

        // The method's early return: of a value where the method returns one.
        private string Return => valued ? "return false;" : "return;";

        public string Method(int index)
        {
            _text.Append(valued ? "    public bool F" : "    public void F").Append(index).AppendLine("(KBuffer b, bool x, bool y, int k)");
            _text.AppendLine("    {");
            _text.AppendLine("        DmaAddr a = default, c = default, h = default;");
            _text.AppendLine("        ulong p = 0, q = 0;");
            _text.AppendLine("        var n = 64;");
            if (random.Next(3) > 0)
            {
                _text.AppendLine("        a = _dma.MapSingle(b, 0, 64, DmaDirection.FromDevice);");
            }

            var count = 2 + random.Next(6);
            for (var s = 0; s < count; s++)
            {
                Statement(depth: 1, inLoop: false, inFinally: false);
            }

            if (valued)
            {
                _text.AppendLine("        return true;");
            }

            _text.AppendLine("    }");
            return _text.ToString();
        }

        private void Line(int depth, string text) => _text.Append(' ', 4 * (depth + 1)).AppendLine(text);

        private void Statement(int depth, bool inLoop, bool inFinally)
        {
            var compound = depth < 4 ? 7 : 0;
            // A foreach is one more compound statement, past the others (without it, the same bodies as before).
            var choice = random.Next(28 + compound + (forEach && compound > 0 ? 1 : 0));
            if (choice == 28 + compound)
            {
                ForEach(depth, inFinally);
                return;
            }

            switch (choice)
            {
                case 0:
                    Line(depth, "a = _dma.MapSingle(b, 0, 64, DmaDirection.FromDevice);");
                    break;
                case 1:
                    Line(depth, "c = _dma.MapSingle(b, 64, n, DmaDirection.ToDevice);");
                    break;
                case 2:
                    Line(depth, inFinally ? "if (_dma.MappingError(a)) throw new System.InvalidOperationException();" : "if (_dma.MappingError(a)) " + Return);
                    break;
                case 3:
                    Line(depth, "if (!_dma.MappingError(c)) _ring[1].Addr = c.Value;");
                    break;
                case 4:
                    Line(depth, "_dma.UnmapSingle(a, 64, DmaDirection.FromDevice);");
                    break;
                case 5:
                    Line(depth, random.Next(2) == 0 ? "_dma.UnmapSingle(c, n, DmaDirection.ToDevice);" : "_dma.UnmapSingle(c, 32, DmaDirection.ToDevice);");
                    break;
                case 6:
                    Line(depth, "_ring[0].Addr = a.Value;");
                    break;
                case 7:
                    Line(depth, "_kept = h;");
                    break;
                case 8:
                    Line(depth, random.Next(2) == 0 ? "h = a;" : "h = c;");
                    break;
                case 9:
                    Line(depth, "h = x ? a : c;");
                    break;
                case 10:
                    Line(depth, "n = y ? 64 : 32;");
                    break;
                case 11:
                    Line(depth, "_dma.SyncForCpu(a, 64, DmaDirection.FromDevice);");
                    break;
                case 12:
                    Line(depth, "_dma.SyncForDevice(a, 64, DmaDirection.FromDevice);");
                    break;
                case 13:
                    Line(depth, "k = b.Span[0];");
                    break;
                case 14:
                    Line(depth, "_dma.UnmapSingle(h, 64, DmaDirection.FromDevice);");
                    break;
                case 15:
                    Line(depth, inLoop && !inFinally ? "if (y) break;" : "k++;");
                    break;
                case 16:
                    Line(depth, inLoop && !inFinally ? "if (x && k > 2) continue;" : "x = !x;");
                    break;
                case 17:
                    Line(depth, inFinally ? "k--;" : "if (k == 7) " + Return);
                    break;
                case 18:
                    Line(depth, "if (k == 9) throw new System.InvalidOperationException();");
                    break;
                case 19:
                    Line(depth, "_ring[k & 7].Len = (uint)(x ? n : 16);");
                    break;
                case 20:
                    Line(depth, "h = y ? _dma.MapSingle(b, 0, 64, DmaDirection.FromDevice) : a;");
                    break;
                case 21:
                    Line(depth, "_ring[2].Addr = (x ? a : c).Value;");
                    break;
                case 22:
                    Line(depth, "p = b.PhysicalAddress.Value;");
                    break;
                case 23:
                    Line(depth, random.Next(2) == 0 ? "p = p + (ulong)k;" : "p = 0;");
                    break;
                case 24:
                    Line(depth, "_ring[3].Addr = p;");
                    break;
                case 25:
                    Line(depth, "q = x ? p : 16UL;");
                    break;
                case 26:
                    Line(depth, random.Next(2) == 0 ? "_ring[4].Addr = q;" : "_ring[5].Addr = Offset(q, k);");
                    break;
                case 27:
                    Line(depth, random.Next(2) == 0 ? "_dma.UnmapSingle(new DmaAddr(q), 64, DmaDirection.ToDevice);" : "h = new DmaAddr(p);");
                    break;
                case 28:
                case 29:
                    {
                        string[] conditions = ["x", "!x", "x && y", "x || !y", "k == 0", "_dma.MappingError(c)", "!(y && k > 1)", "k is > 2 and < 9", "_dma.MappingError(a) is false"];
                        Line(depth, $"if ({conditions[random.Next(conditions.Length)]})");
                        Block(depth, inLoop, inFinally);
                        if (random.Next(2) == 0)
                        {
                            Line(depth, "else");
                            Block(depth, inLoop, inFinally);
                        }

                        break;
                    }

                case 30:
                    Line(depth, $"for (var i{_loops} = 0; i{_loops} < k; i{_loops}++)");
                    _loops++;
                    Block(depth, inLoop: true, inFinally);
                    break;
                case 31:
                    Line(depth, random.Next(2) == 0 ? "while (x)" : "while (k < 5 && !y)");
                    Block(depth, inLoop: true, inFinally, last: random.Next(2) == 0 ? "k++;" : null);
                    break;
                case 32:
                    Line(depth, "do");
                    Block(depth, inLoop: true, inFinally);
                    Line(depth, "while (y && k-- > 0);");
                    break;
                case 33:
                    Switch(depth, inLoop, inFinally);
                    break;
                default:
                    Line(depth, "try");
                    Block(depth, inLoop, inFinally);
                    Line(depth, "finally");
                    Block(depth, inLoop: false, inFinally: true);
                    break;
            }
        }

        /// <summary>A switch of one to three sections (one or two case labels each), with or without default, each left by break or return.</summary>
        private void Switch(int depth, bool inLoop, bool inFinally)
        {
            Line(depth, random.Next(2) == 0 ? "switch (k)" : "switch (k & 3)");
            Line(depth, "{");
            var sections = 1 + random.Next(3);
            var withDefault = random.Next(2) == 0;
            for (var i = 0; i <= sections; i++)
            {
                if (i == sections)
                {
                    if (!withDefault)
                    {
                        break;
                    }

                    Line(depth + 1, "default:");
                }
                else
                {
                    Line(depth + 1, $"case {i}:");
                    if (random.Next(3) == 0)
                    {
                        Line(depth + 1, $"case {i + 10}:");
                    }
                }

                var count = 1 + random.Next(3);
                for (var s = 0; s < count; s++)
                {
                    // In a loop, a break here leaves the switch, a continue goes on to the loop.
                    Statement(depth + 2, inLoop, inFinally);
                }

                if (random.Next(3) == 0)
                {
                    Line(depth + 2, "if (y) break;");
                }

                Line(depth + 2, inFinally || random.Next(4) > 0 ? "break;" : Return);
            }

            Line(depth, "}");
        }

        /// <summary>A foreach over the list of handles (unmapping each, or keeping one) or over the descriptors.</summary>
        private void ForEach(int depth, bool inFinally)
        {
            var element = $"e{_loops++}";
            switch (random.Next(3))
            {
                case 0:
                    Line(depth, $"foreach (var {element} in _pending)");
                    Block(depth, inLoop: true, inFinally, first: $"_dma.UnmapSingle({element}, 64, DmaDirection.FromDevice);");
                    break;
                case 1:
                    Line(depth, $"foreach (var {element} in _pending)");
                    Block(depth, inLoop: true, inFinally, first: $"h = {element};");
                    break;
                default:
                    Line(depth, $"foreach (var {element} in _ring)");
                    Block(depth, inLoop: true, inFinally, first: $"k += (int){element}.Len;");
                    break;
            }
        }

        private void Block(int depth, bool inLoop, bool inFinally, string? last = null, string? first = null)
        {
            Line(depth, "{");
            if (first is not null)
            {
                Line(depth + 1, first);
            }

            var count = 1 + random.Next(4);
            for (var s = 0; s < count; s++)
            {
                Statement(depth + 1, inLoop, inFinally);
            }

            if (last is not null)
            {
                Line(depth + 1, last);
            }

            Line(depth, "}");
        }
    }
}
