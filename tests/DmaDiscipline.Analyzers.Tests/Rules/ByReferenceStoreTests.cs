using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// The framework's stores and loads that take a variable or field by reference — <c>Volatile.Write(ref _head, v)</c>,
/// <c>Interlocked.Exchange(ref q, v)</c>, <c>Interlocked.CompareExchange(ref q, v, comparand)</c>, <c>Volatile.Read(ref _head)</c>,
/// <c>Interlocked.Read</c> — are assignments and reads of it, as lock-free ring code writes them; through device memory
/// they stay device-visible stores and loads (DMA001DeviceMemoryTests). <c>CompareExchange</c> may leave what the location
/// held; <c>Exchange</c> and <c>CompareExchange</c> give back what it held. Look-alikes: a real bus address exchanged in,
/// the physical address only as the comparand, the location replaced before it reaches the device, only logged.
/// </summary>
public sealed class ByReferenceStoreTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private const string Map = "var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) return; ";

    [Theory]
    // Stored and read in one body: a field, a local.
    [InlineData("class D { ulong _q; void F(Regs regs, KBuffer buf) { System.Threading.Volatile.Write(ref _q, buf.PhysicalAddress.Value); regs.QueueDesc = {|DMA001:_q|}; } }")]
    [InlineData("class D { void F(Regs regs, KBuffer buf) { ulong q = 0; System.Threading.Interlocked.Exchange(ref q, buf.PhysicalAddress.Value); regs.QueueDesc = {|DMA001:q|}; } }")]
    // Stored by one method of the type, read by another, plainly or by Volatile.Read.
    [InlineData("class D { ulong _q; void Set(KBuffer buf) { System.Threading.Interlocked.Exchange(ref _q, buf.PhysicalAddress.Value); } void F(Regs regs) { regs.QueueDesc = {|DMA001:_q|}; } }")]
    [InlineData("class D { ulong _q; void Set(KBuffer buf) { System.Threading.Volatile.Write(ref _q, buf.PhysicalAddress.Value); } void F(Regs regs) { regs.QueueDesc = {|DMA001:System.Threading.Volatile.Read(ref _q)|}; } }")]
    [InlineData("class D { ulong _q; void Set(KBuffer buf) { _q = buf.PhysicalAddress.Value; } void F(Regs regs) { regs.QueueDesc = {|DMA001:System.Threading.Volatile.Read(ref _q)|}; } }")]
    [InlineData("class D { long _q; void Set(KBuffer buf) { _q = (long)buf.PhysicalAddress.Value; } void F(Regs regs) { regs.QueueDesc = {|DMA001:(ulong)System.Threading.Interlocked.Read(ref _q)|}; } }")]
    [InlineData("class D { ulong _q; void Set(KBuffer buf) { System.Threading.Interlocked.CompareExchange(ref _q, buf.PhysicalAddress.Value, 0UL); } void F(Regs regs) { regs.QueueDesc = {|DMA001:_q|}; } }")]
    // What Exchange gives back: what the location held.
    [InlineData("class D { ulong _q; void Set(KBuffer buf) { _q = buf.PhysicalAddress.Value; } void F(Regs regs) { var old = System.Threading.Interlocked.Exchange(ref _q, 0UL); regs.QueueDesc = {|DMA001:old|}; } }")]
    // CompareExchange may leave what a local held.
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf) { " + Map + "ulong q = buf.PhysicalAddress.Value; System.Threading.Interlocked.CompareExchange(ref q, m.Value, 0UL); regs.QueueDesc = {|DMA001:q|}; } }")]
    // A forged bus address exchanged into a field (DMA008).
    [InlineData("class D { void F(IRing ring) { ulong raw = 0; System.Threading.Interlocked.Exchange(ref raw, 0x9000_0000UL); ring.Post({|DMA008:new DmaAddr(raw)|}, 64); } }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    // A real bus address exchanged in.
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf) { " + Map + "ulong q = 0; System.Threading.Interlocked.Exchange(ref q, m.Value); regs.QueueDesc = q; } }")]
    // The physical address only as the comparand.
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf) { " + Map + "ulong q = m.Value; System.Threading.Interlocked.CompareExchange(ref q, m.Value, buf.PhysicalAddress.Value); regs.QueueDesc = q; } }")]
    // Replaced with the mapping before it reaches the device.
    [InlineData("class D { void F(Regs regs, DmaApi dma, KBuffer buf) { " + Map + "ulong q = 0; System.Threading.Volatile.Write(ref q, buf.PhysicalAddress.Value); System.Threading.Volatile.Write(ref q, m.Value); regs.QueueDesc = q; } }")]
    // Only logged.
    [InlineData("class D { ulong _q; void F(KBuffer buf) { System.Threading.Volatile.Write(ref _q, buf.PhysicalAddress.Value); Log.Value(System.Threading.Volatile.Read(ref _q)); } }")]
    // A counter incremented by reference beside a mapped address.
    [InlineData("class D { long _posted; void F(Regs regs, DmaApi dma, KBuffer buf) { " + Map + "System.Threading.Interlocked.Increment(ref _posted); regs.QueueDesc = m.Value; } }")]
    public Task Not_reported(string source) => Check(source);
}
