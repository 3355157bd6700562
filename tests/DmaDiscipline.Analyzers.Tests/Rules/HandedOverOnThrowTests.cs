using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Regression tests for two false positives of the flow-variant suite (issue 14). A handle given to a
/// call inside a <c>try</c> is the callee's from the call on, also when it throws: the handler is not
/// told of a leak (c25, c26). A nullable handle found null holds no mapping on that branch:
/// <c>a0 ?? Map(...)</c> completes a maybe-made mapping without leaking it (d54). Each with the
/// defects next to them that must still be reported.
/// </summary>
public sealed class HandedOverOnThrowTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    // Posted inside a try whose handler logs (c25) or rethrows (c26).
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { try { var a = " + Map + "; if (dma.MappingError(a)) return; post.Post(a, 64); } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { try { var a = " + Map + "; if (dma.MappingError(a)) return; post.Post(a, 64); } catch (Exception) { Log.Info(\"failed\"); throw; } }")]
    // Its number given to a register write, then stored.
    [InlineData("DmaAddr[] _inflight = new DmaAddr[8]; void F(DmaApi dma, KBuffer buf, Regs regs) { try { var a = " + Map + "; if (dma.MappingError(a)) return; regs.Doorbell(a.Value); _inflight[0] = a; } catch (Exception) { Log.Info(\"failed\"); throw; } }")]
    // A nullable completed with ??, checked and released through the result.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { DmaAddr? a0 = flag ? " + Map + " : null; var a = a0 ?? " + Map + "; if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { DmaAddr? a0 = flag ? dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice) : null; var a = a0 ?? dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); Log.Value(buf.Span[0]); dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    // Tested for null explicitly.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { DmaAddr? a0 = flag ? " + Map + " : null; if (a0 is null) return; if (dma.MappingError(a0.Value)) return; dma.UnmapSingle(a0.Value, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { DmaAddr? a0 = flag ? " + Map + " : null; if (!a0.HasValue) return; if (dma.MappingError(a0.Value)) return; dma.UnmapSingle(a0.Value, 64, DmaDirection.ToDevice); }")]
    // TryAllocCoherent reports failure by its value, as the rest of the DMA API: a handler around it is not told of a leak
    // (the blind core DMA002c under c25/c26).
    [InlineData("void F(DmaApi dma, KBuffer buf) { try { var a = " + Map + "; if (dma.MappingError(a)) return; if (!dma.TryAllocCoherent(64, out var meta)) { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } dma.FreeCoherent(meta); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    public Task Not_reported(string member) => Check("class D { " + member + " }");

    [Theory]
    // The call that may throw is given nothing: the handler leaks the mapping.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { try { var a = {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return; Log.Info(\"mapped\"); post.Post(a, 64); } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    // The same around TryAllocCoherent, with a call of another API between map and release.
    [InlineData("void F(DmaApi dma, KBuffer buf) { try { var a = {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return; if (!dma.TryAllocCoherent(64, out var meta)) { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } Log.Info(\"header\"); dma.FreeCoherent(meta); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } catch (InvalidOperationException ex) { Log.Info(ex.Message); } }")]
    // Completed with ?? and never released.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag) { DmaAddr? a0 = flag ? {|DMA002:" + Map + "|} : null; var a = a0 ?? {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); }")]
    // Not null, and never checked.
    [InlineData("void F(DmaApi dma, KBuffer buf, bool flag, IRing post) { DmaAddr? a0 = flag ? " + Map + " : null; if (a0 is null) return; post.Post({|DMA003:a0.Value|}, 64); }")]
    public Task Reported(string member) => Check("class D { " + member + " }");
}
