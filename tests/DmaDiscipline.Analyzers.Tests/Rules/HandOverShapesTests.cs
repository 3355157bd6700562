using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Where a mapping goes besides a local (issue 14's flow-variant suite): written to the caller through
/// <c>out</c>/<c>ref</c>, through a <c>ref</c> local, into a local of the enclosing body from a lambda,
/// yielded, kept in a nullable; a handler after a <c>try</c> whose calls cannot throw with it live;
/// a sync for the CPU of a handle not followed. Each shape with a look-alike that is still reported.
/// </summary>
public sealed class HandOverShapesTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string Unmap = "dma.UnmapSingle(a, 64, DmaDirection.ToDevice);";

    [Theory]
    // The DMA API reports failure by value: a handler after a try whose calls are all the DMA API's is not reached with the mapping live.
    [InlineData("void F(DmaApi dma, KBuffer buf) { try { var a = " + Map + "; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); " + Unmap + " } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { try { var a = " + Map + "; if (dma.MappingError(a)) return; " + Unmap + " } catch (Exception) { Log.Info(\"failed\"); throw; } }")]
    // Written to the caller's variable.
    [InlineData("static void Make(DmaApi dma, KBuffer buf, out DmaAddr a) { a = " + Map + "; }")]
    [InlineData("static void Fill(DmaApi dma, KBuffer buf, ref DmaAddr a) { a = " + Map + "; }")]
    // Written through a ref local to a local, then released through the local.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr a = default; ref DmaAddr r = ref a; r = " + Map + "; if (dma.MappingError(a)) return; " + Unmap + " }")]
    // Written by a lambda to a local of the enclosing body, which releases it.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr a = default; Action fill = () => a = " + Map + "; fill(); if (dma.MappingError(a)) return; " + Unmap + " }")]
    // Yielded to the caller.
    [InlineData("static IEnumerable<DmaAddr> Make(DmaApi dma, KBuffer buf) { yield return " + Map + "; }")]
    // Kept in a nullable, released through .Value.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr? a = " + Map + "; if (dma.MappingError(a.Value)) return; dma.UnmapSingle(a.Value, 64, DmaDirection.ToDevice); }")]
    public Task DMA002_not_reported(string member) => Check("class D { " + member + " }");

    [Theory]
    // A call that may throw while the mapping is live: the handler's path leaks it.
    [InlineData("void F(DmaApi dma, KBuffer buf) { try { var a = {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return; Log.Info(\"posting\"); " + Unmap + " } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    // A local of its own, not the caller's.
    [InlineData("static void Make(DmaApi dma, KBuffer buf, DmaAddr a) { a = {|DMA002:" + Map + "|}; }")]
    // Written through the ref local, never released.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr a = default; ref DmaAddr r = ref a; r = {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); }")]
    // Written by a lambda to the enclosing body's local, which never releases it.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr a = default; Action fill = () => a = {|DMA002:" + Map + "|}; fill(); if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); }")]
    // An iterator that yields something else.
    [InlineData("static IEnumerable<int> Make(DmaApi dma, KBuffer buf) { var a = {|DMA002:" + Map + "|}; yield return 1; }")]
    // Kept in a nullable, never released.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr? a = {|DMA002:" + Map + "|}; if (dma.MappingError(a.Value)) return; dma.SyncForDevice(a.Value, 64, DmaDirection.ToDevice); }")]
    public Task DMA002_reported(string member) => Check("class D { " + member + " }");

    private const string MapFrom = "dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)";

    [Theory]
    // Synced for the CPU through an array slot the analysis does not follow: it may be this buffer's mapping.
    [InlineData("void F(DmaApi dma, KBuffer buf, DmaAddr[] slots) { slots[3] = " + MapFrom + "; if (dma.MappingError(slots[3])) return; dma.SyncForCpu(slots[3], 64, DmaDirection.FromDevice); var x = buf.Span[0]; }")]
    // Synced through a variable holding one of two mappings of the buffer.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + MapFrom + " : " + MapFrom + "; if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    public Task DMA005_not_reported(string member) => Check("class D { " + member + " }");

    [Theory]
    // The array slot is never synced.
    [InlineData("void F(DmaApi dma, KBuffer buf, DmaAddr[] slots) { slots[3] = " + MapFrom + "; if (dma.MappingError(slots[3])) return; var x = {|DMA005:buf.Span|}[0]; }")]
    // The variable holding one of the two is not synced.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + MapFrom + " : " + MapFrom + "; if (dma.MappingError(a)) return; var x = {|DMA005:buf.Span|}[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    public Task DMA005_reported(string member) => Check("class D { " + member + " }");

    [Theory]
    // Through a variable holding one of two mappings: the unmap is compared with each, and each is released after it.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + Map + " : " + Map + "; if (dma.MappingError(a)) return; dma.UnmapSingle(a, {|DMA004:32|}, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + Map + " : " + Map + "; if (dma.MappingError(a)) return; " + Unmap + " dma.SyncForDevice({|DMA006:a|}, 64, DmaDirection.ToDevice); }")]
    public Task Through_a_choice_reported(string member) => Check("class D { " + member + " }");

    [Theory]
    // The same shapes with the map's length, and the sync before the unmap.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + Map + " : " + Map + "; if (dma.MappingError(a)) return; " + Unmap + " }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { var a = flag ? " + Map + " : " + Map + "; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); " + Unmap + " }")]
    public Task Through_a_choice_not_reported(string member) => Check("class D { " + member + " }");
}
