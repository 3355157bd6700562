using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The summary generator's word gates, asked of one member's own text where the compilation-wide names would admit it:
/// a method whose text touches a sink is asked whether a parameter reaches it only for a parameter its body binds (its
/// signature names the method itself, a sink word, and binds nothing); and of the bodies of other types that write a
/// field, only those whose text may store a physical address or device memory into it are summarised to publish what it
/// holds (a store from another type brings in nothing else the field's lines say). Checked on the lines and on the
/// bodies the summaries bound.
/// </summary>
public sealed class PerMemberGatesTests
{
    private const string Queue = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[4];

                public Queue(DmaApi dma) { _dma = dma; }

                // Touches a sink with what the API's map call gives: neither parameter comes along.
                public void Post(KBuffer buffer, int length) { var addr = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice); _ring[0].Addr = addr.Value; }

                // Look-alikes whose parameter does reach the sink: directly, and through a local.
                public void Put(ulong address) { _ring[1].Addr = address; }
                public void Kick(ulong at, int slot) { var a = at + 16; _ring[slot].Addr = a; }
            }
        }
        """;

    [Fact]
    public async Task A_method_that_touches_a_sink_with_none_of_its_parameters_is_not_summarised_and_one_whose_parameter_reaches_it_is_published()
    {
        var (lines, summarised) = await ComputeAsync(Queue);
        Assert.Contains("M:Lib.Queue.Put(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("M:Lib.Queue.Kick(System.UInt64,System.Int32) ; bus-sink(at)", lines);
        Assert.DoesNotContain(lines, line => line.Contains("Post", StringComparison.Ordinal) || line.Contains("bus-sink(slot)", StringComparison.Ordinal));
        Assert.Contains("Put", summarised);
        Assert.Contains("Kick", summarised);
        Assert.DoesNotContain("Post", summarised);
    }

    private const string Registers = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public static class Pci
            {
                [DeviceMemory] public static ulong MapBar(int index) => 0xFE000000UL + (ulong)index * 0x1000;
            }

            public struct Regs { public ulong Base; }

            public sealed class Driver
            {
                private readonly DmaApi _dma;
                private Regs _regs;

                public Driver(DmaApi dma) { _dma = dma; }

                public Regs Registers => _regs;

                // Another type's store that brings device memory into Regs.Base.
                public void Attach() { _regs.Base = Pci.MapBar(0); }

                // A look-alike: another type's store of a bus address into the same field.
                public void Remap(KBuffer buffer) { var a = _dma.MapSingle(buffer, 0, 8, DmaDirection.ToDevice); _regs.Base = a.Value; }
            }
        }
        """;

    [Fact]
    public async Task A_field_another_type_stores_device_memory_into_is_published_and_a_store_of_a_bus_address_into_it_is_not_summarised()
    {
        var (lines, summarised) = await ComputeAsync(Registers);
        Assert.Contains("F:Lib.Regs.Base ; device-memory", lines);
        Assert.Contains("Attach", summarised);
        Assert.DoesNotContain("Remap", summarised);
    }

    private static async Task<(IReadOnlyList<string> Lines, HashSet<string> Summarised)> ComputeAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, path: "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var lines = SummaryLines.Compute(compilation, ImmutableArray<AdditionalText>.Empty, default, out var summarised);
        return (lines, summarised.Select(method => method.Name).ToHashSet(StringComparer.Ordinal));
    }
}
