using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A mapping kept in a member of an array's elements — the per-slot bookkeeping most NIC and storage drivers
/// keep (<c>rx[i].Addr</c>, <c>bufferInfo[i].Dma</c>, as Linux drivers keep <c>buffer_info[i].dma</c>). As for
/// the array's own elements (<see cref="ContainerElementTests"/>), all elements are one location: the member of
/// any element read back is the mapping stored into that member here (checked, unmapped and used as through a
/// local). When two different mappings are stored into the member, which one a read gives is not known and
/// nothing is reported through it. Each shape with look-alikes that stay quiet.
/// </summary>
public sealed class ElementMemberTests
{
    private static Task Check(string members) => Verify<Analyzers.Rules.MappingLifecycleAnalyzer>.Analyzer(
        "struct RxSlot { public DmaAddr Addr; public int Len; } sealed class TxInfo { public DmaAddr Dma; public DmaAddr Hdr { get; set; } }"
        + " class D { private readonly RxSlot[] _rx = new RxSlot[8]; private readonly TxInfo[] _tx = new TxInfo[8]; " + members + " }");

    private const string MapIn = "dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice)";
    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int i) { _rx[i].Addr = " + MapIn + "; post.Post({|DMA003:_rx[i].Addr|}, 2048); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int i) { _tx[i].Dma = " + Map + "; post.Post({|DMA003:_tx[i].Dma|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int i) { _tx[i].Hdr = " + Map + "; post.Post({|DMA003:_tx[i].Hdr|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var slots = new RxSlot[4]; slots[0].Addr = " + MapIn + "; post.Post({|DMA003:slots[0].Addr|}, 2048); }")]
    // The wrong slot member is checked.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer h, IRing post, int i) { _tx[i].Hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice); _tx[i].Dma = " + Map + "; if (dma.MappingError(_tx[i].Hdr)) return; post.Post(_tx[i].Hdr, 16); post.Post({|DMA003:_tx[i].Dma|}, 64); }")]
    public Task DMA003_reported(string members) => Check(members);

    [Theory]
    [InlineData("bool F(DmaApi dma, KBuffer buf, IRing post, int i) { _rx[i].Addr = " + MapIn + "; if (dma.MappingError(_rx[i].Addr)) return false; post.Post(_rx[i].Addr, 2048); return true; }")]
    [InlineData("bool F(DmaApi dma, KBuffer buf, IRing post, int i) { var a = " + Map + "; _tx[i].Dma = a; if (dma.MappingError(a)) return false; post.Post(_tx[i].Dma, 64); return true; }")]
    // Refilled in a loop, each checked through the slot.
    [InlineData("bool F(DmaApi dma, KBuffer[] bufs, IRing post) { for (var i = 0; i < bufs.Length; i++) { _rx[i].Addr = dma.MapSingle(bufs[i], 0, 2048, DmaDirection.FromDevice); if (dma.MappingError(_rx[i].Addr)) return false; post.Post(_rx[i].Addr, 2048); } return true; }")]
    // The array replaced: its elements no longer hold the mapping.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, RxSlot[] other) { var slots = new RxSlot[4]; slots[0].Addr = " + MapIn + "; slots = other; post.Post(slots[0].Addr, 2048); }")]
    // Another array's slot member.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, RxSlot[] other, int i) { _rx[i].Addr = " + MapIn + "; post.Post(other[i].Addr, 2048); if (dma.MappingError(_rx[i].Addr)) return; }")]
    // Two mappings in one slot member: which one is read is not known.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2, IRing post) { _rx[0].Addr = " + MapIn + "; if (dma.MappingError(_rx[0].Addr)) return; _rx[1].Addr = dma.MapSingle(b2, 0, 2048, DmaDirection.FromDevice); post.Post(_rx[0].Addr, 2048); }")]
    public Task DMA003_not_reported(string members) => Check(members);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, int i) { _rx[i].Addr = " + MapIn + "; if (dma.MappingError(_rx[i].Addr)) return; dma.UnmapSingle(_rx[i].Addr, 2048, {|DMA004:DmaDirection.ToDevice|}); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, int i) { _tx[i].Dma = " + Map + "; if (dma.MappingError(_tx[i].Dma)) return; dma.UnmapSingle(_tx[i].Dma, {|DMA004:128|}, DmaDirection.ToDevice); }")]
    public Task DMA004_reported(string members) => Check(members);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, int i) { _rx[i].Addr = " + MapIn + "; if (dma.MappingError(_rx[i].Addr)) return; dma.UnmapSingle(_rx[i].Addr, 2048, DmaDirection.FromDevice); }")]
    // Two elements mapped with different directions, each unmapped with its own: compared with neither.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2) { _rx[0].Addr = " + MapIn + "; if (dma.MappingError(_rx[0].Addr)) return; _rx[1].Addr = dma.MapSingle(b2, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_rx[1].Addr)) return; dma.UnmapSingle(_rx[0].Addr, 2048, DmaDirection.FromDevice); dma.UnmapSingle(_rx[1].Addr, 64, DmaDirection.ToDevice); }")]
    // A teardown loop over slots this body did not map.
    [InlineData("void F(DmaApi dma) { for (var i = 0; i < _rx.Length; i++) dma.UnmapSingle(_rx[i].Addr, 2048, DmaDirection.FromDevice); }")]
    public Task DMA004_not_reported(string members) => Check(members);

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int i) { _tx[i].Dma = " + Map + "; if (dma.MappingError(_tx[i].Dma)) return; dma.UnmapSingle(_tx[i].Dma, 64, DmaDirection.ToDevice); post.Post({|DMA006:_tx[i].Dma|}, 64); }")]
    public Task DMA006_reported(string members) => Check(members);

    [Theory]
    // Unmapped, then a fresh mapping stored into the slot and posted.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int i) { _tx[i].Dma = " + Map + "; if (dma.MappingError(_tx[i].Dma)) return; dma.UnmapSingle(_tx[i].Dma, 64, DmaDirection.ToDevice); _tx[i].Dma = " + Map + "; if (dma.MappingError(_tx[i].Dma)) return; post.Post(_tx[i].Dma, 64); }")]
    public Task DMA006_not_reported(string members) => Check(members);

    [Theory]
    // Kept in the object's per-slot bookkeeping: the holder owns it.
    [InlineData("bool F(DmaApi dma, KBuffer buf, int i) { _rx[i].Addr = " + MapIn + "; if (dma.MappingError(_rx[i].Addr)) return false; _rx[i].Len = 2048; return true; }")]
    [InlineData("bool F(DmaApi dma, KBuffer buf, int i) { var a = " + Map + "; if (dma.MappingError(a)) return false; _tx[i].Dma = a; return true; }")]
    public Task DMA002_not_reported(string members) => Check(members);
}
