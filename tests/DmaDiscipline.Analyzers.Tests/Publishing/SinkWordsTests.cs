using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The sink words and bound names the summary generator asks by (read from the text, a superset of what the summaries
/// find): what the DMA API's map call gives is made by the call, so the words of its receiver and arguments are not bound
/// through it; and a method that returns nothing binds nothing through its returns. A member that only keeps the API, or
/// only reads a setting beside a <c>return;</c>, is not asked (nor bound); a value that does come along is still published.
/// </summary>
public sealed class SinkWordsTests
{
    private const string Queues = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[4];

                // Keeps the API: only what its map call gives reaches the device, never the API itself.
                public Queue(DmaApi dma) { _dma = dma; }

                public void Post(KBuffer buffer, int length) { var addr = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice); _ring[0].Addr = addr.Value; }
            }

            public sealed class OffsetQueue
            {
                private readonly DmaApi _api;
                private readonly ulong _offset;
                private readonly Desc[] _ring = new Desc[4];

                public OffsetQueue(DmaApi api, ulong offset) { _api = api; _offset = offset; }

                // More than the map call: the offset comes along.
                public void Post(KBuffer buffer) { var addr = _api.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice).Value + _offset; _ring[0].Addr = addr; }
            }
        }
        """;

    [Fact]
    public async Task A_field_given_only_what_the_APIs_map_call_gives_is_not_bound_and_a_value_added_to_it_is()
    {
        var (words, bound) = await SinkWordsAsync(Queues);
        Assert.DoesNotContain("Queue", words);
        Assert.Contains("OffsetQueue", words);
        Assert.Contains("_offset", bound);
    }

    [Fact]
    public async Task A_constructor_that_only_keeps_the_API_is_not_bound_and_one_whose_argument_comes_along_is_published()
    {
        var (lines, summarised) = await ComputeAsync(Queues);
        Assert.Contains(lines, line => line.StartsWith("M:Lib.OffsetQueue.#ctor(", StringComparison.Ordinal) && line.EndsWith(" ; bus-sink(offset)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("bus-sink(dma)", StringComparison.Ordinal));
        // Bound by words (the API's words come along with the offset), though no line for it: the flow decides.
        Assert.DoesNotContain(lines, line => line.Contains("bus-sink(api)", StringComparison.Ordinal));
        Assert.Contains("OffsetQueue..ctor", summarised);
        Assert.DoesNotContain("Queue..ctor", summarised);
    }

    private const string OwnMap = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public sealed class Legacy
            {
                private readonly ulong _window;
                private readonly Desc[] _ring = new Desc[4];

                public Legacy(ulong window) { _window = window; }

                // The source's own MapSingle, not the API's: its value is what it is given.
                private static ulong MapSingle(ulong window, ulong at) => window + at;

                public void Post(ulong at) { var addr = MapSingle(_window, at); _ring[0].Addr = addr; }
            }
        }
        """;

    [Fact]
    public async Task A_call_the_source_declares_under_the_APIs_map_name_binds_its_arguments()
    {
        var (words, bound) = await SinkWordsAsync(OwnMap);
        Assert.Contains("_window", bound);
        Assert.Contains("Legacy", words);
        var (lines, _) = await ComputeAsync(OwnMap);
        Assert.Contains("M:Lib.Legacy.#ctor(System.UInt64) ; bus-sink(window)", lines);
    }

    private const string Returns = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public sealed class Config { public bool Disabled; }

            public sealed class Window
            {
                private readonly Config _config;
                private readonly Desc[] _ring = new Desc[4];
                private ulong _base;

                public Window(Config config) { _config = config; }

                // Returns nothing: a return beside a read of the setting gives the sink nothing.
                public void Put(ulong address) { if (_config.Disabled) return; _ring[0].Addr = address; }

                // Returns what reaches the sink: its returns bind.
                public ulong Current() { if (_base == 0) return 0; return _base; }
                public void Kick() { _ring[1].Addr = Current(); }
                public void Rebase(ulong value) { _base = value; }
            }
        }
        """;

    [Fact]
    public async Task A_method_that_returns_nothing_binds_nothing_through_its_returns_and_one_whose_value_reaches_a_sink_does()
    {
        var (words, bound) = await SinkWordsAsync(Returns);
        Assert.DoesNotContain("_config", bound);
        Assert.DoesNotContain("Window", words);
        Assert.Contains("_base", bound);
        Assert.Contains("Rebase", words);
        var (lines, summarised) = await ComputeAsync(Returns);
        Assert.Contains("M:Lib.Window.Put(System.UInt64) ; bus-sink(address)", lines);
        Assert.DoesNotContain("Window..ctor", summarised);
    }

    private static async Task<CSharpCompilation> CompileAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, path: "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }

    private static async Task<(HashSet<string> Words, HashSet<string> Bound)> SinkWordsAsync(string source)
    {
        var carriers = DmaSymbols.Create(await CompileAsync(source), ImmutableArray<AdditionalText>.Empty, default).Carriers(default);
        Assert.True(carriers.UsesSinks);
        return carriers.SinkBoundNames(default);
    }

    private static async Task<(IReadOnlyList<string> Lines, HashSet<string> Summarised)> ComputeAsync(string source)
    {
        var lines = SummaryLines.Compute(await CompileAsync(source), ImmutableArray<AdditionalText>.Empty, default, out var summarised);
        return (lines, summarised.Select(method => method.ContainingType.Name + "." + method.Name).ToHashSet(StringComparer.Ordinal));
    }
}
