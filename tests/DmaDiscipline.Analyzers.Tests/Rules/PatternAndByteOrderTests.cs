using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Two ways modern driver code carries an address that the flow follows like an assignment or a conversion: a local a
/// pattern declares holds what it matches (<c>o is ulong pa</c>, <c>o is KBuffer { PhysicalAddress.Value: var pa }</c>,
/// <c>is not … pa</c>, a switch statement's case pattern), and the framework's byte-order conversions are the same
/// address in the other order (<c>BinaryPrimitives.ReverseEndianness</c>, <c>IPAddress.HostToNetworkOrder</c>: what a
/// big-endian device is given, Linux's <c>cpu_to_be64</c>). Look-alikes: a pattern that declares another member (the
/// length), one that only tests, a byte-swapped length.
/// </summary>
public sealed class PatternAndByteOrderTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    [Theory]
    [InlineData("class D { void F(Regs regs, object o) { if (o is KBuffer { PhysicalAddress.Value: var pa }) regs.QueueDesc = {|DMA001:pa|}; } }")]
    [InlineData("class D { void F(Regs regs, object o) { if (o is KBuffer { PhysicalAddress: { Value: var pa } }) regs.QueueDesc = {|DMA001:pa|}; } }")]
    [InlineData("class D { void F(Regs regs, object o) { if (o is KBuffer { Length: > 0, PhysicalAddress: var p }) regs.QueueDesc = {|DMA001:p.Value|}; } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { object boxed = buf.PhysicalAddress.Value; if (boxed is ulong pa) regs.Doorbell({|DMA001:pa|}); } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { object boxed = buf.PhysicalAddress.Value; if (boxed is not ulong pa) return; regs.Doorbell({|DMA001:pa|}); } }")]
    [InlineData("class D { void F(Regs regs, object o) { switch (o) { case KBuffer { PhysicalAddress.Value: var pa }: regs.QueueDesc = {|DMA001:pa|}; break; } } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { regs.QueueDesc = {|DMA001:System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(buf.PhysicalAddress.Value)|}; } }")]
    [InlineData("class D { void F(Desc[] ring, KBuffer buf) { var be = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(buf.PhysicalAddress.Value + 0x40); ring[0].Addr = {|DMA001:be|}; } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { regs.QueueDesc = {|DMA001:(ulong)System.Net.IPAddress.HostToNetworkOrder((long)buf.PhysicalAddress.Value)|}; } }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    [InlineData("class D { void F(Regs regs, object o) { if (o is KBuffer { Length: var len, PhysicalAddress.Value: > 0 }) regs.QueueDesc = (ulong)len; } }")]
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf, object o) { var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) return; if (o is KBuffer { PhysicalAddress.Value: > 0x1000 }) regs.QueueDesc = m.Value; } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { regs.QueueDesc = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ulong)buf.Length); } }")]
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf) { var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) return; regs.QueueDesc = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(m.Value); } }")]
    public Task Not_reported(string source) => Check(source);
}
