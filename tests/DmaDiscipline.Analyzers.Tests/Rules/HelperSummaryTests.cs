using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Mappings made, used, checked and released by the driver's own helpers (issue 14): what a call
/// does is read from the callee's body (a summary per method). A helper that returns a fresh mapping
/// makes one at the call; one that only writes the handle into a ring uses it (it does not check it);
/// one that returns the check of its parameter checks it; one that unmaps it on every path releases
/// it; an identity helper gives it back. Each shape with look-alikes that stay quiet.
/// </summary>
public sealed class HelperSummaryTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string MapFrom = "dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)";
    private const string Make = "static DmaAddr Make(DmaApi dma, KBuffer buf) => " + Map + ";";
    private const string MakeFrom = "static DmaAddr Make(DmaApi dma, KBuffer buf) => " + MapFrom + ";";
    private const string Unmap = "dma.UnmapSingle(a, 64, DmaDirection.ToDevice);";

    [Theory]
    // A helper that maps: the call is the map, never released here.
    [InlineData(Make + " void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:Make(dma, buf)|}; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); }")]
    // ... through two returns, a ?: and a switch expression.
    [InlineData("static DmaAddr Make(DmaApi dma, KBuffer buf, bool big) { if (big) return " + Map + "; return " + Map + "; } void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:Make(dma, buf, true)|}; if (dma.MappingError(a)) return; }")]
    [InlineData("static DmaAddr Make(DmaApi dma, KBuffer buf, bool big) => big ? " + Map + " : " + Map + "; void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:Make(dma, buf, true)|}; if (dma.MappingError(a)) return; }")]
    // ... written to an out parameter.
    [InlineData("static void Make(DmaApi dma, KBuffer buf, out DmaAddr a) { a = " + Map + "; } void F(DmaApi dma, KBuffer buf) { Make(dma, buf, {|DMA002:out var a|}); if (dma.MappingError(a)) return; }")]
    // ... a local function.
    [InlineData("void F(DmaApi dma, KBuffer buf) { DmaAddr Make() => " + Map + "; var a = {|DMA002:Make()|}; if (dma.MappingError(a)) return; }")]
    // ... given back by an identity helper.
    [InlineData("static T Pass<T>(T value) => value; void F(DmaApi dma, KBuffer buf) { var a = Pass({|DMA002:" + Map + "|}); if (dma.MappingError(a)) return; }")]
    public Task DMA002_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // Released by the caller.
    [InlineData(Make + " void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; " + Unmap + " }")]
    // A helper that keeps what it maps (stores it): the holder owns it.
    [InlineData("DmaAddr _slot; DmaAddr Make(DmaApi dma, KBuffer buf) { var m = " + Map + "; _slot = m; return m; } void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; }")]
    // A helper that releases what it is given on every path.
    [InlineData("static void Release(DmaApi dma, DmaAddr a) => dma.UnmapSingle(a, 64, DmaDirection.ToDevice); void F(DmaApi dma, KBuffer buf) { var a = " + Map + "; if (dma.MappingError(a)) return; Release(dma, a); }")]
    // A helper that uses what it is given and keeps it (stores it for the completion path).
    [InlineData("DmaAddr _slot; void Post(Desc[] ring, DmaAddr a) { ring[0].Addr = a.Value; _slot = a; } void F(DmaApi dma, KBuffer buf, Desc[] ring) { var a = " + Map + "; if (dma.MappingError(a)) return; Post(ring, a); }")]
    // Returned again: the caller's caller owns it.
    [InlineData(Make + " DmaAddr F(DmaApi dma, KBuffer buf) => Make(dma, buf);")]
    public Task DMA002_not_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // Posted unchecked, made by a helper (in another class, behind an interface, awaited).
    [InlineData(Make + " void F(DmaApi dma, KBuffer buf, IRing post) { var a = Make(dma, buf); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    [InlineData("interface ISource { DmaAddr Make(DmaApi dma, KBuffer buf); } sealed class Source : ISource { public DmaAddr Make(DmaApi dma, KBuffer buf) => " + Map + "; } void F(ISource source, DmaApi dma, KBuffer buf, IRing post) { var a = source.Make(dma, buf); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    [InlineData("static async System.Threading.Tasks.Task<DmaAddr> MakeAsync(DmaApi dma, KBuffer buf) { await System.Threading.Tasks.Task.Yield(); return " + Map + "; } async System.Threading.Tasks.Task F(DmaApi dma, KBuffer buf, IRing post) { var a = await MakeAsync(dma, buf); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    // A helper that only writes the handle into a descriptor uses it: it does not check it (nor take it).
    [InlineData("static void Write(Desc[] ring, DmaAddr a) { ring[0].Addr = a.Value; ring[0].Len = 64; } void F(DmaApi dma, KBuffer buf, Desc[] ring) { var a = " + Map + "; Write(ring, {|DMA003:a|}); if (!dma.MappingError(a)) " + Unmap + " }")]
    // ... or stores it for the completion path: the release is handed over, not the check.
    [InlineData("DmaAddr _slot; void Keep(DmaAddr a) { _slot = a; } void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; Keep(a); post.Post({|DMA003:a|}, 64); }")]
    // ... or syncs it.
    [InlineData("static void Flush(DmaApi dma, DmaAddr a) => dma.SyncForDevice(a, 64, DmaDirection.ToDevice); void F(DmaApi dma, KBuffer buf) { var a = " + Map + "; Flush(dma, {|DMA003:a|}); if (!dma.MappingError(a)) " + Unmap + " }")]
    // The check helper is given another mapping.
    [InlineData("static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var h = " + Map + "; var a = " + Map + "; if (Failed(dma, h)) { if (!dma.MappingError(a)) " + Unmap + " return; } post.Post(h, 16); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " dma.UnmapSingle(h, 64, DmaDirection.ToDevice); }")]
    // The check helper's answer only logged, or kept and never tested: the failed mapping still reaches the device.
    [InlineData("static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (Failed(dma, a)) Log.Info(\"failed\"); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    [InlineData("static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; var bad = Failed(dma, a); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    // ... an instance helper over the driver's own DmaApi.
    [InlineData("DmaApi _dma = null!; bool Failed(DmaAddr a) => _dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (Failed(a)) Log.Info(\"failed\"); post.Post({|DMA003:a|}, 64); if (!dma.MappingError(a)) " + Unmap + " }")]
    public Task DMA003_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // Checked by the caller.
    [InlineData(Make + " void F(DmaApi dma, KBuffer buf, IRing post) { var a = Make(dma, buf); if (dma.MappingError(a)) return; post.Post(a, 64); " + Unmap + " }")]
    // The helper checks before it returns (a failure throws): nothing left to check.
    [InlineData("static DmaAddr Make(DmaApi dma, KBuffer buf) { var m = " + Map + "; if (dma.MappingError(m)) throw new InvalidOperationException(); return m; } void F(DmaApi dma, KBuffer buf, IRing post) { var a = Make(dma, buf); post.Post(a, 64); " + Unmap + " }")]
    // A check helper, either way round.
    [InlineData("static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (Failed(dma, a)) return; post.Post(a, 64); " + Unmap + " }")]
    [InlineData("static bool Mapped(DmaApi dma, DmaAddr a) => !dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (!Mapped(dma, a)) return; post.Post(a, 64); " + Unmap + " }")]
    // A use-only helper after the check.
    [InlineData("static void Write(Desc[] ring, DmaAddr a) { ring[0].Addr = a.Value; } void F(DmaApi dma, KBuffer buf, Desc[] ring) { var a = " + Map + "; if (dma.MappingError(a)) return; Write(ring, a); " + Unmap + " }")]
    // A helper that checks what it is given before it posts it.
    [InlineData("static void PostChecked(DmaApi dma, IRing post, DmaAddr a) { if (dma.MappingError(a)) return; post.Post(a, 64); } void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; PostChecked(dma, post, a); }")]
    [InlineData("DmaApi _dma = null!; bool Failed(DmaAddr a) => _dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (Failed(a)) return; post.Post(a, 64); " + Unmap + " }")]
    [InlineData("static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (Failed(dma, a) is false) { post.Post(a, 64); " + Unmap + " } }")]
    public Task DMA003_not_reported(string members) => Check("class D { " + members + " }");

    // Given only to the check helper, the mapping is still the caller's to release: the helper hands back its answer,
    // not the mapping.
    [Fact]
    public Task A_mapping_given_only_to_a_check_helper_is_still_owed_its_release() =>
        Check("class D { static bool Failed(DmaApi dma, DmaAddr a) => dma.MappingError(a); void F(DmaApi dma, KBuffer buf) { var a = {|DMA002:" + Map + "|}; if (Failed(dma, a)) return; } }");

    [Theory]
    // The helper maps 64 bytes FromDevice: the caller's unmap and sync are compared with that.
    [InlineData(MakeFrom + " void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; dma.UnmapSingle(a, {|DMA004:32|}, DmaDirection.FromDevice); }")]
    [InlineData(MakeFrom + " void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, {|DMA004:DmaDirection.ToDevice|}); dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    public Task DMA004_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // The buffer the helper mapped FromDevice is the caller's argument: the device owns it.
    [InlineData(MakeFrom + " void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; var x = {|DMA005:buf.Span|}[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    public Task DMA005_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // Synced for the CPU first.
    [InlineData(MakeFrom + " void F(DmaApi dma, KBuffer buf) { var a = Make(dma, buf); if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var x = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    // Another buffer.
    [InlineData(MakeFrom + " void F(DmaApi dma, KBuffer buf, KBuffer other) { var a = Make(dma, other); if (dma.MappingError(a)) return; var x = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); }")]
    public Task DMA005_not_reported(string members) => Check("class D { " + members + " }");

    [Theory]
    // Released by a helper, then synced.
    [InlineData("static void Release(DmaApi dma, DmaAddr a) => dma.UnmapSingle(a, 64, DmaDirection.ToDevice); void F(DmaApi dma, KBuffer buf) { var a = " + Map + "; if (dma.MappingError(a)) return; Release(dma, a); dma.SyncForDevice({|DMA006:a|}, 64, DmaDirection.ToDevice); }")]
    // Made by a helper, unmapped, then posted.
    [InlineData(Make + " void F(DmaApi dma, KBuffer buf, IRing post) { var a = Make(dma, buf); if (dma.MappingError(a)) return; " + Unmap + " post.Post({|DMA006:a|}, 64); }")]
    public Task DMA006_reported(string members) => Check("class D { " + members + " }");
}
