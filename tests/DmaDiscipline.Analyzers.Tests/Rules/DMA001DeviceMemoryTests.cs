using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 into device memory: memory a device reads (a coherent region, an MMIO BAR mapping, a
/// descriptor ring) is a sink for every store through it or through anything derived from it, and
/// device memory given to a helper makes the helper's stores through it sinks.
/// </summary>
public sealed class DMA001DeviceMemoryTests
{
    private const string Hw = """
        namespace Hw
        {
            public struct RawDesc { public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
            public static unsafe class Pci { public static byte* MapBar(int index) => null; }
        }

        """;

    private static Task Check(string source, string? symbols = null)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings
                + "using System.Buffers.Binary;\nusing System.Runtime.InteropServices;\nusing System.Threading;\nusing Hw;\n"
                + source + Hw + Verify<AddressProvenanceAnalyzer>.PreludeFor(source + Hw),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        if (symbols is not null)
        {
            test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", symbols));
        }

        return test.RunAsync();
    }

    [Theory]
    // The runtime's coherent memory, out of the box.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf) { var ring = dma.AllocCoherent(4096); BinaryPrimitives.WriteUInt64LittleEndian(ring.Span, {|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(KBuffer buf, int i) { BinaryPrimitives.WriteUInt64LittleEndian(_ring.Span.Slice(16 * i), {|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    [InlineData("""
        class D { void F(CoherentBuffer ring, KBuffer buf) { var descs = MemoryMarshal.Cast<byte, RawDesc>(ring.Span); descs[0].Addr = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    // A pointer pinned over coherent memory's span.
    [InlineData("""
        unsafe class D { private CoherentBuffer _ring = null!; void F(KBuffer buf) { fixed (byte* p = _ring.Span) { *(ulong*)(p + 16) = {|DMA001:buf.PhysicalAddress.Value|}; } } }
        """)]
    // The bytes of an address copied into coherent memory (an array's CopyTo, the receiver reported).
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(KBuffer buf) { {|DMA001:BitConverter.GetBytes(buf.PhysicalAddress.Value)|}.CopyTo(_ring.Span.Slice(8)); } }
        """)]
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(KBuffer buf) { var bytes = BitConverter.GetBytes(buf.PhysicalAddress.Value + 64); {|DMA001:bytes.AsSpan()|}.TryCopyTo(_ring.Span); } }
        """)]
    // BitConverter's store into a span.
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(KBuffer buf) { BitConverter.TryWriteBytes(_ring.Span.Slice(8), {|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    // A BAR mapping marked by attribute, stored through at an offset.
    [InlineData("""
        unsafe class D { [DeviceMemory] private byte* _bar; void F(KBuffer buf) { *(ulong*)(_bar + 0x20) = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    // A descriptor ring: element of a struct pointer, and a member through a pointer.
    [InlineData("""
        unsafe class D { void F([DeviceMemory] RawDesc* ring, KBuffer buf, int i) { ring[i].Addr = {|DMA001:buf.PhysicalAddress.Value|}; (ring + i)->Len = 64; } }
        """)]
    [InlineData("""
        unsafe class D { void F([DeviceMemory] RawDesc* ring, KBuffer buf) { var d = ring + 3; d->Addr = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    // The framework's store calls.
    [InlineData("""
        unsafe class D { void F([DeviceMemory] RawDesc* desc, KBuffer buf) { Volatile.Write(ref desc->Addr, {|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    [InlineData("""
        class D { void F([DeviceMemory] IntPtr bar, KBuffer buf) { Marshal.WriteInt64(bar, 0x10, {|DMA001:(long)buf.PhysicalAddress.Value|}); } }
        """)]
    // A helper given a ring address: its store through the parameter is a sink for its value.
    [InlineData("""
        unsafe class D
        {
            [DeviceMemory] private ulong _ringBase;
            static void WriteDesc(ulong descAddr, ulong value) { *(ulong*)descAddr = value; }
            void F(KBuffer buf, int i) { WriteDesc(_ringBase + (ulong)(16 * i), {|DMA001:buf.PhysicalAddress.Value|}); }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Fact]
    public Task A_BAR_mapping_named_in_the_symbols_file_through_a_field_set_in_the_constructor() => Check("""
        unsafe class Nic
        {
            private readonly byte* _bar;
            public Nic() { _bar = Pci.MapBar(0); }
            void Start(KBuffer rx) { *(ulong*)(_bar + 0x2800) = {|DMA001:rx.PhysicalAddress.Value|}; *(uint*)(_bar + 0x2808) = (uint)rx.Length; }
        }
        """, "M:Hw.Pci.MapBar(System.Int32) ; device-memory");

    /// <summary>A hardware structure named <c>T:… ; device-memory</c>: the memory a pointer to it addresses is the device's.</summary>
    private const string HardwareStructures = "T:Hw.RawDesc ; device-memory";

    [Theory]
    // Through a pointer to the structure: a field, an element, the pointer kept in a field, and a wrapper's setter that stores through it.
    [InlineData("unsafe class D { void F(RawDesc* td, KBuffer buf) { td->Addr = {|DMA001:buf.PhysicalAddress.Value|}; } }")]
    [InlineData("unsafe class D { void F(RawDesc* ring, KBuffer buf, int i) { ring[i].Addr = {|DMA001:buf.PhysicalAddress.Value|}; (*ring).Len = 64; } }")]
    [InlineData("""
        unsafe class Td
        {
            private RawDesc* _td;
            public ulong Buffer { set { _td->Addr = (_td->Addr & 0xFFFUL) | (value & ~0xFFFUL); } }
        }
        class D { void F(Td td, KBuffer buf) { td.Buffer = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    public Task A_configured_hardware_structure_is_device_memory_through_a_pointer(string source) => Check(source, HardwareStructures);

    [Theory]
    // The same shape, not configured.
    [InlineData("unsafe struct Other { public ulong Addr; } unsafe class D { void F(Other* td, KBuffer buf) { td->Addr = buf.PhysicalAddress.Value; } }")]
    // A configured structure given a length, a flag and a virtual address.
    [InlineData("unsafe class D { void F(RawDesc* td, KBuffer buf, byte* virt) { td->Len = (uint)buf.Length; td->Flags = 1; td->Addr = (ulong)virt; } }")]
    // A pointer to a pointer to the structure: a table of the driver's own pointers, not the structure.
    [InlineData("unsafe class D { void F(RawDesc** table, KBuffer buf) { *(ulong*)table = buf.PhysicalAddress.Value; } }")]
    public Task A_configured_hardware_structure_look_alikes_stay_quiet(string source) => Check(source, HardwareStructures);

    [Theory]
    // A KBuffer's own bytes are not device memory.
    [InlineData("""
        class D { void F(KBuffer buf, KBuffer table) { BinaryPrimitives.WriteUInt64LittleEndian(table.Span, buf.PhysicalAddress.Value); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, KBuffer table) { BitConverter.TryWriteBytes(table.Span, buf.PhysicalAddress.Value); } }
        """)]
    // The bytes of a length, of a mapping; an address's bytes copied into ordinary memory.
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(KBuffer buf) { BitConverter.GetBytes((ulong)buf.Length).CopyTo(_ring.Span); } }
        """)]
    [InlineData("""
        class D { private CoherentBuffer _ring = null!; void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; BitConverter.GetBytes(a.Value).CopyTo(_ring.Span); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, KBuffer table) { BitConverter.GetBytes(buf.PhysicalAddress.Value).CopyTo(table.Span); } }
        """)]
    [InlineData("""
        unsafe class D { void F(KBuffer buf, KBuffer table) { fixed (byte* p = table.Span) { *(ulong*)(p + 16) = buf.PhysicalAddress.Value; } } }
        """)]
    // A pointer pinned over an array of physical addresses is the array's address, not one of them.
    [InlineData("""
        unsafe class D { void F(KBuffer buf, Regs regs) { var pages = new ulong[] { buf.PhysicalAddress.Value }; fixed (ulong* p = pages) { regs.QueueDesc = (ulong)p; } } }
        """)]
    // Coherent memory given a bus address.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf, CoherentBuffer ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; BinaryPrimitives.WriteUInt64LittleEndian(ring.Span, a.Value); } }
        """)]
    // Ordinary memory through a pointer.
    [InlineData("""
        unsafe class D { void F(byte* scratch, KBuffer buf) { *(ulong*)scratch = buf.PhysicalAddress.Value; } }
        """)]
    // The helper given ordinary memory.
    [InlineData("""
        unsafe class D
        {
            static void WriteDesc(ulong descAddr, ulong value) { *(ulong*)descAddr = value; }
            void F(KBuffer buf, ulong scratch) { WriteDesc(scratch, buf.PhysicalAddress.Value); }
        }
        """)]
    // Device memory given a length, and a value read out of it.
    [InlineData("""
        unsafe class D { [DeviceMemory] private byte* _bar; void F(KBuffer buf) { *(uint*)(_bar + 8) = (uint)buf.Length; Log.Value(*(ulong*)(_bar + 16)); } }
        """)]
    // The physical address stored into the driver's own bookkeeping beside device memory.
    [InlineData("""
        unsafe class D { [DeviceMemory] private RawDesc* _ring; private readonly ulong[] _phys = new ulong[8]; void F(KBuffer buf) { _phys[0] = buf.PhysicalAddress.Value; _ring[0].Len = 64; } }
        """)]
    public Task NotReported(string source) => Check(source);
}
