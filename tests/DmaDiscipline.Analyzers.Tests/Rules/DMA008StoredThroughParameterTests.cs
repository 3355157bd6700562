using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA008 for a bus address forged into a field through a constructor's or a setter's parameter
/// (<c>new Config(default)</c>, <c>B = default</c> with a setter that stores it), read back and given to an unmap,
/// a sync or a device: reported where it is given to the device when that parameter reaches one (once, there),
/// else where the field is read.
/// </summary>
public sealed class DMA008StoredThroughParameterTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private const string Config = "public sealed class Config { public Config(DmaAddr a) { A = a; } public DmaAddr A { get; } } ";

    private const string Backed = "private DmaAddr _b; private DmaAddr B { get => _b; set => _b = value; } ";

    [Theory]
    [InlineData("var config = new Config(default); dma.SyncForDevice({|DMA008:config.A|}, 64, DmaDirection.ToDevice);")]
    [InlineData("var config = new Config(new DmaAddr(0x1000)); dma.UnmapSingle({|DMA008:config.A|}, 64, DmaDirection.ToDevice);")]
    [InlineData("B = default; dma.SyncForDevice({|DMA008:B|}, 64, DmaDirection.ToDevice);")]
    [InlineData("B = new DmaAddr(0x2000); var b = B; dma.UnmapSingle({|DMA008:b|}, 64, DmaDirection.ToDevice);")]
    public Task Given_to_an_unmap_or_a_sync(string statements) =>
        Check(Config + "class D { " + Backed + "void F(DmaApi dma) { " + statements + " } }");

    [Theory]
    // The parameter reaches a device: reported where the forgery is given to it, and not again where it is read.
    [InlineData("var config = new Config({|DMA008:default|}); ring.Post(config.A, 64);")]
    [InlineData("B = {|DMA008:default|}; ring.Post(B, 64);")]
    public Task Given_to_a_device_once_where_it_enters(string statements) =>
        Check(Config + "class D { " + Backed + "void F(IRing ring) { " + statements + " } }");

    [Theory]
    // Another new gives the constructor a real mapping: the field is not known to be forged.
    [InlineData("var config = new Config(default); dma.SyncForDevice(config.A, 64, DmaDirection.ToDevice); } void G(DmaApi dma, KBuffer buf) { var real = new Config(dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)); Keep(real);")]
    // The setter is also given a parameter.
    [InlineData("B = default; dma.SyncForDevice(B, 64, DmaDirection.ToDevice); } void G(DmaAddr mapped) { B = mapped;")]
    public Task Not_known_to_be_forged(string statements) =>
        Check(Config + "class D { " + Backed + "static void Keep(Config c) { } void F(DmaApi dma) { " + statements + " } }");
}
