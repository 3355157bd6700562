using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// The flow graph builds a switch expression's <c>_</c> arm (and a <c>var</c> pattern) as a test, with the throw
/// for an unmatched value behind it. A test that always matches has no other way out: no exit is reported
/// through that throw. A switch expression that is not exhaustive does throw, and a mapping live there leaks.
/// </summary>
public sealed class AlwaysMatchingPatternTests
{
    private static Task Check(string body) => Verify<MappingLifecycleAnalyzer>.Analyzer(
        "class D { private readonly DmaAddr[] _slots = new DmaAddr[4]; " + body + " }");

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    // The mapping is live while a switch expression with a discard arm picks a slot; stored after it.
    [InlineData("bool F(DmaApi dma, KBuffer buf, int n) { var a = " + Map + "; if (dma.MappingError(a)) return false; var i = n switch { 0 => 1, _ => 2 }; _slots[i] = a; return true; }")]
    [InlineData("bool F(DmaApi dma, KBuffer buf, int n, IRing ring) { var a = " + Map + "; if (dma.MappingError(a)) return false; ring.Post(n switch { 0 => a, _ => a }, 64); return true; }")]
    // A var pattern as the last arm.
    [InlineData("bool F(DmaApi dma, KBuffer buf, int n) { var a = " + Map + "; if (dma.MappingError(a)) return false; var i = n switch { 0 => 1, var other => other & 3 }; _slots[i] = a; return true; }")]
    public Task A_discard_arm_throws_nothing(string body) => Check(body);

    [Theory]
    // No discard: a value no arm matches throws with the mapping live.
    [InlineData("bool F(DmaApi dma, KBuffer buf, int n) { var a = {|DMA002:" + Map + "|}; if (dma.MappingError(a)) return false; var i = n switch { 0 => 1, 1 => 2 }; _slots[i] = a; return true; }")]
    public Task A_switch_expression_that_is_not_exhaustive_may_throw(string body) => Check("\n#pragma warning disable CS8509\n" + body);
}
