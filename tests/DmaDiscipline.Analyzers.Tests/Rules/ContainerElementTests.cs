using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A mapping kept in a container (issue 14): an array (field, local, initializer), a library
/// collection (List, Dictionary, Queue) stored into by an indexer, an initializer or a method that
/// takes an element, read back by an indexer, a method that returns an element or an out argument.
/// All elements of one container are one location: an element read gives the handle stored there
/// (DMA003/DMA004/DMA006 as through a local); a check on an element read counts for every handle
/// stored in it; a container holding several of this body's handles is never reported on. Each shape
/// with look-alikes that stay quiet.
/// </summary>
public sealed class ContainerElementTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string MapIn = "dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)";
    private const string Fields = " private readonly DmaAddr[] _slots = new DmaAddr[8]; private readonly List<DmaAddr> _list = new(); private readonly Queue<DmaAddr> _queue = new();";

    [Theory]
    // Posted unchecked, read back from the container.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _slots[3] = " + Map + "; post.Post({|DMA003:_slots[3]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int n) { var a = " + Map + "; _slots[n & 7] = a; post.Post({|DMA003:_slots[n & 7]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var s = new DmaAddr[2]; s[0] = " + Map + "; post.Post({|DMA003:s[0]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var s = new[] { " + Map + " }; post.Post({|DMA003:s[0]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var l = new List<DmaAddr>(); l.Add(" + Map + "); post.Post({|DMA003:l[0]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _list.Add(" + Map + "); post.Post({|DMA003:_list[_list.Count - 1]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var m = new Dictionary<int, DmaAddr>(); m[7] = " + Map + "; post.Post({|DMA003:m[7]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var m = new Dictionary<int, DmaAddr> { [7] = " + Map + " }; if (!m.TryGetValue(7, out var a)) return; post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _queue.Enqueue(" + Map + "); var a = _queue.Dequeue(); post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var l = new List<DmaAddr> { " + Map + " }; post.Post({|DMA003:l.First()|}, 64); }")]
    // The header checked twice, the element never.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer h, IRing post) { _list.Add(" + Map + "); var hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice); if (dma.MappingError(hdr)) return; if (dma.MappingError(hdr)) return; post.Post(hdr, 16); post.Post({|DMA003:_list[0]|}, 64); }")]
    public Task DMA003_reported(string member) => Check("using System.Linq; class D { " + member + Fields + " }");

    [Theory]
    // Checked through the element first.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _slots[3] = " + Map + "; if (dma.MappingError(_slots[3])) return; post.Post(_slots[3], 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, int n) { var a = " + Map + "; _slots[n & 7] = a; if (dma.MappingError(_slots[n & 7])) return; post.Post(_slots[n & 7], 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var s = new[] { " + Map + " }; if (dma.MappingError(s[0])) return; post.Post(s[0], 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var m = new Dictionary<int, DmaAddr> { [7] = " + Map + " }; if (!m.TryGetValue(7, out var a)) return; if (dma.MappingError(a)) return; post.Post(a, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _queue.Enqueue(" + Map + "); var a = _queue.Dequeue(); if (dma.MappingError(a)) return; post.Post(a, 64); }")]
    // Checked through the local, posted through the element (one location, one mapping).
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; _list.Add(a); if (dma.MappingError(a)) return; post.Post(_list[0], 64); }")]
    // A check of an element counts for every handle stored in the container.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2, IRing post) { _slots[0] = " + Map + "; _slots[1] = dma.MapSingle(b2, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(_slots[0]) || dma.MappingError(_slots[1])) return; post.Post(_slots[0], 64); post.Post(_slots[1], 64); }")]
    // Several of this body's handles in one container: which one an element is, is not known; not reported.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2, IRing post) { var a = " + Map + "; if (dma.MappingError(a)) return; _slots[0] = a; _slots[1] = dma.MapSingle(b2, 0, 64, DmaDirection.ToDevice); post.Post(_slots[0], 64); }")]
    // The array replaced: the element no longer names the mapping.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post, DmaAddr[] other) { var s = new DmaAddr[2]; s[0] = " + Map + "; s = other; post.Post(s[0], 64); }")]
    // A helper of this object given the chance to check the elements.
    [InlineData("bool Valid(DmaApi dma) => !dma.MappingError(_slots[0]); void F(DmaApi dma, KBuffer buf, IRing post) { _slots[0] = " + Map + "; if (!Valid(dma)) return; post.Post(_slots[0], 64); }")]
    // Stored for later, never used here.
    [InlineData("void F(DmaApi dma, KBuffer buf) { _list.Add(" + Map + "); _slots[0] = " + Map + "; }")]
    public Task DMA003_not_reported(string member) => Check("using System.Linq; class D { " + member + Fields + " }");

    [Theory]
    // Released through the element with another length or direction.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var l = new List<DmaAddr>(); l.Add(" + MapIn + "); if (dma.MappingError(l[0])) return; dma.SyncForCpu(l[0], 64, DmaDirection.FromDevice); dma.UnmapSingle(l[0], {|DMA004:32|}, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var m = new Dictionary<int, DmaAddr>(); m[7] = " + MapIn + "; if (dma.MappingError(m[7])) return; dma.SyncForCpu(m[7], 64, {|DMA004:DmaDirection.ToDevice|}); dma.UnmapSingle(m[7], 64, DmaDirection.FromDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { _slots[2] = " + MapIn + "; if (dma.MappingError(_slots[2])) return; dma.UnmapSingle(_slots[2], {|DMA004:128|}, DmaDirection.FromDevice); }")]
    public Task DMA004_reported(string member) => Check("class D { " + member + Fields + " }");

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var l = new List<DmaAddr>(); l.Add(" + MapIn + "); if (dma.MappingError(l[0])) return; dma.SyncForCpu(l[0], 64, DmaDirection.FromDevice); dma.UnmapSingle(l[0], 64, DmaDirection.FromDevice); }")]
    // Two mappings of different lengths in one container: an unmap of one element is compared with neither.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2) { _slots[0] = " + MapIn + "; _slots[1] = dma.MapSingle(b2, 0, 32, DmaDirection.FromDevice); dma.UnmapSingle(_slots[1], 32, DmaDirection.FromDevice); }")]
    public Task DMA004_not_reported(string member) => Check("class D { " + member + Fields + " }");

    [Theory]
    // Unmapped through the element, then posted through it.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var l = new List<DmaAddr>(); l.Add(" + Map + "); if (dma.MappingError(l[0])) return; dma.UnmapSingle(l[0], 64, DmaDirection.ToDevice); post.Post({|DMA006:l[0]|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { _queue.Enqueue(" + Map + "); var a = _queue.Dequeue(); if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); post.Post({|DMA006:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = " + Map + "; if (dma.MappingError(a)) return; _slots[1] = a; dma.UnmapSingle(_slots[1], 64, DmaDirection.ToDevice); post.Post({|DMA006:a|}, 64); }")]
    public Task DMA006_reported(string member) => Check("class D { " + member + Fields + " }");

    [Theory]
    // One of two handles in the container unmapped through an element: the other is still posted.
    [InlineData("void F(DmaApi dma, KBuffer buf, KBuffer b2, IRing post) { var a = " + Map + "; var b = dma.MapSingle(b2, 0, 64, DmaDirection.ToDevice); _slots[0] = a; _slots[1] = b; if (dma.MappingError(a) || dma.MappingError(b)) return; dma.UnmapSingle(_slots[0], 64, DmaDirection.ToDevice); post.Post(b, 64); }")]
    // Unmapped, then a fresh mapping stored into the same element and posted.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var l = new List<DmaAddr>(); l.Add(" + Map + "); if (dma.MappingError(l[0])) return; dma.UnmapSingle(l[0], 64, DmaDirection.ToDevice); l = new List<DmaAddr> { " + Map + " }; if (dma.MappingError(l[0])) return; post.Post(l[0], 64); }")]
    public Task DMA006_not_reported(string member) => Check("class D { " + member + Fields + " }");

    [Theory]
    // Stored into a container: the holder owns it (DMA002 quiet), as before.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var a = " + Map + "; if (dma.MappingError(a)) return; _list.Add(a); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var s = new[] { " + Map + " }; if (dma.MappingError(s[0])) return; _slots[0] = s[0]; }")]
    public Task DMA002_not_reported(string member) => Check("class D { " + member + Fields + " }");
}
