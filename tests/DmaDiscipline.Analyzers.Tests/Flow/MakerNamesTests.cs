using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>
/// The names DMA002–DMA006's prefilter lets through besides the map and alloc names: methods, local
/// functions and delegate fields whose body names a map, or (for a few rounds) such a method, found from
/// each mention up to the declarations around it.
/// </summary>
public sealed class MakerNamesTests
{
    private const string Source = """
        using System;
        using DmaDiscipline.Runtime;

        namespace Drv
        {
            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly KBuffer _buffer;
                public Queue(DmaApi dma, KBuffer buffer) { _dma = dma; _buffer = buffer; }

                // Maps: a maker. Its caller is one in the next round, and the caller's caller after it.
                private DmaAddr MapHeader() => _dma.MapSingle(_buffer, 0, 64, DmaDirection.ToDevice);
                private DmaAddr Header() { return MapHeader(); }
                public void Post()
                {
                    var a = Header();
                    Stats();
                }

                // A local function that calls a maker is one, and so is the method around it.
                public void Refill()
                {
                    Use(Rx());
                    DmaAddr Rx() => MapHeader();
                }

                // A delegate field that maps: invoking it maps.
                private readonly Func<Queue, DmaAddr> _make = q => q._dma.MapSingle(q._buffer, 0, 64, DmaDirection.FromDevice);

                // A local function inside a lambda is not followed; the method around the lambda is.
                public void Later()
                {
                    Action run = () => { Deferred(); void Deferred() => MapHeader(); };
                    run();
                }

                // Names nothing that maps.
                private void Stats() { }
                private static void Use(DmaAddr a) { }
            }
        }
        """;

    [Fact]
    public async Task Makers_are_found_from_their_mentions_up()
    {
        var compilation = CSharpCompilation.Create("Drv", [CSharpSyntaxTree.ParseText(Source)], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var symbols = DmaSymbols.Create(compilation, [], CancellationToken.None);
        var summaries = new MappingSummaries(symbols, symbols.Names(CancellationToken.None).Mapping, CancellationToken.None);

        Assert.Equal(
            new[] { "Header", "Later", "MapHeader", "Post", "Refill", "Rx", "_make" },
            summaries.MakerNames.OrderBy(name => name, StringComparer.Ordinal));
    }

    /// <summary>
    /// Mentions nested deep, one inside the other's block: each is reached from the one before it, and still belongs to
    /// the declarations around it alone — a local function nested halfway is a maker, one inside a lambda there is not,
    /// and the method after the nesting that names no map is not.
    /// </summary>
    [Fact]
    public async Task Makers_nested_deep_are_found_as_shallow_ones()
    {
        const int Depth = 300;
        var body = new System.Text.StringBuilder();
        for (var d = 0; d < Depth; d++)
        {
            body.AppendLine($"if (n > {d}) {{ var a{d} = _dma.MapSingle(_buffer, 0, 64, DmaDirection.ToDevice);");
            if (d == Depth / 2)
            {
                body.AppendLine("DmaAddr Inner() => _dma.MapSingle(_buffer, 0, 64, DmaDirection.ToDevice);");
                body.AppendLine("Action later = () => { void InLambda() => _dma.MapSingle(_buffer, 0, 64, DmaDirection.ToDevice); };");
            }
        }

        body.Append('}', Depth);
        var source = $$"""
            using System;
            using DmaDiscipline.Runtime;

            namespace Drv
            {
                public sealed class Queue
                {
                    private readonly DmaApi _dma;
                    private readonly KBuffer _buffer;
                    public Queue(DmaApi dma, KBuffer buffer) { _dma = dma; _buffer = buffer; }

                    public void Deep(int n)
                    {
                        {{body}}
                    }

                    public void After() { }
                }
            }
            """;
        var compilation = CSharpCompilation.Create("Drv", [CSharpSyntaxTree.ParseText(source)], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var symbols = DmaSymbols.Create(compilation, [], CancellationToken.None);
        var summaries = new MappingSummaries(symbols, symbols.Names(CancellationToken.None).Mapping, CancellationToken.None);

        Assert.Equal(new[] { "Deep", "Inner" }, summaries.MakerNames.OrderBy(name => name, StringComparer.Ordinal));
    }
}
