using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 through a view of device memory: a reference into device memory (a <c>ref</c> local from
/// <c>MemoryMarshal.AsRef</c>, <c>Unsafe.As</c>, <c>ref span[i]</c>, or the call itself) is device memory,
/// so a member store, or a whole store, through it is a device-visible store.
/// </summary>
public sealed class DMA001StructViewTests
{
    private const string Hw = """
        namespace Hw
        {
            [StructLayout(LayoutKind.Sequential)] public struct RawDesc { public ulong Addr; public uint Len; public uint Flags; }
        }

        """;

    private static Task Check(string source)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings
                + "using System.Runtime.CompilerServices;\nusing System.Runtime.InteropServices;\nusing Hw;\n"
                + source + Hw + Verify<AddressProvenanceAnalyzer>.PreludeFor(source + Hw),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        return test.RunAsync();
    }

    [Theory]
    // A reference into coherent memory, then a member store through it.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { ref var d = ref MemoryMarshal.AsRef<RawDesc>(_descs.Span.Slice(48)); d.Addr = {|DMA001:b.PhysicalAddress.Value|}; d.Len = 64; } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { Unsafe.As<byte, RawDesc>(ref _descs.Span[0]).Addr = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b, int i) { var span = _descs.Span; MemoryMarshal.Cast<byte, RawDesc>(span)[i].Addr = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b, int i) { var ring = MemoryMarshal.Cast<byte, RawDesc>(_descs.Span); ref var d = ref ring[i]; d.Addr = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    // A whole value stored through the reference.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { ref var slot = ref MemoryMarshal.AsRef<ulong>(_descs.Span.Slice(8)); slot = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { MemoryMarshal.AsRef<ulong>(_descs.Span) = {|DMA001:b.PhysicalAddress.Value|}; } }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // A struct built on the stack with a physical address in a member, then written whole into device memory (X3).
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { var d = new RawDesc { Addr = b.PhysicalAddress.Value, Len = 64 }; MemoryMarshal.Write(_descs.Span, in {|DMA001:d|}); } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b, int i) { var d = new RawDesc(); d.Addr = b.PhysicalAddress.Value; d.Len = 64; var ring = MemoryMarshal.Cast<byte, RawDesc>(_descs.Span); ring[i] = {|DMA001:d|}; } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { RawDesc d = default; d.Len = 64; d.Addr = b.PhysicalAddress.Value; MemoryMarshal.Write(_descs.Span.Slice(16), ref {|DMA001:d|}); } }
        """)]
    [InlineData("""
        unsafe class D { [DeviceMemory] private byte* _ring; void F(KBuffer b, int i) { var d = new RawDesc { Addr = b.PhysicalAddress.Value, Len = 64 }; *(RawDesc*)(_ring + 16 * i) = {|DMA001:d|}; } }
        """)]
    [InlineData("""
        unsafe class D { [DeviceMemory] private byte* _ring; void F(KBuffer b) { var d = new RawDesc { Len = 64 }; d.Addr = b.PhysicalAddress.Value; Unsafe.Write(_ring, {|DMA001:d|}); } }
        """)]
    // Chosen on one path only: the stored struct may hold the physical address.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b, bool quick) { var d = new RawDesc { Len = 64 }; if (quick) d.Addr = b.PhysicalAddress.Value; else d.Addr = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice).Value; MemoryMarshal.Write(_descs.Span, in {|DMA001:d|}); } }
        """)]
    public Task Struct_built_on_the_stack_then_written_whole_reported(string source) => Check(source);

    [Theory]
    // The member that holds the physical address is overwritten with the mapping before the store.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b) { var d = new RawDesc { Addr = b.PhysicalAddress.Value, Len = 64 }; var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); d.Addr = a.Value; MemoryMarshal.Write(_descs.Span, in d); } }
        """)]
    // The physical address is in the struct, but the struct is written into ordinary memory.
    [InlineData("""
        class D { void F(KBuffer b) { var scratch = new byte[64]; var d = new RawDesc { Addr = b.PhysicalAddress.Value, Len = 64 }; MemoryMarshal.Write(scratch, in d); } }
        """)]
    // Only the length of the buffer goes into the struct written to the device.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b, int i) { var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; var d = new RawDesc { Addr = a.Value, Len = (uint)b.Length }; var ring = MemoryMarshal.Cast<byte, RawDesc>(_descs.Span); ring[i] = d; Log.Value(b.PhysicalAddress.Value); } }
        """)]
    // Another struct local holds the physical address; the one written holds the mapping.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b) { var shadow = new RawDesc { Addr = b.PhysicalAddress.Value }; var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); var d = new RawDesc { Addr = a.Value, Len = 64 }; MemoryMarshal.Write(_descs.Span, in d); Log.Value(shadow.Addr); } }
        """)]
    public Task Struct_built_on_the_stack_look_alikes_stay_quiet(string source) => Check(source);

    [Theory]
    // A mapped bus address is what the device should get.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; var d = new RawDesc { Addr = a.Value, Len = 64 }; MemoryMarshal.Write(_descs.Span, in d); } }
        """)]
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(DmaApi dma, KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; ref var d = ref MemoryMarshal.AsRef<RawDesc>(_descs.Span); d.Addr = a.Value; } }
        """)]
    // A reference into ordinary memory.
    [InlineData("""
        class D { void F(KBuffer b) { Span<byte> scratch = stackalloc byte[64]; ref var d = ref MemoryMarshal.AsRef<RawDesc>(scratch); d.Addr = b.PhysicalAddress.Value; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer b) { var bytes = new byte[64]; Unsafe.As<byte, RawDesc>(ref bytes[0]).Addr = b.PhysicalAddress.Value; } }
        """)]
    // A ref local re-bound to ordinary memory before the store.
    [InlineData("""
        class D { CoherentBuffer _descs = null!; void F(KBuffer b) { var bytes = new byte[16]; ref var d = ref MemoryMarshal.AsRef<RawDesc>(_descs.Span); d = ref MemoryMarshal.AsRef<RawDesc>(bytes); d.Addr = b.PhysicalAddress.Value; } }
        """)]
    public Task NotReported(string source) => Check(source);
}
