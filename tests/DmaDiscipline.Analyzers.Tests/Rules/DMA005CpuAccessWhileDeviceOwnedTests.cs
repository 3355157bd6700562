using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA005: the CPU takes a buffer's Span while the buffer is mapped FromDevice/Bidirectional and not synced for the CPU or unmapped.</summary>
public sealed class DMA005CpuAccessWhileDeviceOwnedTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements) =>
        "class D { private KBuffer? _rx; void F(DmaApi dma, KBuffer buf, KBuffer other, PhysicalMemory mem, bool flag, DmaDirection unknown, DmaAddr previous) { " + statements + " } }";

    private const string MapFrom = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return;";
    private const string Unmap = "dma.UnmapSingle(a, 64, DmaDirection.FromDevice);";

    [Theory]
    [InlineData(MapFrom + " var first = {|DMA005:buf.Span|}[0]; " + Unmap)]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional); if (dma.MappingError(a)) return; {|DMA005:buf.Span|}[0] = 1; dma.UnmapSingle(a, 64, DmaDirection.Bidirectional);")]
    // Handed back to the device, then read again.
    [InlineData(MapFrom + " dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[0]; dma.SyncForDevice(a, 64, DmaDirection.FromDevice); var y = {|DMA005:buf.Span|}[0]; " + Unmap)]
    // Synced on one path only.
    [InlineData(MapFrom + " if (flag) dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = {|DMA005:buf.Span|}[0]; " + Unmap)]
    [InlineData("foreach (var b in new[] { buf, other }) { var a = dma.MapSingle(b, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) continue; {|DMA005:b.Span|}.Clear(); dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    // Before the check, the buffer already belongs to the device.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); {|DMA005:buf.Span|}[0] = 0; if (dma.MappingError(a)) return; " + Unmap)]
    [InlineData("var dir = DmaDirection.FromDevice; var a = dma.MapSingle(buf, 0, 64, dir); if (dma.MappingError(a)) return; var s = {|DMA005:buf.Span|}; " + Unmap)]
    // A buffer kept in a field.
    [InlineData("_rx = mem.Allocate(64); var a = dma.MapSingle(_rx, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; var s = {|DMA005:_rx.Span|}; " + Unmap)]
    [InlineData(MapFrom + " if ({|DMA005:buf.Span|}[0] == 0) Log.Info(\"empty\"); " + Unmap)]
    [InlineData(MapFrom + " var copy = {|DMA005:buf.Span|}.ToArray(); " + Unmap)]
    // Synced the other mapping.
    [InlineData(MapFrom + " dma.SyncForCpu(previous, 64, DmaDirection.FromDevice); var s = {|DMA005:buf.Span|}; " + Unmap)]
    // Posted to the device: still the device's.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; Track(a); var s = {|DMA005:buf.Span|};", "static void Track(DmaAddr a) { }")]
    public Task Reported(string statements, string members = "") => Check(Body(statements).Replace("} }", "} " + members + " }"));

    [Theory]
    // A ToDevice mapping: reads are harmless (writes after the map are a different mistake).
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; var x = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData(MapFrom + " dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[0]; " + Unmap)]
    [InlineData(MapFrom + " " + Unmap + " var x = buf.Span[0];")]
    [InlineData("buf.Span.Clear(); " + MapFrom + " " + Unmap)]
    // On the failed path the CPU still owns the buffer.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) { buf.Span.Clear(); return; } " + Unmap)]
    [InlineData(MapFrom + " other.Span.Clear(); " + Unmap)]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, unknown); if (dma.MappingError(a)) return; var x = buf.Span[0]; dma.UnmapSingle(a, 64, unknown);")]
    [InlineData("var c = dma.AllocCoherent(64); c.Span[0] = 1; dma.FreeCoherent(c);")]
    [InlineData(MapFrom + " dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[0]; dma.SyncForDevice(a, 64, DmaDirection.FromDevice); " + Unmap)]
    [InlineData(MapFrom + " var n = buf.Length; " + Unmap)]
    // The variable now names a fresh buffer.
    [InlineData(MapFrom + " var mapped = buf; buf = mem.Allocate(64); buf.Span.Clear(); " + Unmap)]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; try { Log.Info(\"wait\"); } finally { dma.SyncForCpu(a, 64, DmaDirection.FromDevice); } var x = buf.Span[0]; " + Unmap)]
    public Task NotReported(string statements) => Check(Body(statements));
}
