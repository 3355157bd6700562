using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA002: a map inside a loop whose handle is kept in a variable that outlives the pass. On the next pass
/// the same map makes a new mapping and the variable is given it: the earlier pass's mapping, if nothing else
/// holds it and it was not released, is lost there — even when the variable's last mapping is handed on after
/// the loop. The look-alikes release or hand on the earlier pass's mapping before it is overwritten (the
/// "map the next, unmap the previous" pattern, a post or unmap each pass), or the loop cannot come round
/// with it (a <c>break</c> right after the map, a retry loop that only repeats on failure).
/// </summary>
public sealed class EarlierPassOverwrittenTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements, string members = "", string returns = "void") =>
        "class D { " + members + " " + returns + " F(DmaApi dma, KBuffer buf, IRing ring, int n, bool flag, int[] lengths) { " + statements + " } }";

    private const string Leaked = "{|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}";

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    // for, while, do: the last pass's mapping is posted after the loop; every earlier pass's is lost.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return; } ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; var i = 0; while (i < n) { a = " + Leaked + "; if (dma.MappingError(a)) return; i++; } ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; var i = 0; do { a = " + Leaked + "; if (dma.MappingError(a)) return; i++; } while (i < n); ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; foreach (var length in lengths) { a = " + Leaked + "; if (dma.MappingError(a)) return; } ring.Post(a, 64);")]
    // A switch inside the loop.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { switch (i % 3) { case 0: a = " + Leaked + "; if (dma.MappingError(a)) return; break; default: break; } } ring.Post(a, 64);")]
    // Inside a try: with a finally (the tree walk follows it), with a catch (the body takes the graph).
    [InlineData("DmaAddr a = default; try { for (var i = 0; i < n; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return; } } finally { Log.Info(\"done\"); } ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; try { for (var i = 0; i < n; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return; } } catch (InvalidOperationException) { return; } ring.Post(a, 64);")]
    // Made by a helper of the driver's own.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = {|DMA002:Make(dma, buf)|}; if (dma.MappingError(a)) return; } ring.Post(a, 64);", "static DmaAddr Make(DmaApi dma, KBuffer buf) => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);")]
    // Handed on by a return after the loop.
    [InlineData("DmaAddr a = default; for (var i = 0; i < lengths.Length; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return default; } return a;", "", "DmaAddr")]
    // Handed on by return, by a store into a field, by a release after the loop.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return; } _kept = a;", "DmaAddr _kept;")]
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Leaked + "; if (dma.MappingError(a)) return; } dma.UnmapSingle(a, 64, DmaDirection.ToDevice);")]
    // Kept through a second variable that is overwritten every pass (prev = cur, never unmapped).
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Leaked + "; if (dma.MappingError(cur)) return; prev = cur; } ring.Post(prev, 64);")]
    // Map the next, unmap the previous, but a failed map returns with the previous pass's mapping still held.
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Leaked + "; if (dma.MappingError(cur)) return; if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } ring.Post(prev, 64);")]
    // Released on one path only before the overwrite.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { if (flag) dma.UnmapSingle(a, 64, DmaDirection.ToDevice); a = " + Leaked + "; if (dma.MappingError(a)) return; } ring.Post(a, 64);")]
    // A coherent buffer reallocated each pass.
    [InlineData("CoherentBuffer? c = null; for (var i = 0; i < n; i++) { c = {|DMA002:dma.AllocCoherent(4096)|}; } _area = c;", "CoherentBuffer? _area;")]
    public Task Reported(string statements, string members = "", string returns = "void") => Check(Body(statements, members, returns));

    [Theory]
    // Map the next, unmap the previous: each earlier mapping is released before it is overwritten (and when the next map fails).
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (dma.MappingError(cur)) { if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); return; } if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } ring.Post(prev, 64);")]
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = default; var cur = " + Map + "; if (dma.MappingError(cur)) return; prev = cur; } if (prev != default) ring.Post(prev, 64);")]
    // Posted each pass: the ring has every earlier mapping.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Map + "; if (dma.MappingError(a)) return; ring.Post(a, 64); } ring.Post(a, 64);")]
    // Unmapped each pass.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Map + "; if (dma.MappingError(a)) return; ring.Post(a, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } Log.Value(a.Value);")]
    // The loop leaves right after the map: it never comes round with a mapping.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Map + "; if (dma.MappingError(a)) return; break; } ring.Post(a, 64);")]
    // A retry loop: it comes round only when the map failed, which holds nothing.
    [InlineData("DmaAddr a = default; for (var tries = 0; tries < 3; tries++) { a = " + Map + "; if (!dma.MappingError(a)) break; } if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    // Declared inside the loop and posted inside.
    [InlineData("for (var i = 0; i < n; i++) { var a = " + Map + "; if (dma.MappingError(a)) return; ring.Post(a, 64); }")]
    // Kept in a list each pass as well as in the variable.
    [InlineData("var all = new List<DmaAddr>(); DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Map + "; if (dma.MappingError(a)) return; all.Add(a); } ring.Post(a, 64); _all = all;", "List<DmaAddr>? _all;")]
    // Released in a finally on each pass.
    [InlineData("DmaAddr a = default; for (var i = 0; i < n; i++) { a = " + Map + "; if (dma.MappingError(a)) return; try { ring.Post(a, 64); } finally { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    // The field holding the earlier pass's mapping is posted before the next pass overwrites it.
    [InlineData("for (var i = 0; i < n; i++) { var a = " + Map + "; if (dma.MappingError(a)) return; _slot = a; ring.Post(_slot, 64); }", "DmaAddr _slot;")]
    // Made by a helper, unmapped each pass after the next is made.
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = Make(dma, buf); if (dma.MappingError(cur)) break; if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } if (prev != default) ring.Post(prev, 64);", "static DmaAddr Make(DmaApi dma, KBuffer buf) => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);")]
    // Straight-line code: one map, one post.
    [InlineData("DmaAddr a = default; if (flag) { a = " + Map + "; if (dma.MappingError(a)) return; } ring.Post(a, 64);")]
    public Task Not_reported(string statements, string members = "") => Check(Body(statements, members));

    private static Task CheckMessage(string source, string exit) =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(source,
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA002").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("streaming mapping", exit));

    [Fact]
    public Task The_message_names_the_overwrite() =>
        CheckMessage(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, IRing ring, int n)
                {
                    DmaAddr a = default;
                    for (var i = 0; i < n; i++)
                    {
                        a = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                        if (dma.MappingError(a)) return;
                    }

                    ring.Post(a, 64);
                }
            }
            """,
            "line 11, where a later pass of the loop overwrites it");

    [Fact]
    public Task The_message_names_the_overwrite_of_the_last_variable_holding_it() =>
        CheckMessage(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, IRing ring, int n)
                {
                    DmaAddr prev = default;
                    for (var i = 0; i < n; i++)
                    {
                        var cur = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                        if (dma.MappingError(cur)) break;
                        prev = cur;
                    }

                    ring.Post(prev, 64);
                }
            }
            """,
            "line 13, where a later pass of the loop overwrites it");

    [Fact]
    public Task A_failed_next_map_names_the_return_that_drops_the_previous_one() =>
        CheckMessage(
            """
            class D
            {
                void F(DmaApi dma, KBuffer buf, IRing ring, int n)
                {
                    DmaAddr prev = default;
                    for (var i = 0; i < n; i++)
                    {
                        var cur = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                        if (dma.MappingError(cur)) return;
                        if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice);
                        prev = cur;
                    }

                    ring.Post(prev, 64);
                }
            }
            """,
            "line 12");

    [Theory]
    // A variable holding one of two mappings: the second's failure was found only where the variable kept the first.
    [InlineData("var first = " + Map + "; if (dma.MappingError(first)) return; var h = first; var next = " + Map + "; if (!dma.MappingError(next)) { dma.UnmapSingle(h, 64, DmaDirection.ToDevice); h = next; } ring.Post(h, 64);")]
    // The same across the passes of a loop left by break when the next map fails.
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (dma.MappingError(cur)) break; if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } if (prev != default) ring.Post(prev, 64);")]
    public Task A_failure_found_where_the_variable_held_another_is_not_ignored_through_it(string statements) => Check(Body(statements));

    [Theory]
    // Found failed on the path where the variable was given it, the failure only logged, then used.
    [InlineData("var a = " + Map + "; DmaAddr h = default; if (flag) { if (dma.MappingError(a)) Log.Info(\"failed\"); h = a; } else { if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } ring.Post({|DMA003:h|}, 64);")]
    // Found failed through the variable itself after the join, and used anyway.
    [InlineData("var first = " + Map + "; if (dma.MappingError(first)) return; var h = first; var next = " + Map + "; if (!dma.MappingError(next)) { dma.UnmapSingle(h, 64, DmaDirection.ToDevice); h = next; } if (dma.MappingError(h)) Log.Info(\"failed\"); ring.Post({|DMA003:h|}, 64);")]
    public Task A_failure_found_where_the_variable_holds_it_is_reported(string statements) => Check(Body(statements));

    [Theory]
    // DMA004: the previous pass's mapping unmapped through prev with another length than its map's (silent while prev was not followed).
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (dma.MappingError(cur)) break; ring.Post(cur, 64); if (prev != default) dma.UnmapSingle(prev, {|DMA004:32|}, DmaDirection.ToDevice); prev = cur; } if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice);")]
    // DMA003: the previous pass's mapping posted through prev on a later pass, where the pass that made it skipped the check.
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (prev != default) ring.Post({|DMA003:prev|}, 64); prev = cur; if (flag) continue; if (dma.MappingError(cur)) return; } _kept = prev;", "DmaAddr _kept;")]
    // Look-alike: the same loops with the map's length, and with the check on every pass.
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (dma.MappingError(cur)) break; ring.Post(cur, 64); if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); prev = cur; } if (prev != default) dma.UnmapSingle(prev, 64, DmaDirection.ToDevice);")]
    [InlineData("DmaAddr prev = default; for (var i = 0; i < n; i++) { var cur = " + Map + "; if (prev != default) ring.Post(prev, 64); prev = cur; if (dma.MappingError(cur)) return; } _kept = prev;", "DmaAddr _kept;")]
    public Task The_other_rules_follow_the_earlier_pass_mapping_through_its_variable(string statements, string members = "") => Check(Body(statements, members));
}
