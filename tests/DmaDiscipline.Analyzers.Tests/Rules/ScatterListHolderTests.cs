using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A scatter-gather map fills its list in place, so the list is the mapping's handle wherever it is kept: a
/// variable, a field, or a member of a request (<c>rq.Sg</c>). Released through the same member, it is
/// released; the request stored where a completion finds it takes the mapping with it (DMA002); a bus address
/// read from the list after its release names nothing (DMA006).
/// </summary>
public sealed class ScatterListHolderTests
{
    private static Task Check(string members) => Verify<MappingLifecycleAnalyzer>.Analyzer(
        "sealed class Req { public ScatterList Sg = new ScatterList(8); } class D { private readonly Req?[] _inflight = new Req?[8]; " + members + " }");

    [Theory]
    // Mapped and released through the request's member.
    [InlineData("bool F(DmaApi dma, Req rq, IRing ring) { if (dma.MapSg(rq.Sg, DmaDirection.FromDevice) == 0) return false; ring.Post(rq.Sg.DmaAddress(0), 512); dma.UnmapSg(rq.Sg, DmaDirection.FromDevice); return true; }")]
    // The request kept in the in-flight table: its completion releases the list.
    [InlineData("bool F(DmaApi dma, Req rq, IRing ring, int tag) { if (dma.MapSg(rq.Sg, DmaDirection.FromDevice) == 0) return false; ring.Post(rq.Sg.DmaAddress(0), 512); _inflight[tag] = rq; return true; }")]
    public Task DMA002_not_reported(string members) => Check(members);

    [Theory]
    // Leaves early with the request's list mapped, neither released nor kept anywhere.
    [InlineData("bool F(DmaApi dma, Req rq, IRing ring, bool ready) { if ({|DMA002:dma.MapSg(rq.Sg, DmaDirection.FromDevice)|} == 0) return false; if (!ready) return false; ring.Post(rq.Sg.DmaAddress(0), 512); dma.UnmapSg(rq.Sg, DmaDirection.FromDevice); return true; }")]
    // A list made here, mapped and dropped: nothing can release it.
    [InlineData("bool F(DmaApi dma, KBuffer buf, IRing ring) { var sg = new ScatterList(1); sg.Add(buf, 0, 64); if ({|DMA002:dma.MapSg(sg, DmaDirection.ToDevice)|} == 0) return false; ring.Post(sg.DmaAddress(0), 64); return true; }")]
    public Task DMA002_reported(string members) => Check(members);

    [Theory]
    // A submit: the caller's list (a member of the request) mapped, each bus address written into the ring in a loop over the count, left mapped for the completion (W10).
    [InlineData("bool Submit(DmaApi dma, Req rq, Desc[] ring) { var n = dma.MapSg(rq.Sg, DmaDirection.ToDevice); if (n == 0) return false; for (var i = 0; i < n; i++) { ring[i].Addr = rq.Sg.DmaAddress(i).Value; ring[i].Len = (uint)rq.Sg.DmaLength(i); } return true; }")]
    // The list is the parameter itself, posted through the driver's ring (W11).
    [InlineData("bool Submit(DmaApi dma, ScatterList sg, IRing ring) { int n = dma.MapSg(sg, DmaDirection.FromDevice); if (n <= 0) return false; for (int i = 0; i < n; i++) ring.Post(sg.DmaAddress(i), sg.DmaLength(i)); return true; }")]
    // A while loop, the address kept in a local before it is written.
    [InlineData("bool Submit(DmaApi dma, Req rq, Desc[] ring) { var n = dma.MapSg(rq.Sg, DmaDirection.ToDevice); if (n == 0) return false; var i = 0; while (i < n) { var addr = rq.Sg.DmaAddress(i); ring[i].Addr = addr.Value; i++; } return true; }")]
    public Task Callers_list_posted_then_left_mapped_for_the_completion_not_reported(string members) => Check(members);

    [Theory]
    // A list made here, posted in a loop and dropped: no completion can find it.
    [InlineData("bool Submit(DmaApi dma, KBuffer buf, IRing ring) { var sg = new ScatterList(2); sg.Add(buf, 0, 64); var n = {|DMA002:dma.MapSg(sg, DmaDirection.ToDevice)|}; if (n == 0) return false; for (var i = 0; i < n; i++) ring.Post(sg.DmaAddress(i), 64); return true; }")]
    // The caller's list, but an error path leaves before anything is posted.
    [InlineData("bool Submit(DmaApi dma, Req rq, Desc[] ring) { var n = {|DMA002:dma.MapSg(rq.Sg, DmaDirection.ToDevice)|}; if (n == 0) return false; if (n > ring.Length) return false; for (var i = 0; i < n; i++) ring[i].Addr = rq.Sg.DmaAddress(i).Value; return true; }")]
    // The caller's list, its addresses only logged: nothing was given to the device.
    [InlineData("bool Submit(DmaApi dma, Req rq) { var n = {|DMA002:dma.MapSg(rq.Sg, DmaDirection.ToDevice)|}; if (n == 0) return false; for (var i = 0; i < n; i++) Log.Value(rq.Sg.DmaAddress(i).Value); return true; }")]
    public Task List_left_mapped_without_a_hand_over_reported(string members) => Check(members);

    [Theory]
    [InlineData("void F(DmaApi dma, ScatterList sg, IRing ring) { if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; dma.UnmapSg(sg, DmaDirection.ToDevice); ring.Post({|DMA006:sg.DmaAddress(0)|}, 64); }")]
    [InlineData("void F(DmaApi dma, Req rq, IRing ring) { if (dma.MapSg(rq.Sg, DmaDirection.FromDevice) == 0) return; dma.UnmapSg(rq.Sg, DmaDirection.FromDevice); ring.Post({|DMA006:rq.Sg.DmaAddress(0)|}, 512); }")]
    public Task DMA006_reported(string members) => Check(members);

    [Theory]
    // Read before the release; and a list mapped again after it.
    [InlineData("void F(DmaApi dma, ScatterList sg, IRing ring) { if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; ring.Post(sg.DmaAddress(0), 64); dma.UnmapSg(sg, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, ScatterList sg, IRing ring) { if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; dma.UnmapSg(sg, DmaDirection.ToDevice); if (dma.MapSg(sg, DmaDirection.ToDevice) == 0) return; ring.Post(sg.DmaAddress(0), 64); dma.UnmapSg(sg, DmaDirection.ToDevice); }")]
    public Task DMA006_not_reported(string members) => Check(members);
}
