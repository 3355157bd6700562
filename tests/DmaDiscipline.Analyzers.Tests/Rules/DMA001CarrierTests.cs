using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 through carriers across types: what a constructor stores, fields and auto-properties of any
/// type, setter-to-getter round trips. A field is followed as content (what any instance holds), like
/// CodeQL's field flow: the diagnostic is where the raw value enters a field some body gives to a sink.
/// </summary>
public sealed class DMA001CarrierTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    [Theory]
    // A constructor stores its argument; another method gives the field to the device.
    [InlineData("""
        sealed class Ring
        {
            private readonly ulong _base;
            private readonly Regs _regs = new();
            public Ring(ulong baseAddress) { _base = baseAddress; }
            public void Start() { _regs.QueueDesc = _base; }
        }
        class D { void F(KBuffer buf) { var r = new Ring({|DMA001:buf.PhysicalAddress.Value|}); r.Start(); } }
        """)]
    // An auto-property of another type, set outside, given to the device inside.
    [InlineData("""
        sealed class Queue { public ulong DescBase { get; set; } private readonly Regs _regs = new(); public void Kick() => _regs.QueueDesc = DescBase; }
        class D { void F(KBuffer buf, Queue q) { q.DescBase = {|DMA001:buf.PhysicalAddress.Value|}; q.Kick(); } }
        """)]
    // A field of another type, written from a physical address in its own type, read at a sink elsewhere.
    [InlineData("""
        sealed class Page { public ulong Phys; public Page(KBuffer b) { Phys = b.PhysicalAddress.Value; } }
        class D { void F(Page page, Regs regs) { regs.QueueDesc = {|DMA001:page.Phys|}; } }
        """)]
    // A setter that stores into a field, a getter that reads it back, a sink in a third type.
    [InlineData("""
        sealed class Nic { private ulong _rx; public ulong RxBase { get => _rx; set => _rx = value; } }
        sealed class Engine { public void Go(Nic nic, Regs regs) { regs.QueueDesc = nic.RxBase; } }
        class D { void F(KBuffer buf, Nic nic) { nic.RxBase = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    // Fields of one name in several types (the search for the bodies that write a name is shared between them):
    // each field holds what its own writers store.
    [InlineData("""
        sealed class Clean { public ulong Base; public void Set(ulong v) { Base = v & 0xFF; } }
        sealed class Raw { public ulong Base; public void Set(KBuffer b) { Base = b.PhysicalAddress.Value; } }
        class D { void F(Clean clean, Raw raw, Regs regs) { regs.QueueDesc = clean.Base; regs.QueueDesc = {|DMA001:raw.Base|}; } }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Kept for the CPU only.
    [InlineData("""
        sealed class Stats { public ulong Last; }
        class D { void F(KBuffer buf, Stats stats) { stats.Last = buf.PhysicalAddress.Value; Log.Value(stats.Last); } }
        """)]
    // A constructor argument kept as a length, not an address.
    [InlineData("""
        sealed class Slot { private readonly ulong _size; public Slot(ulong size) { _size = size; } public void Fill(Desc[] ring) { ring[0].Len = (uint)_size; } }
        class D { void F(KBuffer buf, Desc[] ring) { new Slot(buf.PhysicalAddress.Value).Fill(ring); } }
        """)]
    // The device is given a different property of the same type.
    [InlineData("""
        sealed class Queue { public ulong Phys { get; set; } public ulong Bus { get; set; } private readonly Regs _regs = new(); public void Kick() => _regs.QueueDesc = Bus; }
        class D { void F(DmaApi dma, KBuffer buf, Queue q) { q.Phys = buf.PhysicalAddress.Value; q.Bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice).Value; q.Kick(); } }
        """)]
    // A field of another type that only ever holds a bus address.
    [InlineData("""
        sealed class Page { public ulong Bus; public Page(DmaApi dma, KBuffer b) { Bus = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice).Value; } }
        class D { void F(Page page, Regs regs) { regs.QueueDesc = page.Bus; } }
        """)]
    public Task NotReported(string source) => Check(source);

    // Without the shared prelude, whose declarations (a sink taking the bus-address type) let the analysis take
    // another way to the same finding: the descriptor is declared here.
    private static Task CheckAlone(string source) =>
        new Verify<AddressProvenanceAnalyzer>.Test { TestCode = Verify<AddressProvenanceAnalyzer>.Usings + source + "\npublic struct Desc { [BusAddress] public ulong Addr; public uint Len; }\n" }.RunAsync();

    [Theory]
    // An auto-property of its own type, set by one method and given to the device by another ({ get; set; },
    // a private setter, init): carried as a field of the type is.
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get; set; } public void Prepare(KBuffer b) { Staged = b.PhysicalAddress.Value; } public void Post() { _ring[1].Addr = {|DMA001:Staged|}; } }
        """)]
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get; private set; } public void Prepare(KBuffer b) { Staged = b.PhysicalAddress.Value + 64; } public void Post() { _ring[1].Addr = {|DMA001:Staged|}; } }
        """)]
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get; init; } public Q(KBuffer b) { Staged = b.PhysicalAddress.Value; } public void Post() { _ring[1].Addr = {|DMA001:Staged|}; } }
        """)]
    public Task Auto_property_of_its_own_type(string source) => CheckAlone(source);

    [Theory]
    // An auto-property of its own type given a length, or a mapping; one whose setter has a body that keeps nothing.
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get; set; } public void Prepare(KBuffer b) { Staged = (ulong)b.Length; } public void Post() { _ring[1].Addr = Staged; } }
        """)]
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get; set; } public void Prepare(DmaApi dma, KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; Staged = a.Value; } public void Post() { _ring[1].Addr = Staged; } }
        """)]
    [InlineData("""
        public sealed class Q { private readonly Desc[] _ring = new Desc[8]; public ulong Staged { get => 0x40; set { } } public void Prepare(KBuffer b) { Staged = b.PhysicalAddress.Value; } public void Post() { _ring[1].Addr = Staged; } }
        """)]
    public Task Auto_property_of_its_own_type_not_reported(string source) => CheckAlone(source);
}
