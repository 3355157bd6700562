using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA001: a raw physical address (or a value derived from one) reaches a device-visible sink.</summary>
public sealed class DMA001RawPhysicalAddressTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    [Theory]
    [InlineData("""
        class D { void F(KBuffer buf, Desc[] ring) { ring[0].Addr = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    [InlineData("""
        class D { void F(PhysicalMemory mem, KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:mem.VirtToPhys(buf).Value|}; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { var p = buf.PhysicalAddress; ulong a = p.Value; regs.Doorbell({|DMA001:a|}); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs, int offset) { regs.QueueDesc = {|DMA001:buf.PhysicalAddress.Value + (ulong)offset|}; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { long a = (long)buf.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:(ulong)a|}; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs, bool first, ulong other) { regs.QueueDesc = {|DMA001:first ? buf.PhysicalAddress.Value : other|}; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { var (addr, len) = (buf.PhysicalAddress.Value, buf.Length); regs.Doorbell({|DMA001:addr|}); } }
        """)]
    [InlineData("""
        class D
        {
            static void Phys(KBuffer buf, out ulong address) { address = buf.PhysicalAddress.Value; }
            void F(KBuffer buf, Regs regs) { Phys(buf, out var a); regs.QueueDesc = {|DMA001:a|}; }
        }
        """)]
    [InlineData("""
        class D
        {
            static ulong AddressOf(KBuffer buf) => buf.PhysicalAddress.Value;
            void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:AddressOf(buf)|}; }
        }
        """)]
    [InlineData("""
        class D
        {
            static ulong Offset(ulong baseAddress, int offset) => baseAddress + (ulong)offset;
            void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:Offset(buf.PhysicalAddress.Value, 16)|}; }
        }
        """)]
    [InlineData("""
        class D
        {
            private ulong _ringBase;
            public D(KBuffer ring) { _ringBase = ring.PhysicalAddress.Value; }
            void Kick(Regs regs) { regs.QueueDesc = {|DMA001:_ringBase|}; }
        }
        """)]
    [InlineData("""
        class Ring : IRing { public void Post(DmaAddr address, int length) { } }
        class D { void F(KBuffer buf, Ring ring) { ring.Post({|DMA008:new DmaAddr(buf.PhysicalAddress.Value)|}, buf.Length); } }
        """)]
    [InlineData("""
        abstract class Base { public abstract void Set([BusAddress] ulong address); }
        class Impl : Base { public override void Set(ulong address) { } }
        class D { void F(KBuffer buf, Impl impl) { impl.Set({|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf) { var d = new Desc { Addr = {|DMA001:buf.PhysicalAddress.Value|}, Len = 64 }; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer[] bufs, Desc[] ring) { for (var i = 0; i < bufs.Length; i++) { ring[i].Addr = {|DMA001:bufs[i].PhysicalAddress.Value|}; } } }
        """)]
    [InlineData("""
        class D { void F(PhysAddr page, Regs regs) { regs.QueueDesc = {|DMA001:page.PageFrame << 12|}; } }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Only logged.
    [InlineData("""
        class D { void F(KBuffer buf) { Log.Info($"buffer at {buf.PhysicalAddress}"); Log.Value(buf.PhysicalAddress.Value); } }
        """)]
    // Only compared.
    [InlineData("""
        class D { bool F(KBuffer buf, ulong limit) => buf.PhysicalAddress.Value < limit; }
        """)]
    // Written to a register that is not device-visible as an address.
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { regs.Features = (ulong)buf.Length; regs.Write(3, buf.PhysicalAddress.Value); } }
        """)]
    // The DMA API's address.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf, Desc[] ring) { var a = dma.MapSingle(buf, 0, buf.Length, DmaDirection.ToDevice); if (dma.MappingError(a)) return; ring[0].Addr = a.Value; } }
        """)]
    // A coherent buffer's bus address.
    [InlineData("""
        class D { void F(DmaApi dma, Regs regs) { var c = dma.AllocCoherent(4096); regs.QueueDesc = c.DmaAddress.Value + 64; } }
        """)]
    // The page offset is not an address.
    [InlineData("""
        class D { void F(KBuffer buf, Desc[] ring) { ring[0].Len = (uint)buf.PhysicalAddress.PageOffset; ring[0].Flags = (ushort)(buf.PhysicalAddress.Value & 0xFFF); } }
        """)]
    // A local reassigned from the DMA API before it reaches the device.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf, Regs regs) { ulong a = buf.PhysicalAddress.Value; Log.Value(a); a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value; regs.QueueDesc = a; } }
        """)]
    // A tuple whose physical element is not the one given to the device.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf, Regs regs) { var (phys, bus) = (buf.PhysicalAddress.Value, dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value); Log.Value(phys); regs.Doorbell(bus); } }
        """)]
    // A helper that returns a mapped address.
    [InlineData("""
        class D
        {
            static ulong Bus(DmaApi dma, KBuffer buf) => dma.MapSingle(buf, 0, buf.Length, DmaDirection.ToDevice).Value;
            void F(DmaApi dma, KBuffer buf, Regs regs) { regs.QueueDesc = Bus(dma, buf); }
        }
        """)]
    // A field that only ever holds a bus address.
    [InlineData("""
        class D
        {
            private ulong _ring;
            public D(DmaApi dma) { _ring = dma.AllocCoherent(4096).DmaAddress.Value; }
            void Kick(Regs regs) { regs.QueueDesc = _ring; }
        }
        """)]
    // Physical address kept for the CPU's own bookkeeping.
    [InlineData("""
        class D { private readonly Dictionary<ulong, KBuffer> _byPhys = new(); void F(KBuffer buf) { _byPhys[buf.PhysicalAddress.Value] = buf; } }
        """)]
    // Physical address passed to an ordinary method of the driver.
    [InlineData("""
        class D { static void Remember(ulong physical) { } void F(KBuffer buf) { Remember(buf.PhysicalAddress.Value); } }
        """)]
    // A bus address offset inside its mapping.
    [InlineData("""
        class D { void F(DmaApi dma, KBuffer buf, IRing ring) { var a = dma.MapSingle(buf, 0, 128, DmaDirection.ToDevice); if (dma.MappingError(a)) return; ring.Post(new DmaAddr(a.Value + 64), 64); } }
        """)]
    // A bus address forged from a physical address is DMA008 where it is used (one defect, one id); made and never used, nothing.
    [InlineData("""
        class D { void F(KBuffer buf) { var a = new DmaAddr(buf.PhysicalAddress.Value); Log.Info(a.ToString()); } }
        """)]
    // A physical address in an exception message.
    [InlineData("""
        class D { void F(KBuffer buf) { if (buf.PhysicalAddress.Value == 0) throw new InvalidOperationException("bad " + buf.PhysicalAddress); } }
        """)]
    public Task NotReported(string source) => Check(source);

    [Fact]
    public Task Message_names_the_source_and_the_sink() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            class D { void F(KBuffer buf, Regs regs) { var p = buf.PhysicalAddress; regs.Doorbell({|#0:p.Value|}); } }
            """,
            Verify<AddressProvenanceAnalyzer>.Diagnostic("DMA001").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("'buf.PhysicalAddress' (line 4)", "the device-visible parameter 'address' of 'Regs.Doorbell'"));

    [Fact]
    public Task Configured_source_and_sink_from_the_symbols_file() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            namespace Vendor
            {
                public static class Hal { public static ulong PhysOf(object page) => 0; public static void WriteQueue(int queue, ulong address) { } }
                class D { void F(object page) { Hal.WriteQueue(1, {|DMA001:Hal.PhysOf(page) + 8|}); Hal.WriteQueue(2, 0); } }
            }
            """,
            [("DmaDiscipline.txt", """
                # vendor HAL
                M:Vendor.Hal.PhysOf(System.Object) ; physical-source
                M:Vendor.Hal.WriteQueue(System.Int32,System.UInt64) ; bus-sink(address)  // only the address
                """)]);
}
