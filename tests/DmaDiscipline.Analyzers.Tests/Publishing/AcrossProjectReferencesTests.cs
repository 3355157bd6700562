using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// DMA001 across a project reference: the library project publishes its summaries with its assembly
/// (the summary generator), and the driver project that references it — as metadata only, as a package
/// would be — sees its wrappers, value-preserving helpers and physical sources without a symbols file.
/// </summary>
public sealed class AcrossProjectReferencesTests
{
    /// <summary>A virtio library project: a descriptor table behind wrappers, and look-alikes that are not sinks.</summary>
    private const string Library = """
        using System;
        using System.Buffers.Binary;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public struct VirtqDesc { [BusAddress] public ulong Addr; public uint Len; }

            public sealed class Virtqueue
            {
                private readonly VirtqDesc[] _desc = new VirtqDesc[8];

                // The wrapper: its physAddr reaches the descriptor's address field.
                public void SetDescriptor(int index, ulong physAddr, uint len) { _desc[index].Addr = physAddr; _desc[index].Len = len; }

                // An overload whose address is only logged.
                public void SetDescriptor(int index, ulong physAddr) => Console.WriteLine(physAddr);

                // Only logs its parameter.
                public void Trace(ulong address) => Console.WriteLine(address);

                // A store into memory the caller gives: a sink only when that memory is a device's.
                public void WriteAt(Span<ulong> slots, int index, ulong value) { slots[index] = value; }

                // A setter that stores into the table.
                public ulong QueueBase { set { _desc[0].Addr = value; } }
            }

            public sealed class Ring<T>
            {
                private readonly VirtqDesc[] _desc = new VirtqDesc[8];
                public void Post(T tag, ulong address) { _desc[0].Addr = address; }
                public void Put<TOther>(TOther tag, ulong address) { _desc[1].Addr = address; }
            }

            public abstract class Queue
            {
                public abstract void Post(ulong address);
                public virtual void Note(ulong address) => Console.WriteLine(address);
            }

            public sealed class DescQueue : Queue
            {
                private VirtqDesc _desc;
                public override void Post(ulong address) { _desc.Addr = address; }
            }

            public static class Endianness
            {
                public static ulong ToLittle(ulong value) => BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
                public static ulong Checksum(ulong value) => 42;
            }

            // A parameter type documentation ids cannot spell (a function pointer): published only under an id that names it.
            public sealed unsafe class Threads
            {
                private VirtqDesc _desc;
                public void* Start(delegate*<void> entry, ulong stack) { _desc.Addr = stack; return null; }
            }

            public static class Env
            {
                public static ulong PhysOf(KBuffer buffer) => buffer.PhysicalAddress.Value + 0;
            }
        }
        """;

    private static readonly Lazy<Task<LibraryAssembly.Built>> Built = new(() => LibraryAssembly.BuildAsync(Library));

    private static async Task Check(string source, string? symbolsFile = null, params DiagnosticResult[] expected) =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            source,
            symbolsFile is null ? [] : [("DmaDiscipline.txt", symbolsFile)],
            [(await Built.Value).Reference],
            expected);

    [Theory]
    [InlineData("q.SetDescriptor(0, {|DMA001:buf.PhysicalAddress.Value|}, 64);")]
    [InlineData("var phys = buf.PhysicalAddress.Value + 16; q.SetDescriptor(1, {|DMA001:phys|}, (uint)buf.Length);")]
    [InlineData("q.QueueBase = {|DMA001:buf.PhysicalAddress.Value|};")]
    [InlineData("new Lib.Ring<string>().Post(\"rx\", {|DMA001:buf.PhysicalAddress.Value|});")]
    [InlineData("new Lib.Ring<int>().Put(\"rx\", {|DMA001:buf.PhysicalAddress.Value|});")]
    [InlineData("queue.Post({|DMA001:buf.PhysicalAddress.Value|});")]
    [InlineData("regs.QueueDesc = {|DMA001:Lib.Endianness.ToLittle(buf.PhysicalAddress.Value)|};")]
    [InlineData("regs.QueueDesc = {|DMA001:Lib.Env.PhysOf(buf)|};")]
    [InlineData("q.SetDescriptor(0, {|DMA001:Lib.Endianness.ToLittle(Lib.Env.PhysOf(buf))|}, 64);")]
    public Task A_wrapper_helper_or_source_of_the_referenced_project_is_followed(string body) =>
        Check("class D { void F(KBuffer buf, Lib.Virtqueue q, Lib.Queue queue, Regs regs) { " + body + " } }");

    [Theory]
    // A hard-coded base plus an index-scaled offset through the referenced project's wrappers, as through the project's own.
    [InlineData("for (var i = 0UL; i < 4; i++) q.QueueBase = {|DMA008:0x00400000UL + 0x400UL * i|};")]
    [InlineData("for (var i = 0UL; i < 4; i++) q.SetDescriptor(0, {|DMA008:0x00400000UL + 0x400UL * i|}, 64);")]
    public Task An_indexed_constant_address_through_a_wrapper_of_the_referenced_project(string body) =>
        Check("class D { void F(Lib.Virtqueue q) { " + body + " } }");

    [Theory]
    [InlineData("q.SetDescriptor(0, buf.PhysicalAddress.Value);")]                      // the overload that only logs
    [InlineData("q.Trace(buf.PhysicalAddress.Value);")]                                 // only logs
    [InlineData("q.WriteAt(new ulong[4], 0, buf.PhysicalAddress.Value);")]              // ordinary memory: not a sink
    [InlineData("queue.Note(buf.PhysicalAddress.Value);")]                              // a virtual that only logs
    [InlineData("regs.QueueDesc = Lib.Endianness.Checksum(buf.PhysicalAddress.Value);")] // returns nothing of its argument
    [InlineData("q.SetDescriptor(0, (ulong)buf.Length, 64);")]                          // a length, not an address
    [InlineData("Log.Value(Lib.Env.PhysOf(buf));")]                                     // a physical address given to no sink
    [InlineData("q.QueueBase = 0x00400000; q.SetDescriptor(0, 0xFFFFFFFF, 64);")]       // bare constants through wrappers: commands as often as addresses
    public Task Look_alikes_in_the_referenced_project_are_not_reported(string body) =>
        Check("class D { void F(KBuffer buf, Lib.Virtqueue q, Lib.Queue queue, Regs regs) { " + body + " } }");

    [Theory]
    // The line names 'len' the sink: the summary's 'physAddr' is not read for that method.
    [InlineData("q.SetDescriptor(0, buf.PhysicalAddress.Value, 64);")]
    [InlineData("q.SetDescriptor(0, 0, {|DMA001:(uint)buf.PhysicalAddress.Value|});")]
    // Other members' summaries still are.
    [InlineData("q.QueueBase = {|DMA001:buf.PhysicalAddress.Value|};")]
    public Task A_symbols_file_line_wins_over_the_published_summary_of_its_member(string body) =>
        Check(
            "class D { void F(KBuffer buf, Lib.Virtqueue q) { " + body + " } }",
            "M:Lib.Virtqueue.SetDescriptor(System.Int32,System.UInt64,System.UInt32) ; bus-sink(len)\n");

    [Fact]
    public async Task Every_published_line_names_its_member_in_the_referencing_project() =>
        await Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [], [(await Built.Value).Reference]);

    [Fact]
    public async Task The_library_publishes_its_summary_lines_and_nothing_of_its_look_alikes()
    {
        var built = await Built.Value;
        Assert.Empty(built.GeneratorDiagnostics);
        string[] expected =
        [
            "M:Lib.DescQueue.Post(System.UInt64) ; bus-sink(address)",
            "M:Lib.Endianness.ToLittle(System.UInt64) ; value-preserving",
            "M:Lib.Env.PhysOf(DmaDiscipline.Runtime.KBuffer) ; physical-source",
            "M:Lib.Queue.Post(System.UInt64) ; bus-sink(address)",
            "M:Lib.Ring`1.Post(`0,System.UInt64) ; bus-sink(address)",
            "M:Lib.Ring`1.Put``1(``0,System.UInt64) ; bus-sink(address)",
            "M:Lib.Virtqueue.SetDescriptor(System.Int32,System.UInt64,System.UInt32) ; bus-sink(physAddr)",
            "P:Lib.Virtqueue.QueueBase ; bus-sink",
        ];
        var published = built.Generated.Split('\n')
            .Where(line => line.Contains("\"DmaDiscipline.Summary\"", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(", \"", StringComparison.Ordinal) + 3)..line.LastIndexOf('"')])
            .ToArray();
        Assert.Equal(expected, published);
        Assert.Contains("\"DmaDiscipline.SummaryFormat\", \"1\"", built.Generated, StringComparison.Ordinal);
    }
}
