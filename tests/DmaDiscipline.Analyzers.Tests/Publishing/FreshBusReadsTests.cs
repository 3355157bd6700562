using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// A referenced member of the bus-address type (<c>CoherentBuffer.DmaAddress</c>, <c>ScatterList.DmaAddress(int)</c>) gives
/// a bus address whatever its receiver and arguments, so the summary generator's word gates take nothing of them through a
/// read of it: a coherent buffer's bus address stored into a field brings no device memory there, and a scatter list whose
/// element's bus address is posted does not reach the sink itself. Those bodies are not summarised; a name the source declares
/// or writes other than as a member read (a local, a tuple element) is read as before, and a value beside the read comes along.
/// </summary>
public sealed class FreshBusReadsTests
{
    private const string Queue = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public static class Pci
            {
                [DeviceMemory] public static ulong MapBar(int index) => 0xFE000000UL + (ulong)index * 0x1000;
            }

            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[4];
                private CoherentBuffer _area;

                public Queue(DmaApi dma) { _dma = dma; }

                // Device memory's bus address, not its memory: nothing of the buffer comes along.
                public void AllocArea() { var area = _dma.AllocCoherent(4096); area.Span.Clear(); _ring[0].Addr = area.DmaAddress.Value; _area = area; }

                // An element's bus address: the list does not reach the sink.
                public void PostScatter(ScatterList list) { var count = _dma.MapSg(list, DmaDirection.ToDevice); for (var e = 0; e < count; e++) { _ring[e].Addr = list.DmaAddress(e).Value; } }

                // Look-alikes: a value beside the read comes along, and device memory stored as it is.
                public void PostAt(ScatterList list, ulong offset) { _ring[1].Addr = list.DmaAddress(0).Value + offset; }
                public void Attach() { _ring[2].Addr = Pci.MapBar(0); }
            }
        }
        """;

    [Fact]
    public async Task A_bus_address_read_from_device_memory_or_a_scatter_list_is_not_summarised_and_what_comes_beside_it_is_published()
    {
        var (lines, summarised) = await ComputeAsync(Queue);
        Assert.Contains("F:Lib.Desc.Addr ; device-memory", lines);
        Assert.Contains("M:Lib.Queue.PostAt(DmaDiscipline.Runtime.ScatterList,System.UInt64) ; bus-sink(offset)", lines);
        Assert.DoesNotContain(lines, line => line.Contains("bus-sink(list)", StringComparison.Ordinal) || line.Contains("AllocArea", StringComparison.Ordinal));
        Assert.Contains("Queue.Attach", summarised);
        Assert.Contains("Queue.PostAt", summarised);
        Assert.DoesNotContain("Queue.AllocArea", summarised);
        Assert.DoesNotContain("Queue.PostScatter", summarised);
    }

    [Fact]
    public async Task The_words_of_a_bus_address_read_are_neither_hot_nor_bound()
    {
        var compilation = await CompileAsync(Queue);
        var carriers = DmaSymbols.Create(compilation, ImmutableArray<AdditionalText>.Empty, default).Carriers(default);
        var methods = compilation.SyntaxTrees[0].GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()
            .ToDictionary(method => method.Identifier.ValueText, method => (SyntaxNode)method);
        Assert.False(carriers.MayStoreContent(methods["AllocArea"], "Addr", default));
        Assert.True(carriers.MayStoreContent(methods["AllocArea"], "_area", default));
        Assert.True(carriers.MayStoreContent(methods["Attach"], "Addr", default));
        Assert.False(carriers.MayReachSinkIn(methods["PostScatter"], "list", default));
        Assert.False(carriers.MayReachSinkIn(methods["PostAt"], "list", default));
        Assert.True(carriers.MayReachSinkIn(methods["PostAt"], "offset", default));
    }

    // The same stores where the source names the member itself: words cannot tell the reads apart.
    private const string OwnName = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public static class Pci
            {
                [DeviceMemory] public static ulong MapBar(int index) => 0xFE000000UL + (ulong)index * 0x1000;
            }

            public sealed class Window
            {
                // The source's own DmaAddress gives device memory.
                public ulong DmaAddress => Pci.MapBar(0);
            }

            public sealed class Queue
            {
                private readonly Desc[] _ring = new Desc[4];

                public void Post(Window window) { _ring[0].Addr = window.DmaAddress; }
            }
        }
        """;

    [Fact]
    public async Task A_member_of_the_same_name_the_source_declares_is_read_through_its_receiver()
    {
        var (lines, summarised) = await ComputeAsync(OwnName);
        Assert.Contains("F:Lib.Desc.Addr ; device-memory", lines);
        Assert.Contains("Queue.Post", summarised);
    }

    private const string TupleElement = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public static class Pci
            {
                [DeviceMemory] public static ulong MapBar(int index) => 0xFE000000UL + (ulong)index * 0x1000;
            }

            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[4];

                public Queue(DmaApi dma) { _dma = dma; }

                // A tuple element named like the runtime's member holds device memory; the runtime's member is read too.
                public void Attach() { (ulong DmaAddress, int Size) bar = (Pci.MapBar(0), 4096); _ring[0].Addr = bar.DmaAddress; }
                public void AllocArea() { var area = _dma.AllocCoherent(4096); _ring[1].Addr = area.DmaAddress.Value; }
            }
        }
        """;

    [Fact]
    public async Task A_name_the_source_also_gives_a_tuple_element_is_read_through_its_receiver()
    {
        var (lines, summarised) = await ComputeAsync(TupleElement);
        Assert.Contains("F:Lib.Desc.Addr ; device-memory", lines);
        Assert.Contains("Queue.Attach", summarised);
        Assert.Contains("Queue.AllocArea", summarised);
    }

    [Theory]
    [InlineData("x = area.DmaAddress.Value;", "area DmaAddress")]
    [InlineData("x = q._rings[i].DmaAddress(e).Value + offset;", "q _rings i DmaAddress e")]
    [InlineData("x = list?.DmaAddress(e);", "list DmaAddress e")]
    [InlineData("x = new Holder(p).DmaAddress;", "")]
    [InlineData("x = (a + b).DmaAddress;", "")]
    [InlineData("x = Make(out p).DmaAddress;", "")]
    [InlineData("x = list.DmaAddress(y = p);", "")]
    [InlineData("x = DmaAddress;", "")]
    public void A_read_of_a_fresh_member_marks_its_receiver_and_arguments_only_where_they_are_names(string statement, string marked)
    {
        var tokens = ContentFlow.Tokenize(statement, 0, statement.Length);
        var fresh = ContentFlow.FreshReads(tokens, new HashSet<string>(["DmaAddress"], StringComparer.Ordinal));
        var words = tokens.Select((token, i) => (token, i)).Where(t => t.token.Word is not null && fresh is not null && fresh[t.i]).Select(t => t.token.Word);
        Assert.Equal(marked, string.Join(" ", words));
    }

    private static async Task<CSharpCompilation> CompileAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, path: "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }

    private static async Task<(IReadOnlyList<string> Lines, HashSet<string> Summarised)> ComputeAsync(string source)
    {
        var lines = SummaryLines.Compute(await CompileAsync(source), ImmutableArray<AdditionalText>.Empty, default, out var summarised);
        return (lines, summarised.Select(method => method.ContainingType.Name + "." + method.Name).ToHashSet(StringComparer.Ordinal));
    }
}
