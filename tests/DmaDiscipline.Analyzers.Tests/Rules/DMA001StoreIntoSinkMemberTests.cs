using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A physical address stored into a member that is itself a device-visible sink (a descriptor's <c>[BusAddress]</c> field)
/// is reported there, as a store into a sink; where the member's value goes afterwards is not looked for, so the bodies
/// that read the member are not summarised for it. A store into a plain member that another type's body gives to a sink is
/// still reported, through its readers.
/// </summary>
public sealed class DMA001StoreIntoSinkMemberTests
{
    private const string Source = """
        using DmaDiscipline.Runtime;

        namespace Drv
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public sealed class Holder { public ulong Next { get; set; } }

            public sealed class Ring
            {
                private readonly Desc[] _d = new Desc[4];
                private readonly Holder _holder = new Holder();

                // Into the sink itself.
                public void Raw(KBuffer buffer) { _d[0].Addr = buffer.PhysicalAddress.Value; }

                // Into a plain auto-property whose value Kick gives the sink.
                public void Keep(KBuffer buffer) { _holder.Next = buffer.PhysicalAddress.Value; }

                public void Kick() { _d[1].Addr = _holder.Next; }

                // Reads and writes the descriptor's field, with a mapped address.
                public void Post(DmaApi dma, KBuffer buffer)
                {
                    var mapped = dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice);
                    if (dma.MappingError(mapped))
                    {
                        return;
                    }

                    _d[2].Addr = mapped.Value;
                    var previous = _d[3].Addr;
                    _d[3].Addr = previous;
                }
            }
        }
        """;

    [Fact]
    public async Task Both_stores_are_reported_once_each()
    {
        var result = await AnalyzerRunner.RunAsync([("Ring.cs", Source)]);
        Assert.Empty(result.Exceptions);
        var reported = result.Diagnostics.Where(d => d.Id == "DMA001").Select(d => d.Location.SourceTree!.GetText().Lines.GetLineFromPosition(d.Location.SourceSpan.Start).ToString().Trim()).Order().ToList();
        Assert.True(reported.Count == 2, string.Join(" | ", result.Diagnostics.Select(d => d.ToString())));
        Assert.Contains(reported, line => line.Contains("public void Raw(", StringComparison.Ordinal));
        Assert.Contains(reported, line => line.Contains("public void Keep(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_readers_of_a_sink_member_are_not_summarised_for_a_store_into_it()
    {
        var summarised = await SummarisedAsync(Source, "Raw");
        Assert.DoesNotContain("Post", summarised);
        Assert.DoesNotContain("Kick", summarised);
    }

    [Fact]
    public async Task The_readers_of_a_plain_member_are_summarised_for_a_store_into_it()
    {
        var summarised = await SummarisedAsync(Source, "Keep");
        Assert.Contains("Kick", summarised);
    }

    /// <summary>The bodies the address rules summarise analysing one method (as the analyzer does, through its own entry points).</summary>
    private static async Task<HashSet<string>> SummarisedAsync(string source, string method)
    {
        var compilation = CSharpCompilation.Create("Driver", [CSharpSyntaxTree.ParseText(source, path: "Ring.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var probe = new Probe(method);
        var run = compilation.WithAnalyzers([probe], new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        Assert.DoesNotContain(await run.GetAnalyzerDiagnosticsAsync(), d => d.Id == "AD0001");
        Assert.True(probe.Analysed);
        return probe.Summarised;
    }

#pragma warning disable RS1001, RS1025, RS1026 // A test's probe.
    private sealed class Probe(string method) : DiagnosticAnalyzer
    {
        public bool Analysed;
        public HashSet<string> Summarised = new(StringComparer.Ordinal);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => new AddressProvenanceAnalyzer().SupportedDiagnostics;

        public override void Initialize(AnalysisContext context)
        {
            context.RegisterCompilationStartAction(start =>
            {
                if (AddressProvenanceAnalyzer.Prepare(start.Compilation, start.Options, start.CancellationToken) is not { } prepared)
                {
                    return;
                }

                start.RegisterCodeBlockAction(block =>
                {
                    if (block.OwningSymbol.Name != method || AddressProvenanceAnalyzer.RootToAnalyse(block, prepared.Symbols, prepared.Carriers, prepared.Summaries) is not { } root)
                    {
                        return;
                    }

                    Analysed = true;
                    if (AddressProvenanceAnalyzer.Walk(root, block.OwningSymbol, prepared.Symbols, prepared.Summaries) is null)
                    {
                        AddressProvenanceAnalyzer.OverGraphs(root, block.OwningSymbol, prepared.Symbols, prepared.Summaries, _ => { }, block.CancellationToken, null);
                    }

                    Summarised.UnionWith(prepared.Summaries.Summarised.Select(m => m.Name));
                });
            });
        }
    }
#pragma warning restore RS1001, RS1025, RS1026
}
