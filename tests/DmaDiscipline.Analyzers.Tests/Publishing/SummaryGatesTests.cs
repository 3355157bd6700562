using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The summary generator asks a member what it holds, returns or gives a sink only where the text allows it
/// (the content names and the sink-bound names, read from declarations without binding): a member found
/// through a chain of others is still published, and a body that names nothing of the kind is not bound —
/// checked on the bodies the summaries bound, not on timings.
/// </summary>
public sealed class SummaryGatesTests
{
    private const string Holder = """
        using System;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public sealed class Holder
            {
                public ulong Address;
                public ulong Count;
                public ulong Label;
                private ulong _raw;

                public void Take(KBuffer buffer) { _raw = buffer.PhysicalAddress.Value; }

                // The chain: Address <- a local <- Raw() <- _raw <- a physical source.
                private ulong Raw() => _raw;
                public void Keep() { var a = Raw(); Address = a + 16; }

                // Look-alikes: a count from a parameter, and a label next to the name of a carrier only in a string and a comment.
                public void Tally(int n) { Count = (ulong)n * 2; }
                public void Name() { Label = 7; Console.WriteLine("Raw"); /* Raw() */ }
            }
        }
        """;

    [Fact]
    public async Task A_field_assigned_through_a_chain_of_two_members_is_published_as_holding_a_physical_address()
    {
        var (lines, _) = await ComputeAsync(Holder);
        Assert.Contains("F:Lib.Holder.Address ; physical-source", lines);
        Assert.DoesNotContain(lines, line => line.Contains("Count", StringComparison.Ordinal) || line.Contains("Label", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_that_names_no_carrier_is_not_bound_to_find_what_a_field_holds()
    {
        var (_, bound) = await ComputeAsync(Holder);
        Assert.Contains("Keep", bound);
        Assert.Contains("Raw", bound);
        Assert.DoesNotContain("Tally", bound);
        Assert.DoesNotContain("Name", bound);
    }

    private const string Queue = """
        using System;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong BufferAddress; }

            public sealed class Ring
            {
                private readonly Desc[] _d = new Desc[4];
                public ulong Next;
                public ulong Seen;

                // The chain: Next -> a local -> Put(a) -> Desc.BufferAddress.
                public void Push() { var v = Next; Put(v); }
                private void Put(ulong a) { _d[0].BufferAddress = a; }

                // A look-alike: a field only logged, by a body that also uses the sink (with a value of its own).
                public void Show() { _d[0].BufferAddress = 0; Console.WriteLine(Seen); }
            }
        }
        """;

    [Fact]
    public async Task A_field_whose_value_reaches_a_sink_through_a_chain_of_two_members_is_published_as_a_sink()
    {
        var (lines, _) = await ComputeAsync(Queue);
        Assert.Contains("F:Lib.Ring.Next ; bus-sink", lines);
        Assert.DoesNotContain(lines, line => line.Contains("Seen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reader_of_a_field_whose_value_reaches_no_sink_is_not_bound()
    {
        var (_, bound) = await ComputeAsync(Queue);
        Assert.Contains("Push", bound);
        Assert.DoesNotContain("Show", bound);
    }

    private const string Block = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public unsafe sealed class Block
            {
                [PhysicalAddressSource] public ulong Offset;

                // Stores into the memory its own physical address addresses: a sink on a block the device reads.
                public void Store32(uint at, uint value) { *(uint*)(Offset + at) = value; }

                // A look-alike: it stores through a pointer too, but names no physical-source member: it cannot store into
                // its receiver's memory (that memory is what such a member of this, read in the body, addresses).
                public void Fill(ulong address, uint value) { *(uint*)address = value; }
            }
        }
        """;

    [Fact]
    public async Task Only_a_method_naming_a_physical_source_member_is_asked_whether_it_stores_into_its_receiver()
    {
        var (lines, bound) = await ComputeAsync(Block);
        Assert.Equal(["M:Lib.Block.Store32(System.UInt32,System.UInt32) ; receiver-sink(value)"], lines.Where(line => line.Contains("Block.", StringComparison.Ordinal)));
        Assert.Contains("Store32", bound);
        Assert.DoesNotContain("Fill", bound);
    }

    private static async Task<(IReadOnlyList<string> Lines, HashSet<string> Bound)> ComputeAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, path: "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var lines = SummaryLines.Compute(compilation, ImmutableArray<AdditionalText>.Empty, default, out var summarised);
        return (lines, summarised.Select(method => method.Name).ToHashSet(StringComparer.Ordinal));
    }
}
