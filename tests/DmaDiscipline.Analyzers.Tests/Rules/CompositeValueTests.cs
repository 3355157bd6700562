using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A mapping kept in a member of a value made in the body (issue 14): a tuple literal's element, a
/// deconstruction, a record's positional argument, an object initializer's member, a field of a
/// struct local. The member is followed where it is read back; in a value type (tuple, struct,
/// record struct) the mapping is still this body's to release, in a class the object holds it.
/// Each shape with look-alikes that stay quiet.
/// </summary>
public sealed class CompositeValueTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string Types = " sealed record Slot(DmaAddr A, int Len); readonly record struct Pair(DmaAddr A, int Len); sealed class Holder { public DmaAddr A { get; set; } } struct Cell { public DmaAddr A; public int Len; }";

    [Theory]
    // Posted unchecked through the member.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var t = (A: " + Map + ", Len: 64); post.Post({|DMA003:t.A|}, t.Len); if (!dma.MappingError(t.A)) dma.UnmapSingle(t.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var t = (" + Map + ", 64); post.Post({|DMA003:t.Item1|}, 64); if (!dma.MappingError(t.Item1)) dma.UnmapSingle(t.Item1, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var (a, len) = (" + Map + ", 64); post.Post({|DMA003:a|}, len); if (!dma.MappingError(a)) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var r = new Slot(" + Map + ", 64); post.Post({|DMA003:r.A|}, 64); if (!dma.MappingError(r.A)) dma.UnmapSingle(r.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var r = new Pair(" + Map + ", 64); post.Post({|DMA003:r.A|}, 64); if (!dma.MappingError(r.A)) dma.UnmapSingle(r.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var h = new Holder { A = " + Map + " }; post.Post({|DMA003:h.A|}, 64); if (!dma.MappingError(h.A)) dma.UnmapSingle(h.A, 64, DmaDirection.ToDevice); }")]
    public Task DMA003_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Checked through the member first.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var t = (A: " + Map + ", Len: 64); if (dma.MappingError(t.A)) return; post.Post(t.A, t.Len); dma.UnmapSingle(t.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var r = new Slot(" + Map + ", 64); if (dma.MappingError(r.A)) return; post.Post(r.A, 64); dma.UnmapSingle(r.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var h = new Holder { A = " + Map + " }; if (dma.MappingError(h.A)) return; post.Post(h.A, 64); dma.UnmapSingle(h.A, 64, DmaDirection.ToDevice); }")]
    public Task DMA003_not_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Kept in a value-type local and never released.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var t = (A: {|DMA002:" + Map + "|}, Len: 64); if (dma.MappingError(t.A)) return; dma.SyncForDevice(t.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var r = new Pair({|DMA002:" + Map + "|}, 64); if (dma.MappingError(r.A)) return; dma.SyncForDevice(r.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = {|DMA002:" + Map + "|}; if (dma.MappingError(c.A)) return; dma.SyncForDevice(c.A, 64, DmaDirection.ToDevice); }")]
    public Task DMA002_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Released through the member.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var t = (A: " + Map + ", Len: 64); if (dma.MappingError(t.A)) return; dma.UnmapSingle(t.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = " + Map + "; if (dma.MappingError(c.A)) return; dma.UnmapSingle(c.A, 64, DmaDirection.ToDevice); }")]
    // The whole value handed on: returned, stored, passed.
    [InlineData("(DmaAddr A, int Len) F(DmaApi dma, KBuffer buf) { var t = (A: " + Map + ", Len: 64); return t; }")]
    [InlineData("Pair _kept; void F(DmaApi dma, KBuffer buf) { var r = new Pair(" + Map + ", 64); _kept = r; }")]
    [InlineData("static void Keep(Cell c) { } void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = " + Map + "; Keep(c); }")]
    // Held by an object of a class: the holder owns it.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var r = new Slot(" + Map + ", 64); if (dma.MappingError(r.A)) return; }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var h = new Holder { A = " + Map + " }; if (dma.MappingError(h.A)) return; }")]
    // Returned as a tuple literal.
    [InlineData("(DmaAddr, int) F(DmaApi dma, KBuffer buf) => (" + Map + ", 64);")]
    public Task DMA002_not_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Released through the member, then used through it.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var r = new Slot(" + Map + ", 64); if (dma.MappingError(r.A)) return; dma.UnmapSingle(r.A, 64, DmaDirection.ToDevice); post.Post({|DMA006:r.A|}, 64); }")]
    // Unmapped through the member with another length.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var t = (A: " + Map + ", Len: 64); if (dma.MappingError(t.A)) return; dma.UnmapSingle(t.A, {|DMA004:32|}, DmaDirection.ToDevice); }")]
    public Task DMA004_DMA006_reported(string member) => Check("class D { " + member + Types + " }");
}
