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
                + source + Hw + Verify<AddressProvenanceAnalyzer>.Prelude,
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
