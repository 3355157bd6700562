using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A copy made with <c>with</c> of a value the body made (the second blind round): the copy's members start as the
/// operand's — the mapping is followed through either, still this body's to release — and the initializer replaces the
/// members it names. A member of a struct local given a known integer (<c>c.Len = 64</c>, a <c>with</c>'s <c>Len = 32</c>)
/// is that integer where an unmap or sync reads it back. Each with look-alikes that stay quiet.
/// </summary>
public sealed class WithExpressionTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string Types = " sealed record Slot(DmaAddr A, int Len); readonly record struct Pair(DmaAddr A, int Len); struct Cell { public DmaAddr A; public int Len; }";

    [Theory]
    // The copy's length, changed by the initializer, given to the unmap.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 32 }; dma.UnmapSingle(q.A, {|DMA004:q.Len|}, DmaDirection.ToDevice); }")]
    // A struct local's member given a known length, read back at the unmap.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = " + Map + "; c.Len = 32; if (dma.MappingError(c.A)) return; dma.UnmapSingle(c.A, {|DMA004:c.Len|}, DmaDirection.ToDevice); }")]
    // A plain struct's copy of a copy: the mapping member the first copy took from the original is still the second's.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = " + Map + "; c.Len = 64; if (dma.MappingError(c.A)) return; var d = c with { Len = 16 }; var e = d with { Len = 8 }; dma.SyncForDevice(e.A, {|DMA004:128|}, DmaDirection.ToDevice); dma.UnmapSingle(e.A, {|DMA004:e.Len|}, DmaDirection.ToDevice); }")]
    public Task DMA004_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // The copy's length is the map's.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 64 }; dma.UnmapSingle(q.A, q.Len, DmaDirection.ToDevice); }")]
    // The member is changed on one path only: not known, not compared.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool small) { var c = new Cell(); c.A = " + Map + "; c.Len = 64; if (small) c.Len = 32; if (dma.MappingError(c.A)) return; dma.UnmapSingle(c.A, c.Len, DmaDirection.ToDevice); }")]
    // The whole struct assigned again: the known length its member held is forgotten (the new value's is a parameter's).
    [InlineData("void F(DmaApi dma, KBuffer buf, Cell other) { var c = new Cell(); c.A = " + Map + "; c.Len = 32; if (dma.MappingError(c.A)) return; var a = c.A; c = other; dma.UnmapSingle(a, c.Len, DmaDirection.ToDevice); }")]
    // The struct given by ref to a method that may change its members, or a mutating method called on it: not known after.
    [InlineData("static void Fix(ref Cell c) { c.Len = 64; } void F(DmaApi dma, KBuffer buf) { var c = new Cell(); c.A = " + Map + "; c.Len = 32; if (dma.MappingError(c.A)) return; Fix(ref c); dma.UnmapSingle(c.A, c.Len, DmaDirection.ToDevice); }")]
    [InlineData("struct Mut { public DmaAddr A; public int Len; public void Fix() { Len = 64; } } void F(DmaApi dma, KBuffer buf) { var c = new Mut(); c.A = " + Map + "; c.Len = 32; if (dma.MappingError(c.A)) return; c.Fix(); dma.UnmapSingle(c.A, c.Len, DmaDirection.ToDevice); }")]
    // A member of a class object (another body may change it) is not taken as known.
    [InlineData("sealed class Box { public DmaAddr A; public int Len; } void F(DmaApi dma, KBuffer buf) { var b = new Box(); b.A = " + Map + "; b.Len = 32; if (dma.MappingError(b.A)) return; dma.UnmapSingle(b.A, b.Len, DmaDirection.ToDevice); }")]
    public Task DMA004_not_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Copied with a member changed, the mapping is still this body's: not released through either, it leaks.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var p = new Pair({|DMA002:" + Map + "|}, 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 32 }; dma.SyncForDevice(q.A, 32, DmaDirection.ToDevice); }")]
    public Task DMA002_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Released through the copy.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 32 }; dma.UnmapSingle(q.A, 64, DmaDirection.ToDevice); }")]
    // The copy handed on whole: stored, passed.
    [InlineData("Pair _kept; void F(DmaApi dma, KBuffer buf) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 32 }; _kept = q; }")]
    [InlineData("static void Keep(Pair p) { } void F(DmaApi dma, KBuffer buf) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; Keep(p with { Len = 32 }); }")]
    // The initializer replaces the mapping member: the copy holds the other handle, the original is released through itself.
    [InlineData("void F(DmaApi dma, KBuffer buf, DmaAddr other) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { A = other }; dma.UnmapSingle(p.A, 64, DmaDirection.ToDevice); dma.SyncForDevice(q.A, 64, DmaDirection.ToDevice); }")]
    // Other shapes of `with` (an anonymous object's copy, a field's, a parameter's): followed as before, nothing reported.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var a = " + Map + "; if (dma.MappingError(a)) return; var o = new { A = a, Len = 64 }; var o2 = o with { Len = 32 }; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("Pair _kept; void F(DmaApi dma) { var q = _kept with { Len = 32 }; dma.UnmapSingle(q.A, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, Pair given) { var q = given with { Len = 32 }; dma.UnmapSingle(q.A, 64, DmaDirection.ToDevice); }")]
    public Task DMA002_DMA006_not_reported(string member) => Check("class D { " + member + Types + " }");

    [Theory]
    // Released through the copy, then used through the original (one mapping).
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var p = new Pair(" + Map + ", 64); if (dma.MappingError(p.A)) return; var q = p with { Len = 32 }; dma.UnmapSingle(q.A, 64, DmaDirection.ToDevice); post.Post({|DMA006:p.A|}, 64); }")]
    // A class record's copy (made by its clone) follows the same mapping.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var r = new Slot(" + Map + ", 64); if (dma.MappingError(r.A)) return; var s = r with { Len = 32 }; dma.UnmapSingle(s.A, 64, DmaDirection.ToDevice); post.Post({|DMA006:r.A|}, 64); }")]
    public Task DMA006_reported(string member) => Check("class D { " + member + Types + " }");
}
