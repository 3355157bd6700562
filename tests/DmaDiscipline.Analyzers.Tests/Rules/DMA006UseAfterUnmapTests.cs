using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA006: a DMA address used after its unmap; a coherent buffer used after its free.</summary>
public sealed class DMA006UseAfterUnmapTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private static string Body(string statements) =>
        "class D { private DmaAddr _a; void F(DmaApi dma, KBuffer buf, ScatterList sg, IRing ring, Desc[] descs, bool flag) { " + statements + " } static void Use(CoherentBuffer c) { } }";

    private const string Map = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return;";
    private const string Unmap = "dma.UnmapSingle(a, 64, DmaDirection.ToDevice);";

    [Theory]
    [InlineData(Map + " " + Unmap + " ring.Post({|DMA006:a|}, 64);")]
    [InlineData(Map + " " + Unmap + " dma.UnmapSingle({|DMA006:a|}, 64, DmaDirection.ToDevice);")]
    [InlineData(Map + " " + Unmap + " descs[0].Addr = {|DMA006:a.Value|};")]
    [InlineData(Map + " " + Unmap + " dma.SyncForDevice({|DMA006:a|}, 64, DmaDirection.ToDevice);")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c); {|DMA006:c.Span|}.Clear();")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c); dma.FreeCoherent({|DMA006:c|});")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c); descs[0].Addr = {|DMA006:c.DmaAddress|}.Value;")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c); Use({|DMA006:c|});")]
    [InlineData(Map + " if (flag) { " + Unmap + " } else { " + Unmap + " } ring.Post({|DMA006:a|}, 64);")]
    [InlineData("if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; dma.UnmapSg(sg, DmaDirection.ToDevice); dma.SyncSgForDevice({|DMA006:sg|}, DmaDirection.ToDevice);")]
    [InlineData(Map + " try { ring.Post(a, 64); } finally { " + Unmap + " } ring.Post({|DMA006:a|}, 64);")]
    [InlineData(Map + " " + Unmap + " dma.SyncForCpu({|DMA006:new DmaAddr(a.Value + 16)|}, 16, DmaDirection.ToDevice);")]
    [InlineData(Map + " var b = a; " + Unmap + " ring.Post({|DMA006:b|}, 64);")]
    public Task Reported(string statements) => Check(Body(statements));

    [Theory]
    [InlineData(Map + " ring.Post(a, 64); " + Unmap)]
    // Mapped again into the same variable.
    [InlineData(Map + " " + Unmap + " a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    // Unmapped on one path only: not reported (may be intended).
    [InlineData(Map + " if (flag) " + Unmap + " ring.Post(a, 64);")]
    // Logged after the unmap.
    [InlineData(Map + " " + Unmap + " Log.Info(a.ToString());")]
    [InlineData(Map + " " + Unmap + " if (a == default) Log.Info(\"none\");")]
    [InlineData("var c = dma.AllocCoherent(64); dma.FreeCoherent(c); c = dma.AllocCoherent(64); c.Span.Clear(); dma.FreeCoherent(c);")]
    [InlineData(Map + " var b = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(b)) { " + Unmap + " return; } " + Unmap + " dma.UnmapSingle(b, 64, DmaDirection.ToDevice);")]
    [InlineData("_a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_a)) return; dma.UnmapSingle(_a, 64, DmaDirection.ToDevice); _a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_a)) return; ring.Post(_a, 64);")]
    [InlineData("for (var i = 0; i < 4; i++) { " + Map + " ring.Post(a, 64); " + Unmap + " }")]
    [InlineData("var c = dma.AllocCoherent(64); try { c.Span.Clear(); } finally { dma.FreeCoherent(c); }")]
    [InlineData(Map + " try { ring.Post(a, 64); } catch { " + Unmap + " throw; } ring.Post(a, 64); " + Unmap)]
    [InlineData(Map + " " + Unmap + " var stale = a.Value; Log.Value(stale);")]
    public Task NotReported(string statements) => Check(Body(statements));
    /// <summary>A map site reached again on a later pass of a loop makes a new mapping: what was kept of the earlier pass is an older one.</summary>
    private static string Loop(string statements) =>
        "class D { private readonly KBuffer[] _buf = new KBuffer[8]; private readonly DmaAddr[] _addr = new DmaAddr[8]; "
        + "int Poll(DmaApi dma, PhysicalMemory mem, IRing ring, Func<int> next, bool room, int budget) { var done = 0; " + statements + " return done; } }";

    [Theory]
    // NAPI-style refill: the slot's old mapping is unmapped after the new one is made; the new one is posted.
    [InlineData("while (done < budget && room) { var id = next(); var nb = mem.Allocate(64); var na = dma.MapSingle(nb, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(na)) break; dma.UnmapSingle(_addr[id], 64, DmaDirection.FromDevice); _buf[id] = nb; _addr[id] = na; ring.Post(na, 64); done++; }")]
    // A rolling previous mapping, unmapped once the next one is made.
    [InlineData("var prev = dma.MapSingle(_buf[0], 0, 64, DmaDirection.ToDevice); if (dma.MappingError(prev)) return 0; ring.Post(prev, 64); for (var i = 1; i < budget; i++) { var a = dma.MapSingle(_buf[i], 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) break; dma.UnmapSingle(prev, 64, DmaDirection.ToDevice); ring.Post(a, 64); prev = a; done++; }")]
    public Task Mapping_of_an_earlier_pass_released_not_reported(string statements) => Check(Loop(statements));

    [Theory]
    // Released in the same pass, then used: still reported.
    [InlineData("while (done < budget) { var id = next(); var na = dma.MapSingle(_buf[id], 0, 64, DmaDirection.FromDevice); if (dma.MappingError(na)) break; _addr[id] = na; dma.UnmapSingle(_addr[id], 64, DmaDirection.FromDevice); ring.Post({|DMA006:na|}, 64); done++; }")]
    [InlineData("for (var i = 0; i < budget; i++) { var a = dma.MapSingle(_buf[i], 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a)) break; var keep = a; dma.UnmapSingle(keep, 64, DmaDirection.ToDevice); ring.Post({|DMA006:a|}, 64); }")]
    public Task Mapping_of_the_same_pass_released_reported(string statements) => Check(Loop(statements));
}
