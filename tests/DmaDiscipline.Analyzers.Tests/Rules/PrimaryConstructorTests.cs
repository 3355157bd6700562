using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A primary constructor has no block: what it does with a parameter is what the instance initializers of its
/// declaration store (<c>class Ring(ulong phys) { ulong _base = phys; }</c>) and what it gives its base constructor
/// (<c>: RingBase(phys)</c>). Where that reaches a device-visible sink, <c>new Ring(pa)</c> is a wrapper call like any
/// constructor's, and a physical address given to it is DMA001 there, where it enters. Look-alikes: the parameter an
/// initializer keeps only for a length or a log, a real bus address given, a parameter the sink never sees.
/// </summary>
public sealed class PrimaryConstructorTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    [Theory]
    // A field initializer keeps the parameter; a method of the type gives the field to a device register.
    [InlineData("class Ring(ulong phys) { private readonly ulong _base = phys; public void Start(Regs regs) => regs.QueueDesc = _base; } class D { Ring Make(KBuffer b) => new Ring({|DMA001:b.PhysicalAddress.Value|}); }")]
    // An auto-property's initializer keeps it; another type reads the property into the register.
    [InlineData("class Ring(ulong phys) { public ulong Base { get; } = phys; } class D { void F(KBuffer b, Regs regs) { var r = new Ring({|DMA001:b.PhysicalAddress.Value|}); regs.QueueDesc = r.Base; } }")]
    // The base constructor is given it, and stores it where a method of the base type hands it on.
    [InlineData("class RingBase { private readonly ulong _b; protected RingBase(ulong b) { _b = b; } public void Start(Regs regs) => regs.QueueDesc = _b; } class Ring(ulong phys) : RingBase(phys); class D { Ring Make(KBuffer b) => new Ring({|DMA001:b.PhysicalAddress.Value|}); }")]
    // Kept through a conversion in the initializer, one of several parameters.
    [InlineData("class Queue(int index, long phys, int size) { private readonly ulong _desc = (ulong)phys; private readonly int _size = size; public void Start(Regs regs) => regs.QueueDesc = _desc; } class D { Queue Make(KBuffer b) => new Queue(0, {|DMA001:(long)b.PhysicalAddress.Value|}, 256); }")]
    // A struct's primary constructor.
    [InlineData("struct Entry(ulong addr) { public ulong Addr = addr; public void WriteTo(Regs regs) => regs.QueueDesc = Addr; } class D { void F(KBuffer b, Regs regs) => new Entry({|DMA001:b.PhysicalAddress.Value|}).WriteTo(regs); }")]
    // A method of the type reads the parameter itself (the compiler keeps it in a hidden field).
    [InlineData("class Ring(ulong phys) { public void Start(Regs regs) => regs.QueueDesc = phys; } class D { Ring Make(KBuffer b) => new Ring({|DMA001:b.PhysicalAddress.Value|}); }")]
    // A getter returns it, and another type gives the property to the register.
    [InlineData("class Ring(ulong phys) { public ulong Base => phys; } class D { void F(KBuffer b, Regs regs) { var r = new Ring({|DMA001:b.PhysicalAddress.Value|}); regs.QueueDesc = r.Base; } }")]
    // Read in a method through a helper the method calls.
    [InlineData("class Ring(ulong phys) { static void Program(Regs regs, ulong value) => regs.QueueDesc = value; public void Start(Regs regs) { var at = phys + 0x100; Program(regs, at); } } class D { Ring Make(KBuffer b) => new Ring({|DMA001:b.PhysicalAddress.Value|}); }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    // The physical address goes to a parameter only a length field keeps.
    [InlineData("class Ring(ulong phys, int len) { private readonly ulong _base = phys; private readonly int _len = len; public void Start(Regs regs) => regs.QueueDesc = (ulong)_len; } class D { Ring Make(KBuffer b) => new Ring(b.PhysicalAddress.Value, 4); }")]
    // Kept for a log line only: no sink reads the field.
    [InlineData("class Ring(ulong phys) { private readonly ulong _base = phys; public override string ToString() => _base.ToString(\"x\"); } class D { Ring Make(KBuffer b) => new Ring(b.PhysicalAddress.Value); }")]
    // Given a real bus address from the DMA API.
    [InlineData("class Ring(ulong bus) { private readonly ulong _base = bus; public void Start(Regs regs) => regs.QueueDesc = _base; } class D { Ring? Make(DmaApi dma, KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return null; return new Ring(a.Value); } }")]
    // The base constructor is given the other parameter.
    [InlineData("class RingBase { private readonly ulong _b; protected RingBase(ulong b) { _b = b; } public void Start(Regs regs) => regs.QueueDesc = _b; } class Ring(ulong phys, ulong bus) : RingBase(bus) { public ulong Phys { get; } = phys; } class D { Ring Make(KBuffer b, ulong bus) => new Ring(b.PhysicalAddress.Value, bus); }")]
    // A method of the type reads the parameter, but only to log it; the register gets a length.
    [InlineData("class Ring(ulong phys, int len) { public void Start(Regs regs) { System.Console.WriteLine(phys); regs.QueueDesc = (ulong)len; } } class D { Ring Make(KBuffer b) => new Ring(b.PhysicalAddress.Value, 64); }")]
    // A method's own parameter of the same name is not the captured one.
    [InlineData("class Ring(ulong phys) { public ulong Phys => phys; public void Start(Regs regs, ulong phys2) => regs.QueueDesc = phys2; } class D { Ring Make(KBuffer b) => new Ring(b.PhysicalAddress.Value); }")]
    public Task Not_reported(string source) => Check(source);
}
