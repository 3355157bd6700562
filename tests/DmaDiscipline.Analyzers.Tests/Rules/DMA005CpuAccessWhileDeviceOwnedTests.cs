using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA005: the CPU takes a buffer's Span while the buffer is mapped FromDevice/Bidirectional (or writes it while mapped ToDevice) and not synced for the CPU or unmapped.</summary>
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
    [InlineData(MapFrom + " {|DMA005:buf.Span|}[0] |= 1; " + Unmap)]
    // Synced the other mapping.
    [InlineData(MapFrom + " dma.SyncForCpu(previous, 64, DmaDirection.FromDevice); var s = {|DMA005:buf.Span|}; " + Unmap)]
    // Two accesses in one statement are one defect: one diagnostic, at the access the analysis meets first (an assignment's
    // value before its target); the next statement's access is another.
    [InlineData(MapFrom + " int type = {|DMA005:buf.Span|}[12] << 8 | buf.Span[13]; var again = {|DMA005:buf.Span|}[14]; " + Unmap)]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional); if (dma.MappingError(a)) return; buf.Span[0] = (byte)({|DMA005:buf.Span|}[1] + buf.Span[2]); dma.UnmapSingle(a, 64, DmaDirection.Bidirectional);")]
    // Posted to the device: still the device's.
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; Track(a); var s = {|DMA005:buf.Span|};", "static void Track(DmaAddr a) { }")]
    // Handed back to the device through a variable holding one of two mappings of the same buffer (assigned in both arms):
    // whichever it holds, that buffer is the device's again.
    [InlineData("DmaAddr a; if (flag) a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); else a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[15]; dma.SyncForDevice(a, 64, DmaDirection.FromDevice); var y = {|DMA005:buf.Span|}[12]; " + Unmap)]
    [InlineData("var a = flag ? dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice) : dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 32, DmaDirection.FromDevice); dma.SyncForDevice(a, 32, DmaDirection.FromDevice); var y = {|DMA005:buf.Span|}[12]; " + Unmap)]
    public Task Reported(string statements, string members = "") => Check(Body(statements).Replace("} }", "} " + members + " }"));

    [Theory]
    // One of two mappings of different buffers handed back: which buffer the device has again is not known, and neither is reported.
    [InlineData("var a = flag ? dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice) : dma.MapSingle(other, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); dma.SyncForDevice(a, 64, DmaDirection.FromDevice); var y = buf.Span[12]; var z = other.Span[12]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    // Read before the hand-back through the choice.
    [InlineData("DmaAddr a; if (flag) a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); else a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[15]; var y = buf.Span[12]; dma.SyncForDevice(a, 64, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice);")]
    public Task Handed_back_through_a_choice_not_reported(string statements) => Check(Body(statements));

    [Theory]
    // A ToDevice mapping: reads are harmless.
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

    private const string MapTo = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return;";
    private const string UnmapTo = "dma.UnmapSingle(a, 64, DmaDirection.ToDevice);";

    [Theory]
    [InlineData(MapTo + " {|DMA005:buf.Span|}[0] = 1; " + UnmapTo)]
    [InlineData(MapTo + " {|DMA005:buf.Span|}[3] |= 0x80; " + UnmapTo)]
    [InlineData(MapTo + " {|DMA005:buf.Span|}[3]++; " + UnmapTo)]
    [InlineData(MapTo + " frame.CopyTo({|DMA005:buf.Span|}); " + UnmapTo)]
    [InlineData(MapTo + " frame.CopyTo({|DMA005:buf.Span|}[12..]); " + UnmapTo)]
    [InlineData(MapTo + " frame.CopyTo({|DMA005:buf.Span|}.Slice(12)); " + UnmapTo)]
    [InlineData(MapTo + " {|DMA005:buf.Span|}.Clear(); " + UnmapTo)]
    [InlineData(MapTo + " {|DMA005:buf.Span|}[..12].Fill(0); " + UnmapTo)]
    [InlineData(MapTo + " System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian({|DMA005:buf.Span|}, 5); " + UnmapTo)]
    [InlineData(MapTo + " Fill({|DMA005:buf.Span|}); " + UnmapTo)]
    // Handed to the device again after the CPU's turn: the next write is too late.
    [InlineData(MapTo + " dma.SyncForCpu(a, 64, DmaDirection.ToDevice); buf.Span[0] = 1; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); {|DMA005:buf.Span|}[1] = 2; " + UnmapTo)]
    public Task A_CPU_write_after_a_ToDevice_map_is_reported(string statements) =>
        Check(WithFrame(statements));

    [Theory]
    // Reads of a ToDevice buffer.
    [InlineData(MapTo + " var sum = Sum(buf.Span); " + UnmapTo)]
    [InlineData(MapTo + " buf.Span.CopyTo(frame.ToArray()); " + UnmapTo)]
    [InlineData(MapTo + " ReadOnlySpan<byte> view = buf.Span; " + UnmapTo)]
    [InlineData(MapTo + " var x = buf.Span[12..][0]; " + UnmapTo)]
    // Written before the map, after the unmap, on the failed path, or between the CPU's sync and the device's.
    [InlineData("frame.CopyTo(buf.Span); " + MapTo + " " + UnmapTo)]
    [InlineData(MapTo + " " + UnmapTo + " buf.Span.Clear();")]
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) { buf.Span.Clear(); return; } " + UnmapTo)]
    [InlineData(MapTo + " dma.SyncForCpu(a, 64, DmaDirection.ToDevice); frame.CopyTo(buf.Span); dma.SyncForDevice(a, 64, DmaDirection.ToDevice); " + UnmapTo)]
    // Another buffer.
    [InlineData(MapTo + " other.Span.Clear(); " + UnmapTo)]
    public Task Reads_and_writes_the_CPU_may_make_are_not(string statements) =>
        Check(WithFrame(statements));

    private static string WithFrame(string statements) =>
        Body("ReadOnlySpan<byte> frame = stackalloc byte[4]; " + statements)
            .Replace("} }", "} static int Sum(ReadOnlySpan<byte> s) { int n = 0; foreach (var b in s) n += b; return n; } static void Fill(Span<byte> s) { s.Clear(); } }");
}
