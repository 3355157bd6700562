using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// Asking whether a parameter reaches a device-visible sink, the summary generator follows a value into a callee only
/// where the callee's word is one of the sink words, into a field only where the field is a bound name (both read from
/// the text), and into a call on a block kept in a field only where a body the call may run names a physical-source
/// member: a wrapper found through a chain of callees, an interface, a setter, a constructor or a block is still
/// published, and a callee or field the words rule out is not bound — checked on the bodies the summaries bound.
/// </summary>
public sealed class SinkPathGatesTests
{
    private const string Chains = """
        using System;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; public uint Len; }

            public interface IRing { void Put(ulong address); }

            public sealed class Ring : IRing
            {
                private readonly Desc[] _d = new Desc[8];
                public void Put(ulong address) { _d[0].Addr = address; }
            }

            public sealed class Slot
            {
                private static readonly Desc[] Table = new Desc[8];
                public Slot(ulong address) { Table[1].Addr = address; }
            }

            public sealed class Driver
            {
                private readonly Desc[] _ring = new Desc[8];
                private readonly IRing _queue = new Ring();
                private ulong _next;
                private ulong _total;
                private ulong _seen;

                // A chain of two wrappers into the sink.
                public void Submit(ulong address) { Stage(address + 64); }
                private void Stage(ulong staged) { Write(staged); }
                private void Write(ulong value) { _ring[0].Addr = value; }

                // Through an interface, a setter and a constructor.
                public void Enqueue(ulong address) { _queue.Put(address); }
                public ulong Next { get => _next; set { _next = value; _ring[1].Addr = value; } }
                public void Advance(ulong address) { Next = address; }
                public Slot Make(ulong address) => new Slot(address);

                // Look-alikes: the argument is counted, by a callee and into a field, and never reaches the sink, though
                // the body uses the sink with a value of its own (only an offset of the argument: its words bind it, so the
                // body is asked) and the callee names the ring.
                public void Tally(ulong length) { Count(length); _seen += length; _ring[2].Addr = length & 0xF; }
                private void Count(ulong value) { _total += value; if (_ring.Length == 0) return; }
                public string Show() => "total=" + _total;
                public string Peek() => "seen=" + _seen;
            }
        }
        """;

    [Fact]
    public async Task A_wrapper_is_published_through_a_chain_of_callees_an_interface_a_setter_and_a_constructor()
    {
        var (lines, _) = await ComputeAsync(Chains);
        Assert.Contains("M:Lib.Driver.Submit(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("M:Lib.Driver.Enqueue(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("M:Lib.Driver.Advance(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("M:Lib.Driver.Make(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("P:Lib.Driver.Next ; bus-sink", lines);
        Assert.Contains("M:Lib.Ring.Put(System.UInt64) ; bus-sink(address)", lines);
        Assert.Contains("M:Lib.Slot.#ctor(System.UInt64) ; bus-sink(address)", lines);
        Assert.DoesNotContain(lines, line => line.Contains("Tally", StringComparison.Ordinal) || line.Contains("Count", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_callee_or_a_field_whose_word_reaches_no_sink_is_not_followed_nor_are_the_readers_of_what_it_stores_bound()
    {
        var (_, bound) = await ComputeAsync(Chains);
        Assert.Contains("Tally", bound);
        Assert.Contains("Stage", bound);
        Assert.DoesNotContain("Count", bound);
        Assert.DoesNotContain("Show", bound);
        Assert.DoesNotContain("Peek", bound);
    }

    private const string Blocks = """
        using System;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct Desc { [BusAddress] public ulong Addr; }

            public unsafe sealed class Block
            {
                [PhysicalAddressSource] public ulong Offset;
                private ulong _used;

                // Stores into the memory its own physical address addresses.
                public void Store64(uint at, ulong value) { *(ulong*)(Offset + at) = value; }

                // A look-alike: keeps the value in a field of its own, naming no physical-source member (a comment names the sink).
                public void Note(ulong value) { _used = value; /* for the CPU, never a descriptor's Addr */ }
            }

            public sealed class Device
            {
                private readonly Desc[] _ring = new Desc[4];
                private readonly Block _commands = new Block();

                // The block is one the device reads: its own address goes into a descriptor.
                public void Attach() { _ring[0].Addr = _commands.Offset; }

                // The same argument is also given to a call on the block that keeps it for the CPU.
                public void Command(ulong argument) { _commands.Note(argument); _commands.Store64(8, argument); }
            }
        }
        """;

    [Fact]
    public async Task A_call_that_stores_into_a_device_visible_block_is_published_and_one_naming_no_physical_source_member_is_not_followed()
    {
        var (lines, bound) = await ComputeAsync(Blocks);
        Assert.Contains("M:Lib.Device.Command(System.UInt64) ; bus-sink(argument)", lines);
        Assert.DoesNotContain(lines, line => line.Contains("Note", StringComparison.Ordinal));
        Assert.Contains("Store64", bound);
        Assert.DoesNotContain("Note", bound);
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
