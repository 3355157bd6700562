using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA008 for a bus address rebuilt from a value read back from device-visible memory (a completion entry,
/// a descriptor the device may rewrite): the device chose that number, not the DMA API. Unmapping or syncing it
/// trusts the device with the driver's own bookkeeping — why virtio keeps its own copy of each descriptor's
/// address (<c>desc_extra</c>) instead of reading it back from the ring. The look-alikes keep a shadow copy,
/// read a status word, or read ordinary memory.
/// </summary>
public sealed class DMA008DeviceWrittenTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer("using System.Buffers.Binary; using System.Runtime.InteropServices; " + source);

    private static string Driver(string statements, string members = "") =>
        "unsafe class Nvme { private readonly DmaApi _dma; private readonly CoherentBuffer _cq; private readonly ulong[] _shadow = new ulong[64]; "
        + "Nvme(DmaApi dma) { _dma = dma; _cq = dma.AllocCoherent(4096); } "
        + "void Complete(int head, int len, KBuffer buf, IRing ring) { " + statements + " } " + members + " }";

    [Theory]
    [InlineData("ulong raw = BinaryPrimitives.ReadUInt64LittleEndian(_cq.Span.Slice(head * 16, 8)); _dma.UnmapSingle({|DMA008:new DmaAddr(raw)|}, len, DmaDirection.FromDevice);")]
    [InlineData("var s = _cq.Span; var raw = MemoryMarshal.Read<ulong>(s.Slice(head * 16)); _dma.SyncForCpu({|DMA008:new DmaAddr(raw)|}, len, DmaDirection.FromDevice);")]
    // Two halves of a completion entry put together.
    [InlineData("var lo = BinaryPrimitives.ReadUInt32LittleEndian(_cq.Span.Slice(head * 16)); var hi = BinaryPrimitives.ReadUInt32LittleEndian(_cq.Span.Slice(head * 16 + 4)); var a = new DmaAddr(lo | ((ulong)hi << 32)); _dma.UnmapSingle({|DMA008:a|}, len, DmaDirection.FromDevice);")]
    // Given back to the device.
    [InlineData("ring.Post({|DMA008:new DmaAddr(BinaryPrimitives.ReadUInt64LittleEndian(_cq.Span))|}, len);")]
    [InlineData("ring.Post({|DMA008:new DmaAddr(BitConverter.ToUInt64(_cq.Span))|}, len);")]
    // Read by a helper of the driver.
    [InlineData("_dma.UnmapSingle({|DMA008:new DmaAddr(Entry(head))|}, len, DmaDirection.FromDevice);", "ulong Entry(int i) => BinaryPrimitives.ReadUInt64LittleEndian(_cq.Span.Slice(i * 16, 8));")]
    // Read by a helper that is given the memory (a span parameter): the device's where the caller gives device memory.
    [InlineData("_dma.UnmapSingle({|DMA008:new DmaAddr(At(_cq.Span, head))|}, len, DmaDirection.FromDevice);", AtHelper)]
    [InlineData("var raw = At(_cq.Span.Slice(64), head); _dma.SyncForCpu({|DMA008:new DmaAddr(raw)|}, len, DmaDirection.FromDevice);", AtHelper)]
    public Task Reported(string statements, string members = "") => Check(Driver(statements, members));

    private const string AtHelper = "static ulong At(ReadOnlySpan<byte> s, int i) => BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(i * 16, 8));";

    [Theory]
    // The driver's own copy of the address it mapped.
    [InlineData("_dma.UnmapSingle(new DmaAddr(_shadow[head]), len, DmaDirection.FromDevice);")]
    // A status word from the completion entry, a length: not made into a bus address.
    [InlineData("var status = BinaryPrimitives.ReadUInt16LittleEndian(_cq.Span.Slice(head * 16 + 14)); if ((status & 1) == 0) return; _dma.UnmapSingle(new DmaAddr(_shadow[head]), len, DmaDirection.FromDevice);")]
    // Read from ordinary memory (not device-visible): not known to be the device's.
    [InlineData("var raw = BinaryPrimitives.ReadUInt64LittleEndian(buf.Span); _dma.UnmapSingle(new DmaAddr(raw), len, DmaDirection.FromDevice);")]
    [InlineData("var raw = BitConverter.ToUInt64(buf.Span); _dma.UnmapSingle(new DmaAddr(raw), len, DmaDirection.FromDevice);")]
    // An offset into a real mapping read from the device: the address stays the DMA API's.
    [InlineData("var a = _dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (_dma.MappingError(a)) return; var off = BinaryPrimitives.ReadUInt32LittleEndian(_cq.Span); _dma.SyncForCpu(new DmaAddr(a.Value + off), 16, DmaDirection.FromDevice); _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    // The same helper given ordinary memory: a number not known to be the device's.
    [InlineData("_dma.UnmapSingle(new DmaAddr(At(buf.Span, head)), len, DmaDirection.FromDevice);", AtHelper)]
    // Given device memory, but what it reads is only compared.
    [InlineData("if (At(_cq.Span, head) == 0) return; _dma.UnmapSingle(new DmaAddr(_shadow[head]), len, DmaDirection.FromDevice);", AtHelper)]
    public Task Not_reported(string statements, string members = "") => Check(Driver(statements, members));
}
