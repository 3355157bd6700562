using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A branch whose condition constants decide — a flag or a length that a plain local of the body holds on
/// every path reaching it — goes only one way: the other arm is no path, and nothing on it is reported or
/// owed. The shapes come from the flow-variant suite's blind cores (issue 14): an error path whose unmap is
/// gated on a <c>mapped</c> flag (io_uring/zcrx's leak when the flag is only set on success; right when it is
/// set as soon as the mapping is good), and a teardown that unmaps again when the slot's recorded length is
/// not zero (ramips: right when the completion clears it). The look-alikes are never decided: a flag that
/// differs between paths, a parameter, a field, a local a lambda writes or one given by <c>ref</c>.
/// </summary>
public sealed class DecidedByConstantsTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements, string members = "") =>
        "class D { bool _mapped; " + members + " void F(DmaApi dma, KBuffer buf, IRing ring, bool flag, int n) { " + statements + " } static void Set(ref bool b) => b = false; }";

    private const string Map = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return;";

    private const string MapLeaked = "var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return;";

    [Theory]
    // The gate is shut on every path: the failure path leaks (DMA002).
    [InlineData(MapLeaked + " var mapped = false; if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } mapped = true; ring.Post(a, 64);")]
    [InlineData(MapLeaked + " var mapped = false; if (n > 2048) { if (!mapped) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    // The completion did not clear the length: the teardown unmaps again (DMA006).
    [InlineData(Map + " var len = 64; ring.Post(a, 64); dma.UnmapSingle(a, len, DmaDirection.ToDevice); if (len != 0) dma.UnmapSingle({|DMA006:a|}, len, DmaDirection.ToDevice);")]
    // A length computed from known constants decides too.
    [InlineData(Map + " var len = 64; len -= 4; ring.Post(a, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); if (len > 32) dma.UnmapSingle({|DMA006:a|}, 64, DmaDirection.ToDevice);")]
    public Task Reported(string statements) => Check(Body(statements));

    [Theory]
    // The gate is open on every path: the failure path unmaps.
    [InlineData(Map + " var mapped = true; if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    [InlineData(Map + " var mapped = false; mapped = true; if (n > 2048) { if (!mapped) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    // The completion cleared the length: the teardown's unmap never runs.
    [InlineData(Map + " var len = 64; ring.Post(a, 64); dma.UnmapSingle(a, len, DmaDirection.ToDevice); len = 0; if (len != 0) dma.UnmapSingle(a, len, DmaDirection.ToDevice);")]
    [InlineData(Map + " var len = 64; ring.Post(a, 64); dma.UnmapSingle(a, len, DmaDirection.ToDevice); len -= 64; if (len > 0) dma.UnmapSingle(a, len, DmaDirection.ToDevice);")]
    public Task Not_reported(string statements) => Check(Body(statements));

    [Theory]
    // A flag that differs between paths decides nothing: the path that skips the unmap leaks.
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; var mapped = flag; if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; var mapped = true; if (flag) mapped = false; if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    // A field may be changed by any call: never decided.
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; _mapped = true; if (n > 2048) { if (_mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    // A local a lambda writes, or one given by ref: what the dataflow saw may not be what it holds.
    // (The lambda is made before the map: one made while the mapping is live takes it over.)
    [InlineData("var mapped = true; System.Action drop = () => mapped = false; drop(); var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return; var mapped = true; Set(ref mapped); if (n > 2048) { if (mapped) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); return; } ring.Post(a, 64);")]
    public Task Not_decided(string statements) => Check(Body(statements));

    [Fact]
    public Task A_loop_counter_known_on_the_first_pass_only_still_leaves_the_loop() =>
        // i is 0 on entry and 1 after a pass: the exit is a path once the back edge joins in.
        Check(Body("for (var i = 0; i < 2; i++) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } var b = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};"));
}
