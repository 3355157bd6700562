using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A mapping made or kept through the driver's own code in three shapes (issue 14): a helper that
/// returns a tuple literal (each element summarised by position, followed where the tuple is kept
/// in a local or deconstructed), a ref-returning accessor of a field (<c>Slot() = a</c>: that
/// field), and a constructor that stores its argument into a member (read back through the new
/// object's member). Each with look-alikes that stay quiet.
/// </summary>
public sealed class HelperShapeTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Make = " static (DmaAddr A, int Len) Make(DmaApi dma, KBuffer buf) => (dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice), 64);";
    private const string MakeIn = " static (DmaAddr A, int Len) MakeIn(DmaApi dma, KBuffer buf) => (dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice), 64);";
    private const string Slot = " DmaAddr _a; ref DmaAddr Slot() => ref _a;";
    private const string Config = " sealed class Config { public Config(DmaAddr a) { A = a; } public DmaAddr A { get; } }";
    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var (a, _) = Make(dma, buf); post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var t = Make(dma, buf); post.Post({|DMA003:t.A|}, t.Len); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Slot() = " + Map + "; post.Post({|DMA003:Slot()|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var c = new Config(" + Map + "); post.Post({|DMA003:c.A|}, 64); }")]
    public Task DMA003_reported(string member) => Check("class D { " + member + Make + Slot + " }" + Config);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var (a, _) = Make(dma, buf); if (dma.MappingError(a)) return; post.Post(a, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Slot() = " + Map + "; if (dma.MappingError(Slot())) return; post.Post(Slot(), 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var c = new Config(" + Map + "); if (dma.MappingError(c.A)) return; post.Post(c.A, 64); }")]
    // The tuple handed on whole: the callee owns (and checks) it.
    [InlineData("static void Keep((DmaAddr A, int Len) t) { } void F(DmaApi dma, KBuffer buf) { Keep(Make(dma, buf)); }")]
    // A constructor that does not store its argument unchanged: its member is not the mapping.
    [InlineData("sealed class Offset { public Offset(DmaAddr a) { A = new DmaAddr(a.Value + 16); } public DmaAddr A { get; } } void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (dma.MappingError(a)) return; var o = new Offset(a); post.Post(o.A, 48); }")]
    public Task DMA003_not_reported(string member) => Check("class D { " + member + Make + Slot + " }" + Config);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var (a, _) = MakeIn(dma, buf); if (dma.MappingError(a)) return; dma.UnmapSingle(a, {|DMA004:32|}, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var (a, _) = {|DMA002:MakeIn(dma, buf)|}; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var (a, _) = MakeIn(dma, buf); if (dma.MappingError(a)) return; var b = {|DMA005:buf.Span|}[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var (a, _) = Make(dma, buf); if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); post.Post({|DMA006:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Slot() = " + Map + "; if (dma.MappingError(Slot())) return; dma.UnmapSingle(Slot(), {|DMA004:32|}, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var c = new Config(" + Map + "); if (dma.MappingError(c.A)) return; dma.UnmapSingle(c.A, 64, DmaDirection.ToDevice); post.Post({|DMA006:c.A|}, 64); }")]
    public Task Other_rules_reported(string member) => Check("class D { " + member + Make + MakeIn + Slot + " }" + Config);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var (a, _) = MakeIn(dma, buf); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var b = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var t = MakeIn(dma, buf); if (dma.MappingError(t.A)) return; dma.UnmapSingle(t.A, 64, DmaDirection.FromDevice); }")]
    public Task Other_rules_not_reported(string member) => Check("class D { " + member + Make + MakeIn + Slot + " }" + Config);
}
