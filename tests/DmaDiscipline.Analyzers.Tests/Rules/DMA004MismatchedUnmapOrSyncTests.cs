using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA004: unmap with another length or direction than the map's; a sync with another direction or a larger length; SyncForCpu on a ToDevice mapping (info).</summary>
public sealed class DMA004MismatchedUnmapOrSyncTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements) =>
        "class D { void F(DmaApi dma, KBuffer buf, ScatterList sg, int n, DmaDirection unknown) { " + statements + " } }";

    [Theory]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, {|DMA004:32|}, DmaDirection.ToDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, {|DMA004:DmaDirection.FromDevice|});")]
    [InlineData("int length = 64; var a = dma.MapSingle(buf, 0, length, DmaDirection.ToDevice); dma.UnmapSingle(a, {|DMA004:128|}, DmaDirection.ToDevice);")]
    [InlineData("var dir = DmaDirection.FromDevice; var a = dma.MapSingle(buf, 0, 64, dir); dma.UnmapSingle(a, 64, {|DMA004:DmaDirection.ToDevice|});")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, {|DMA004:DmaDirection.ToDevice|}); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, {|DMA004:128|}, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, {|DMA004:DmaDirection.Bidirectional|}); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    [InlineData("if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; dma.UnmapSg(sg, {|DMA004:DmaDirection.FromDevice|});")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); try { } finally { dma.UnmapSingle(a, {|DMA004:4096|}, DmaDirection.ToDevice); }")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, {|DMA004:16|}, {|DMA004:DmaDirection.Bidirectional|});")]
    [InlineData("const int Size = 64; var a = dma.MapSingle(buf, 0, Size, DmaDirection.ToDevice); dma.UnmapSingle(a, {|DMA004:Size * 2|}, DmaDirection.ToDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional); dma.UnmapSingle(a, 64, {|DMA004:DmaDirection.ToDevice|});")]
    [InlineData("int m = 64; var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); int k = 63; dma.UnmapSingle(a, {|DMA004:k|}, DmaDirection.ToDevice);")]
    // A length moved by ++ after the map.
    [InlineData("int m = 64; var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); m++; dma.UnmapSingle(a, {|DMA004:m|}, DmaDirection.ToDevice);")]
    // The received frame's length (the map's, less the FCS) given to the unmap (ftgmac100's "unmap size=42 bytes").
    [InlineData("var frame = 64; var a = dma.MapSingle(buf, 0, frame, DmaDirection.FromDevice); if (dma.MappingError(a)) return; frame -= 4; dma.UnmapSingle(a, {|DMA004:frame|}, DmaDirection.FromDevice);")]
    [InlineData("var frame = 64; var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; frame = frame - 4; dma.UnmapSingle(a, {|DMA004:frame|}, DmaDirection.FromDevice);")]
    [InlineData("int hdr = 16; int payload = 48; var a = dma.MapSingle(buf, 0, hdr + payload, DmaDirection.ToDevice); dma.UnmapSingle(a, {|DMA004:payload|}, DmaDirection.ToDevice);")]
    public Task Reported(string statements) => Check(Body(statements));

    [Fact]
    public Task SyncForCpu_on_a_ToDevice_mapping_is_pointless_info() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(
            Body("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; {|#0:dma.SyncForCpu(a, 64, DmaDirection.ToDevice)|}; dma.UnmapSingle(a, 64, DmaDirection.ToDevice);"),
            new Microsoft.CodeAnalysis.Testing.DiagnosticResult("DMA004", DiagnosticSeverity.Info).WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("SyncForCpu on a ToDevice mapping is legal but pointless: neither the device nor the CPU writes the buffer"));

    [Theory]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, n, DmaDirection.ToDevice); dma.UnmapSingle(a, n, DmaDirection.ToDevice);")]
    // Lengths that are not constants are not compared.
    [InlineData("var a = dma.MapSingle(buf, 0, n, DmaDirection.ToDevice); dma.UnmapSingle(a, buf.Length, DmaDirection.ToDevice);")]
    // A sync of a sub-range.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 16, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.Bidirectional); dma.SyncForDevice(a, 64, DmaDirection.Bidirectional); dma.UnmapSingle(a, 64, DmaDirection.Bidirectional);")]
    // Handing a FromDevice buffer back to the device is what SyncForDevice is for.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); dma.SyncForDevice(a, 64, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    // Different locals with the same value.
    [InlineData("int m = 64; int k = 64; var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); dma.UnmapSingle(a, k, DmaDirection.ToDevice);")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, unknown); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // Each mapping unmapped with its own length.
    [InlineData("var h = dma.MapSingle(buf, 0, 16, DmaDirection.ToDevice); var p = dma.MapSingle(buf, 16, 48, DmaDirection.ToDevice); dma.UnmapSingle(p, 48, DmaDirection.ToDevice); dma.UnmapSingle(h, 16, DmaDirection.ToDevice);")]
    // A mapping length that differs between paths is unknown.
    [InlineData("int m = 16; if (n > 0) m = 64; var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // So is one chosen by ?: (the graph assigns the local it captured before the branch), with or without a catch around.
    [InlineData("int m = 16; m = n > 0 ? 64 : 16; var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData("int m = 16; try { m = n > 0 ? 64 : 16; } catch (System.InvalidOperationException) { } var a = dma.MapSingle(buf, 0, m, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData("if (dma.MapSg(sg, DmaDirection.FromDevice) == 0) return; dma.SyncSgForCpu(sg, DmaDirection.FromDevice); dma.UnmapSg(sg, DmaDirection.FromDevice);")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c);")]
    // A length brought to the map's by --.
    [InlineData("int m = 65; m--; var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); dma.UnmapSingle(a, m, DmaDirection.ToDevice);")]
    // The offset is not the length.
    [InlineData("var a = dma.MapSingle(buf, 32, 32, DmaDirection.ToDevice); dma.UnmapSingle(a, 32, DmaDirection.ToDevice);")]
    // Arithmetic of known constants that comes back to the map's length; a length moved by an unknown amount is not compared.
    [InlineData("int hdr = 16; int payload = 48; var a = dma.MapSingle(buf, 0, hdr + payload, DmaDirection.ToDevice); dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    [InlineData("var frame = 64; var a = dma.MapSingle(buf, 0, frame, DmaDirection.FromDevice); frame -= 4; frame += 4; dma.UnmapSingle(a, frame, DmaDirection.FromDevice);")]
    [InlineData("var frame = 64; var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); frame -= n; dma.UnmapSingle(a, frame, DmaDirection.FromDevice);")]
    [InlineData("var frame = 64; var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (n > 0) frame -= 4; dma.UnmapSingle(a, frame, DmaDirection.FromDevice);")]
    public Task NotReported(string statements) => Check(Body(statements));
}
