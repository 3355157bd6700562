using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Defects found missed (or wrongly reported) by driver snippets written independently of the
/// analyzers (issue 14, item 2), each as the general rule it needed, with look-alikes that must stay
/// quiet: a second release a first one falls through to (DMA006); a release of a handle mapped
/// elsewhere (a field, a parameter), then a second one (DMA006); a mapping posted and then taken back
/// by the body before every return, leaked by a throw in between (DMA002); the failure branch of a
/// handle already found good, which no path takes (no DMA002 there).
/// </summary>
public sealed class IndependentSnippetTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements) =>
        "class D { private DmaAddr _a; private readonly Desc[] _ring = new Desc[8]; "
        + "bool F(DmaApi dma, KBuffer buf, IRing ring, bool flag, bool other, DmaAddr old) { " + statements + " return true; } "
        + "void Refill(DmaApi dma, KBuffer buf) { _a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); } }";

    private const string Map = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return false;";
    private const string Unmap = "dma.UnmapSingle(a, 64, DmaDirection.ToDevice);";
    private const string UnmapAgain = "dma.UnmapSingle({|DMA006:a|}, 64, DmaDirection.ToDevice);";
    private const string MapB = "var b = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(b)) return false; ring.Post(b, 64);";

    [Theory]
    // An error arm unmaps and falls through to the common unmap (N23).
    [InlineData(Map + " if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } " + UnmapAgain)]
    [InlineData(Map + " if (flag) " + Unmap + " Log.Info(\"done\"); " + UnmapAgain)]
    // A handler that unmaps and does not leave.
    [InlineData(Map + " try { ring.Post(a, 64); } catch (InvalidOperationException) { " + Unmap + " } " + UnmapAgain)]
    // Through a helper of the driver's own that releases what it is given, on one arm.
    [InlineData(Map + " if (flag) Release(dma, a); " + UnmapAgain + " return true; } bool Release(DmaApi dma, DmaAddr x) { dma.UnmapSingle(x, 64, DmaDirection.ToDevice);")]
    // An early exit in between that releases the handle again first (the flow-variant suite's blind core DMA006d under its
    // early-exit variants, after FreeBSD's iommu_gas double unmap on error): that path releases it twice as well.
    [InlineData(Map + " if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } if (other) { " + Unmap + " return false; } " + UnmapAgain)]
    [InlineData(Map + " if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } if (other) { " + Unmap + " throw new InvalidOperationException(); } " + UnmapAgain)]
    [InlineData(Map + " try { if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } } catch (Exception) { " + Unmap + " throw; } " + UnmapAgain)]
    public Task Second_release_after_a_release_on_one_path_reported(string statements) => Check(Body(statements));

    [Theory]
    // The early exit in between releases another handle, or releases this one only on a condition of its own: the path
    // that leaves there may not have released it again, and nothing is said.
    [InlineData(MapB + " " + Map + " if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } if (other) { dma.UnmapSingle(b, 64, DmaDirection.ToDevice); return false; } " + Unmap)]
    [InlineData(Map + " if (!flag) { " + Unmap + " } else { ring.Post(a, 64); } if (other) { if (flag) " + Unmap + " return false; } " + Unmap)]
    public Task Early_exit_in_between_that_does_not_release_again_not_reported(string statements) => Check(Body(statements));

    [Theory]
    // The second release has a condition of its own, which may be the first's negation. (The dataflow does not
    // correlate the two tests: DMA002 for the path that takes neither arm is its known limit; no DMA006.)
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return false; if (!flag) " + Unmap + " if (flag) " + Unmap)]
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return false; if (!flag) { " + Unmap + " } Log.Info(\"sent\"); if (flag) { " + Unmap + " }")]
    // The first release's path leaves before the second (a jump in the arm, or between: the same limit for DMA002).
    [InlineData(Map + " if (!flag) { " + Unmap + " return false; } " + Unmap)]
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return false; if (!flag) " + Unmap + " if (!flag) return false; " + Unmap)]
    // Mapped again on the path that released it.
    [InlineData(Map + " if (!flag) { " + Unmap + " a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return false; } " + Unmap)]
    // Released on one path, used on the next line (may be intended: DMA006 asks more of a use, see DMA006UseAfterUnmapTests).
    [InlineData(Map + " if (flag) " + Unmap + " ring.Post(a, 64);")]
    public Task Second_release_with_a_condition_of_its_own_not_reported(string statements) => Check(Body(statements));

    [Theory]
    // A field mapped by another method, released here, then released again or used (N06's shape, in a body that maps).
    [InlineData(MapB + " dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); ring.Post({|DMA006:_a|}, 64);")]
    [InlineData(MapB + " dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); dma.UnmapSingle({|DMA006:_a|}, 64, DmaDirection.ToDevice);")]
    [InlineData(MapB + " dma.UnmapSingle(old, 64, DmaDirection.ToDevice); _ring[0].Addr = {|DMA006:old.Value|};")]
    [InlineData(MapB + " if (flag) dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); dma.UnmapSingle({|DMA006:_a|}, 64, DmaDirection.ToDevice);")]
    public Task Handle_mapped_elsewhere_used_after_its_release_here_reported(string statements) => Check(Body(statements));

    [Theory]
    // A reset path or a completion handler that maps nothing: released, then posted or released again (N06, M06).
    [InlineData("class D { private DmaAddr _a; void Reset(DmaApi dma, IRing ring) { dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); ring.Post({|DMA006:_a|}, 64); } }")]
    [InlineData("class D { private readonly DmaAddr[] _addr = new DmaAddr[8]; void OnComplete(DmaApi dma, IRing ring, int id, int len) { var a = _addr[id]; dma.UnmapSingle(a, len, DmaDirection.ToDevice); ring.Post({|DMA006:a|}, len); } }")]
    [InlineData("class D { void Drop(DmaApi dma, CoherentBuffer c) { dma.FreeCoherent(c); {|DMA006:c.Span|}.Clear(); dma.FreeCoherent({|DMA006:c|}); } }")]
    [InlineData("class D { private DmaAddr _a; bool Start(DmaApi dma, KBuffer page, IRing ring) { _a = dma.MapSingle(page, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_a)) return false; ring.Post(_a, 64); return true; } void Reset(DmaApi dma, IRing ring) { dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); ring.Post({|DMA006:_a|}, 64); } }")]
    // The same bodies, right.
    [InlineData("class D { private DmaAddr _a; void Reset(DmaApi dma, IRing ring) { ring.Post(_a, 64); dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("class D { private readonly DmaAddr[] _addr = new DmaAddr[8]; void OnComplete(DmaApi dma, IRing ring, int id, int len) { var a = _addr[id]; dma.UnmapSingle(a, len, DmaDirection.ToDevice); _addr[id] = default; } }")]
    [InlineData("class D { private DmaAddr _a; void Reset(DmaApi dma, IRing ring, DmaAddr fresh) { dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); _a = fresh; ring.Post(_a, 64); } }")]
    public Task Body_that_only_releases(string source) => Check(source);

    [Theory]
    // Assigned again, or the driver's own code on this object may map it again.
    [InlineData(MapB + " dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); _a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_a)) return false; ring.Post(_a, 64);")]
    [InlineData(MapB + " dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); Refill(dma, buf); ring.Post(_a, 64);")]
    [InlineData(MapB + " dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); this.Refill(dma, buf); dma.UnmapSingle(_a, 64, DmaDirection.ToDevice);")]
    // Released on one path only, then used.
    [InlineData(MapB + " if (flag) dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); ring.Post(_a, 64);")]
    // An element: which one is not known.
    [InlineData(MapB + " var olds = new DmaAddr[2]; dma.UnmapSingle(olds[0], 64, DmaDirection.ToDevice); ring.Post(olds[1], 64);")]
    // Logged after the release.
    [InlineData(MapB + " dma.UnmapSingle(old, 64, DmaDirection.ToDevice); Log.Info(old.ToString());")]
    public Task Handle_mapped_elsewhere_not_reported(string statements) => Check(Body(statements));

    [Theory]
    // Posted, a throw when the wait times out, unmapped on the way out (Q9): the throw leaks it.
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return false; _ring[3].Addr = a.Value; if (!flag) throw new TimeoutException(); " + Unmap)]
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(a)) return false; ring.Post(a, 64); if (!flag) throw new TimeoutException(); if (other) { " + Unmap + " return false; } " + Unmap)]
    public Task Posted_then_taken_back_before_every_return_leaks_at_a_throw(string statements) => Check(Body(statements));

    [Theory]
    // Posted and left to the completion: a throw after the post leaves it to the completion as well.
    [InlineData(Map + " ring.Post(a, 64); if (!flag) throw new TimeoutException();")]
    // Taken back only on an error path; the success path leaves it posted.
    [InlineData(Map + " ring.Post(a, 64); if (!flag) { " + Unmap + " return false; } if (other) throw new TimeoutException();")]
    // Released before the throw.
    [InlineData(Map + " ring.Post(a, 64); if (!flag) { " + Unmap + " throw new TimeoutException(); } " + Unmap)]
    // Synchronous, no throw.
    [InlineData(Map + " _ring[3].Addr = a.Value; if (!flag) { " + Unmap + " return false; } " + Unmap)]
    public Task Posted_and_handed_over_not_reported(string statements) => Check(Body(statements));

    private static string Ring(string member) =>
        "class D { private readonly KBuffer[] _bufs = new KBuffer[8]; private readonly DmaAddr[] _addrs = new DmaAddr[8]; private readonly Desc[] _ring = new Desc[8]; " + member + " }";

    [Theory]
    // A refill whose failure path unwinds only the previous slot (N01): the other earlier passes' mappings leak.
    [InlineData("bool Refill(DmaApi dma, int n) { for (int i = 0; i < n; i++) { var a = {|DMA002:dma.MapSingle(_bufs[i], 0, 64, DmaDirection.FromDevice)|}; if (dma.MappingError(a)) { if (i > 0) dma.UnmapSingle(_addrs[i - 1], 64, DmaDirection.FromDevice); return false; } _addrs[i] = a; _ring[i].Addr = a.Value; } return true; }")]
    // Fragments kept in a local array, the first one unwound.
    [InlineData("bool Xmit(DmaApi dma, KBuffer[] frags, IRing ring) { var addrs = new DmaAddr[frags.Length]; for (int i = 0; i < frags.Length; i++) { addrs[i] = {|DMA002:dma.MapSingle(frags[i], 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(addrs[i])) { if (i > 0) dma.UnmapSingle(addrs[0], 64, DmaDirection.ToDevice); return false; } ring.Post(addrs[i], 64); } return true; }")]
    public Task Partial_unwind_of_a_loop_of_maps_reported(string member) => Check(Ring(member));

    [Theory]
    // Every earlier pass unwound, by a loop in the failure path or after a goto out of the map's loop.
    [InlineData("bool Refill(DmaApi dma, int n) { for (int i = 0; i < n; i++) { var a = dma.MapSingle(_bufs[i], 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) { for (int j = 0; j < i; j++) dma.UnmapSingle(_addrs[j], 64, DmaDirection.FromDevice); return false; } _addrs[i] = a; _ring[i].Addr = a.Value; } return true; }")]
    [InlineData("bool Refill(DmaApi dma, int n) { int i; for (i = 0; i < n; i++) { var a = dma.MapSingle(_bufs[i], 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) goto unwind; _addrs[i] = a; _ring[i].Addr = a.Value; } return true; unwind: while (--i >= 0) dma.UnmapSingle(_addrs[i], 64, DmaDirection.FromDevice); return false; }")]
    // A refill that stops at the first failure: what was posted stays with the ring (no unwind is attempted).
    [InlineData("bool Refill(DmaApi dma, int n) { for (int i = 0; i < n; i++) { var a = dma.MapSingle(_bufs[i], 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return false; _addrs[i] = a; _ring[i].Addr = a.Value; } return true; }")]
    public Task Loop_of_maps_unwound_or_handed_over_not_reported(string member) => Check(Ring(member));

    [Theory]
    // A stale copy, found good before, tested again: that test cannot fail, so the return under it leaks nothing (N15).
    [InlineData("var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); var first = a; if (dma.MappingError(first)) return false; " + Unmap
        + " a = dma.MapSingle(buf, 0, 128, DmaDirection.ToDevice); if (dma.MappingError(first)) return false; ring.Post({|DMA003:a|}, 128); dma.UnmapSingle(a, 128, DmaDirection.ToDevice);")]
    [InlineData(Map + " var b = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(b)) { " + Unmap + " return false; } if (dma.MappingError(a)) return false; ring.Post(b, 64); " + Unmap)]
    public Task Failure_of_a_handle_found_good_is_no_path(string statements) => Check(Body(statements));

    [Theory]
    // Checked on one path only: tested again, it can fail, and the mapping made since leaks on that branch.
    [InlineData("var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (flag) { if (dma.MappingError(a)) return false; } var b = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(b)) return false; if (dma.MappingError(a)) return false; ring.Post(a, 64); ring.Post(b, 64);")]
    // Tested again after a path that let a failure through: it can still fail.
    [InlineData("var b = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|}; if (dma.MappingError(b)) return false; var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (flag && dma.MappingError(a)) Log.Info(\"failed\"); if (dma.MappingError(a)) return false; ring.Post(a, 64); dma.UnmapSingle(b, 64, DmaDirection.ToDevice);")]
    public Task Failure_of_a_handle_not_yet_found_good_is_a_path(string statements) => Check(Body(statements));
}
