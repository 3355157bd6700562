using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A field's or auto-property's own initializer is a store by its own type (made by the constructor that runs it):
/// <c>static readonly DmaAddr Scratch = new DmaAddr(0x9000_0000)</c> holds a forged bus address wherever it is read, as
/// the same store in a static constructor does. A static member of the bus-address type itself
/// (<c>IoAddr.None = default</c>) is such a field, not a view of an instance's number. Look-alikes: an initializer
/// the driver later replaces with a real mapping somewhere (a may-content, not known to be forged), a sentinel
/// only compared, a small offset.
/// </summary>
public sealed class FieldInitializerTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private static Task Check(string source, string symbols) =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(source, [("DmaDiscipline.txt", symbols)]);

    [Theory]
    // A static field of another class.
    [InlineData("static class Reserved { public static readonly DmaAddr Scratch = new DmaAddr(0x9000_0000); } class D { void F(IRing ring) => ring.Post({|DMA008:Reserved.Scratch|}, 64); }")]
    // The type's own static and instance fields, and an auto-property's initializer.
    [InlineData("class D { static readonly DmaAddr Scratch = new DmaAddr(0x9000_0000); void F(IRing ring) => ring.Post({|DMA008:Scratch|}, 64); }")]
    [InlineData("class D { private DmaAddr _none = default; void F(DmaApi dma) => dma.UnmapSingle({|DMA008:_none|}, 64, DmaDirection.ToDevice); }")]
    [InlineData("class D { public DmaAddr Window { get; } = new DmaAddr(0x8000_0000); void F(IRing ring) => ring.Post({|DMA008:Window|}, 4096); }")]
    // A physical address a static initializer takes.
    [InlineData("class D { static readonly KBuffer Ring = new PhysicalMemory().Allocate(4096); static readonly ulong RingBase = Ring.PhysicalAddress.Value; void F(Regs regs) => regs.QueueDesc = {|DMA001:RingBase|}; }")]
    // A primary constructor's parameter an initializer keeps: what every new of the type gives it, where the field reaches an unmap.
    [InlineData("class Slot(DmaAddr a) { public DmaAddr A { get; } = a; } class D { Slot Make() => new Slot(default); void Close(DmaApi dma, Slot s) => dma.UnmapSingle({|DMA008:s.A|}, 64, DmaDirection.ToDevice); }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Replaced with a real mapping by a method of the type: the field may hold either, not known to be forged.
    [InlineData("class D { private DmaAddr _m = default; void Open(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; _m = a; } void Close(DmaApi dma) { if (_m == default) return; dma.UnmapSingle(_m, 64, DmaDirection.ToDevice); } }")]
    // A small constant offset added to a mapping.
    [InlineData("class D { static readonly ulong HeaderOffset = 0x40; void F(IRing ring, DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 128, DmaDirection.ToDevice); if (dma.MappingError(a)) return; ring.Post(new DmaAddr(a.Value + HeaderOffset), 64); } }")]
    // An initializer read only to compare (a sentinel).
    [InlineData("class D { static readonly DmaAddr None = default; DmaAddr _m; void Close(DmaApi dma) { if (_m == None) return; dma.UnmapSingle(_m, 64, DmaDirection.ToDevice); } void Open(DmaApi dma, KBuffer buf) { _m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); } }")]
    // The primary constructor given a real mapping.
    [InlineData("class Slot(DmaAddr a) { public DmaAddr A { get; } = a; } class D { Slot Make(DmaApi dma, KBuffer buf) => new Slot(dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)); void Close(DmaApi dma, Slot s) => dma.UnmapSingle(s.A, 64, DmaDirection.ToDevice); }")]
    public Task Not_reported(string source) => Check(source);

    private const string Vendor = """
        namespace Vendor
        {
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } public static readonly IoAddr None = default; }
            public sealed class Buf { public int Length; }
            public static class Dma
            {
                public static IoAddr Map(Buf b, int len) => default;
                public static void Unmap(IoAddr a, int len) { }
            }
        }

        """;

    private const string VendorSymbols = """
        T:Vendor.IoAddr ; bus-address
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32) ; unmap
        """;

    [Fact]
    public Task A_static_member_of_the_bus_address_type_itself_is_a_field_it_holds() =>
        Check(Vendor + "class D { void F(int len) => Vendor.Dma.Unmap({|DMA008:Vendor.IoAddr.None|}, len); }", VendorSymbols);

    [Fact]
    public Task An_instance_member_of_the_bus_address_type_still_carries_the_instance() =>
        Check(Vendor + "class D { void F(Vendor.Buf b) { var a = Vendor.Dma.Map(b, 64); var again = new Vendor.IoAddr(a.Raw); Vendor.Dma.Unmap(again, 64); } }", VendorSymbols);
}
