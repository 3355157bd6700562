using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA008: a DmaAddr made outside the DMA API (from an integer constant, a physical address or default) given to a device or to unmap/sync.</summary>
public sealed class DMA008ForgedBusAddressTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private static string Body(string statements, string members = "") =>
        "class D { private DmaAddr _slot; void F(DmaApi dma, KBuffer buf, IRing ring, Queue q, ulong raw, bool flag) { " + statements + " } " + members + " } "
        + "class Queue { [BusAddress] public DmaAddr Base { get; set; } }";

    [Theory]
    [InlineData("dma.UnmapSingle({|DMA008:new DmaAddr(0x1000)|}, 64, DmaDirection.ToDevice);")]
    [InlineData("ring.Post({|DMA008:default|}, 64);")]
    [InlineData("var a = new DmaAddr(0x2000); ring.Post({|DMA008:a|}, 64);")]
    [InlineData("ring.Post({|DMA008:new DmaAddr()|}, 64);")]
    [InlineData("ring.Post({|DMA008:Fake()|}, 64);", "static DmaAddr Fake() => new DmaAddr(0xdead0000);")]
    [InlineData("var a = flag ? new DmaAddr(0x1000) : new DmaAddr(0x2000); dma.SyncForCpu({|DMA008:a|}, 64, DmaDirection.FromDevice);")]
    [InlineData("q.Base = {|DMA008:new DmaAddr(0x8000)|};")]
    [InlineData("dma.SyncForDevice({|DMA008:default(DmaAddr)|}, 64, DmaDirection.ToDevice);")]
    [InlineData("const ulong Window = 0xfee00000; ring.Post({|DMA008:new DmaAddr(Window + 0x10)|}, 4);")]
    // A constant kept in a local, or in a field, before the bus address is made of it.
    [InlineData("ulong window = 0xfee00000; ring.Post({|DMA008:new DmaAddr(window)|}, 4);")]
    [InlineData("var window = 0xfee00000UL; var at = window + 0x10; ring.Post({|DMA008:new DmaAddr(at)|}, 4);")]
    [InlineData("_window = 0x9000_0000UL; ring.Post({|DMA008:new DmaAddr(_window)|}, 64);", "private ulong _window;")]
    [InlineData("_slot = new DmaAddr(0x4000); dma.UnmapSingle({|DMA008:_slot|}, 64, DmaDirection.ToDevice);")]
    [InlineData("DmaAddr a = default; dma.UnmapSingle({|DMA008:a|}, 64, DmaDirection.ToDevice);")]
    [InlineData("var a = new DmaAddr(0x1000); var b = a; q.Base = {|DMA008:b|};")]
    // Written through a ref local that may have been re-bound to another variable: the default may still be there.
    [InlineData("DmaAddr a = default; DmaAddr b = default; ref var r = ref a; if (flag) r = ref b; r = _slot; ring.Post({|DMA008:a|}, 64);")]
    // Overwritten with a forged value through a ref local bound once.
    [InlineData("DmaAddr a = _slot; ref var r = ref a; r = default; ring.Post({|DMA008:a|}, 64);")]
    public Task Reported(string statements, string members = "") => Check(Body(statements, members));

    [Theory]
    // Forged from a physical address on one path, mapped on the other: the physical path is reported as DMA001 would report it (any path).
    [InlineData("var bus = flag ? new DmaAddr(buf.PhysicalAddress.Value) : dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring.Post({|DMA008:bus|}, 64);")]
    [InlineData("DmaAddr bus; if (flag) bus = new DmaAddr(buf.PhysicalAddress.Value); else bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring.Post({|DMA008:bus|}, 64);")]
    [InlineData("var bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); var chosen = raw switch { 0 => new DmaAddr(buf.PhysicalAddress.Value), _ => bus }; q.Base = {|DMA008:chosen|};")]
    public Task From_a_physical_address_on_some_path_reported(string statements) => Check(Body(statements));

    [Theory]
    // A constant on one path, a mapping on the other: a constant may be a sentinel the device never sees (every path must forge it).
    [InlineData("var bus = flag ? new DmaAddr(0x1000) : dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring.Post(bus, 64);")]
    // The physical address only logged on the other path.
    [InlineData("var bus = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (flag) Log.Value(buf.PhysicalAddress.Value); ring.Post(bus, 64);")]
    public Task Forged_on_some_path_look_alikes_not_reported(string statements) => Check(Body(statements));

    [Fact]
    public Task From_a_physical_address_one_defect_one_id() =>
        Check(Body("ring.Post({|DMA008:new DmaAddr(buf.PhysicalAddress.Value)|}, 64);"));

    [Theory]
    // A hard-coded device address: a literal, a const, an enum member, arithmetic of them.
    [InlineData("class Hw { void F(Regs regs) { regs.QueueDesc = {|DMA008:0x0046C000|}; } }")]
    [InlineData("class Hw { const ulong Ring = 0x1000; void F(Regs regs) { regs.Doorbell({|DMA008:Ring + 0x40|}); } }")]
    [InlineData("enum Window : ulong { Dma = 0xfee00000 } class Hw { void F(Desc[] ring) { ring[0].Addr = {|DMA008:(ulong)Window.Dma|}; } }")]
    [InlineData("class Hw { void F(Regs regs) { ulong a = 0x2000; regs.QueueDesc = {|DMA008:a|}; } }")]
    // A hard-coded base plus an index-scaled offset: a table of hardware structures at a fixed address.
    [InlineData("enum Base : uint { Ahci = 0x00400000 } class Hw { void F(Regs regs, uint port, uint slot) { regs.QueueDesc = {|DMA008:(uint)(Base.Ahci + 0xA000) + 0x2000 * port + 0x100 * slot|}; } }")]
    [InlineData("class Hw { void F(Desc[] ring, int i) { ring[i].Addr = {|DMA008:0x0046C000UL + (ulong)(i << 12)|}; } }")]
    [InlineData("class Hw { static int Slot() => 3; void F(Regs regs, uint port) { var slot = Slot(); regs.QueueDesc = {|DMA008:(uint)(0x0040A000u + 0x2000 * port + 0x100 * slot)|}; } }")]
    public Task A_constant_device_address(string source) => Check(source);

    [Theory]
    // A hard-coded base plus an index-scaled offset is a table's address wherever it goes: through a setter or a method
    // that hands its parameter to a device (a wrapper), as at a declared address slot.
    [InlineData("enum Base : uint { Ahci = 0x00400000 } class Port { private readonly Regs _regs = new(); public uint CommandList { set => _regs.Doorbell(value); } } "
        + "class Hw { void F(Port port, uint n) { port.CommandList = {|DMA008:(uint)Base.Ahci + 0x400 * n|}; port.CommandList = {|DMA008:(uint)Base.Ahci + 0x8000 + 0x100 * n|}; } }")]
    [InlineData("class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic, int i) { nic.SetRing({|DMA008:0x0046C000UL + (ulong)(i << 12)|}); } }")]
    [InlineData("class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic, uint port) { ulong a = 0x00400000UL + 0x400UL * port; nic.SetRing({|DMA008:a|}); } }")]
    public Task An_indexed_constant_device_address_through_a_wrapper(string source) => Check(source);

    [Theory]
    // A bare constant through a wrapper: a command or a length as often as an address.
    [InlineData("class Port { private readonly Regs _regs = new(); public uint CommandList { set => _regs.Doorbell(value); } } class Hw { void F(Port port) { port.CommandList = 0xFFFFFFFF; port.CommandList = 0x00400000; } }")]
    // An or of a constant and shifted indices: a PCI configuration address (a command word), not a table's address.
    [InlineData("class Nic { private readonly Regs _regs = new(); public void Select(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic, uint bus, uint dev) { nic.Select(0x80000000UL | ((ulong)bus << 16) | ((ulong)dev << 11)); } }")]
    // Indexed on one path only: on the other a bare constant.
    [InlineData("class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic, uint port, bool flag) { nic.SetRing(flag ? 0x8000UL : 0x00400000UL + 0x400UL * port); } }")]
    // A page-sized constant plus a variable that is not index-scaled: the variable may be the real address.
    [InlineData("class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic, ulong window) { nic.SetRing(0x1000 + window); } }")]
    public Task Not_an_indexed_constant_device_address_through_a_wrapper(string source) => Check(source);

    [Fact]
    public Task An_indexed_constant_at_a_register_writer_named_in_the_symbols_file_but_not_a_bare_one() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            "namespace Hw { public static class Io { public static void Write32(int register, uint value) { } } "
            + "class Ahci { void F(uint port) { Io.Write32(0x00, {|DMA008:0x00400000u + 0x400u * port|}); Io.Write32(0x08, 0x00400000u); Io.Write32(0x14, 0xFFFFFFFFu); "
            + "Io.Write32(0x18, 0x80000000u | (port << 11)); } } }",
            [("DmaDiscipline.txt", "M:Hw.Io.Write32(System.Int32,System.UInt32) ; bus-sink(value)\n")]);

    [Theory]
    // Zero: no address (a reset).
    [InlineData("class Hw { void F(Regs regs) { regs.QueueDesc = 0; regs.Doorbell(0); } }")]
    // A constant offset into a mapping.
    [InlineData("class Hw { void F(DmaApi dma, KBuffer buf, Regs regs) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; regs.QueueDesc = a.Value + 0x40; } }")]
    // A constant offset into something not known to be forged.
    [InlineData("class Hw { void F(Regs regs, ulong window) { regs.QueueDesc = window + 0x40; } }")]
    // Through a wrapper: most often a register's command, not an address (not reported).
    [InlineData("class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); } class Hw { void F(Nic nic) { nic.SetRing(0x8000); } }")]
    // Below a page: an offset or a flag.
    [InlineData("class Hw { void F(Regs regs) { regs.QueueDesc = 0x40; } }")]
    // A page-sized constant added to a variable (not an index-scaled offset): the variable may be the real address.
    [InlineData("class Hw { void F(Regs regs, ulong window) { regs.QueueDesc = 0x1000 + window; } }")]
    // An index-scaled offset into a real mapping.
    [InlineData("class Hw { void F(DmaApi dma, KBuffer buf, Regs regs, int i) { var a = dma.MapSingle(buf, 0, 4096, DmaDirection.ToDevice); if (dma.MappingError(a)) return; regs.QueueDesc = a.Value + (ulong)(16 * i); } }")]
    // A register number made of a page-sized constant and an index (an int, not an address-sized value).
    [InlineData("class Hw { void F(Regs regs, int i) { regs.Write(0x5200 + i * 4, 0); } }")]
    // A constant given to a slot that is not an address.
    [InlineData("class Hw { void F(Desc[] ring, Regs regs) { ring[0].Len = 0x1000; regs.Features = 0x8000; regs.Write(3, 0x1000); } }")]
    public Task Not_a_constant_device_address(string source) => Check(source);

    [Theory]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring.Post(a, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // An offset inside a mapping.
    [InlineData("var a = dma.MapSingle(buf, 0, 128, DmaDirection.FromDevice); dma.SyncForCpu(new DmaAddr(a.Value + 64), 64, DmaDirection.FromDevice);")]
    // Default until mapped on some path.
    [InlineData("DmaAddr a = default; if (flag) a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // Compared with default as a sentinel.
    [InlineData("var a = _slot; if (a == default) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // Made but only logged.
    [InlineData("var a = new DmaAddr(0x1000); Log.Info(a.ToString());")]
    // Default, then overwritten through a ref local bound once (its declaration) with a value of unknown origin.
    [InlineData("DmaAddr a = default; ref var r = ref a; r = _slot; ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; ref DmaAddr r = ref a; r = _slot; dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // A constant on one path, the mapping on the other: not known to be forged (as for a choice of DmaAddr values).
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ulong at = 0x1000; if (flag) at = a.Value; ring.Post(new DmaAddr(at), 64);")]
    // A constant offset kept in a local, added to a mapping.
    [InlineData("var a = dma.MapSingle(buf, 0, 128, DmaDirection.FromDevice); ulong off = 0x40; dma.SyncForCpu(new DmaAddr(a.Value + off), 64, DmaDirection.FromDevice);")]
    // Rebuilt from a value read back from the device: not known to be forged.
    [InlineData("var a = new DmaAddr(raw); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData("var c = dma.AllocCoherent(64); ring.Post(c.DmaAddress, 64);")]
    // Returned, not given to anything.
    [InlineData("", "static DmaAddr None() => new DmaAddr(0);")]
    // A helper that maps.
    [InlineData("ring.Post(Map(dma, buf), 64);", "static DmaAddr Map(DmaApi dma, KBuffer buf) => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);")]
    [InlineData("_slot = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); q.Base = _slot;")]
    [InlineData("var none = default(DmaAddr); var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (a != none) ring.Post(a, 64);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); var again = new DmaAddr(a.Value); q.Base = again;")]
    public Task NotReported(string statements, string members = "") => Check(Body(statements, members));
}
