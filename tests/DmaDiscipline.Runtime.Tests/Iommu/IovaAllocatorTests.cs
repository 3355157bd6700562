namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>The per-domain IOVA allocator: below the mask, never frame 0, O(1) recycling of freed ranges.</summary>
public sealed class IovaAllocatorTests
{
    private const ulong Mask32Frames = 0xFFFFF; // a 32-bit DMA mask, in frames

    [Fact]
    public void Allocation_StaysBelowTheDmaMask()
    {
        var iova = new IovaAllocator(1, 1UL << 36);

        Assert.True(iova.TryAllocate(3, Mask32Frames, out ulong frame));

        Assert.True(frame + 4 <= Mask32Frames + 1, $"frame 0x{frame:x} exceeds the 32-bit mask");
        Assert.True(frame >= 1);
    }

    [Fact]
    public void SmallSizes_AreRoundedToAPowerOfTwo_AndAlignedToIt()
    {
        var iova = new IovaAllocator(1, 1UL << 20);
        for (ulong pages = 1; pages <= IovaAllocator.MaxCachedPages; pages++)
        {
            Assert.True(iova.TryAllocate(pages, ulong.MaxValue, out ulong frame));
            ulong size = IovaAllocator.RoundedSize(pages);
            Assert.Equal(0UL, frame % size);
            Assert.True(iova.IsAllocated(frame, out ulong allocated));
            Assert.Equal(size, allocated);
        }
    }

    [Fact]
    public void FreedRange_IsReusedFromTheSizeCache_WithoutSearchingTheTree()
    {
        var iova = new IovaAllocator(1, 1UL << 36);
        iova.TryAllocate(2, ulong.MaxValue, out ulong first);
        iova.Free(first, 2);
        long searches = iova.TreeSearches;

        Assert.True(iova.TryAllocate(2, ulong.MaxValue, out ulong again));

        Assert.Equal(first, again);
        Assert.Equal(searches, iova.TreeSearches);
        Assert.Equal(1, iova.CacheHits);
    }

    [Fact]
    public void SteadyStateAllocateFree_NeverSearchesTheTreeAgain()
    {
        var iova = new IovaAllocator(1, 1UL << 36);
        var live = new Queue<(ulong Frame, ulong Pages)>();
        for (int i = 0; i < 64; i++)
        {
            ulong pages = (ulong)(i % 4) + 1;
            iova.TryAllocate(pages, ulong.MaxValue, out ulong frame);
            live.Enqueue((frame, pages));
        }

        long warmedUp = iova.TreeSearches;
        for (int i = 0; i < 10_000; i++)
        {
            (ulong frame, ulong pages) = live.Dequeue();
            Assert.True(iova.Free(frame, pages));
            Assert.True(iova.TryAllocate(pages, ulong.MaxValue, out ulong next));
            live.Enqueue((next, pages));
        }

        Assert.Equal(warmedUp, iova.TreeSearches);
        Assert.Equal(64, iova.Allocated);
    }

    [Fact]
    public void ACpuCacheThatEmptied_TakesBackFromTheDepotAMagazineItFilled_BeforeAnotherCachesNewerOne()
    {
        // Two threads (managed ids; the allocator trusts the id it is given) with caches of their own:
        // each frees three magazines' worth (127 ranges each), so each puts full magazines in the
        // depot, the second thread's on top. The first, once its cache is empty, gets its own ranges
        // back (so its granules, and the stripes' and shards' locks biased to it, stay its own).
        var iova = new IovaAllocator(1, 1UL << 36);
        (int first, int second) = TwoThreadsWithTheirOwnCaches();
        const int PerThread = 24 * 16; // whole 16-page blocks from the tree: nothing left over in the caches
        List<ulong> firsts = Allocate(iova, first, PerThread);
        List<ulong> seconds = Allocate(iova, second, PerThread);
        firsts.ForEach(frame => Assert.True(iova.Free(frame, 1, first)));
        seconds.ForEach(frame => Assert.True(iova.Free(frame, 1, second)));

        List<ulong> again = Allocate(iova, first, PerThread);

        Assert.All(again, frame => Assert.Contains(frame, firsts));
    }

    [Fact]
    public void ACpuCacheWithNoMagazineOfItsOwnInTheDepot_TakesTheNewest()
    {
        var iova = new IovaAllocator(1, 1UL << 36);
        (int first, int second) = TwoThreadsWithTheirOwnCaches();
        List<ulong> firsts = Allocate(iova, first, 24 * 16);
        firsts.ForEach(frame => Assert.True(iova.Free(frame, 1, first)));
        long searches = iova.TreeSearches;

        Assert.True(iova.TryAllocate(1, ulong.MaxValue, second, out ulong frame));

        Assert.Contains(frame, firsts); // the depot's, not a new search of the tree
        Assert.Equal(searches, iova.TreeSearches);
    }

    private static List<ulong> Allocate(IovaAllocator iova, int me, int count)
    {
        var frames = new List<ulong>(count);
        for (int i = 0; i < count; i++)
        {
            Assert.True(iova.TryAllocate(1, ulong.MaxValue, me, out ulong frame));
            frames.Add(frame);
        }

        return frames;
    }

    /// <summary>Two managed thread ids (no thread runs under them) whose tickets pick different CPU caches (by ticket modulo 16).</summary>
    private static (int First, int Second) TwoThreadsWithTheirOwnCaches()
    {
        int first = 50_000;
        int second = first + 1;
        while ((ThreadTicket.Of(second) & 15) == (ThreadTicket.Of(first) & 15))
        {
            second++;
        }

        return (first, second);
    }

    [Fact]
    public void DoubleFree_AndFreeWithTheWrongSize_AreRefused()
    {
        var iova = new IovaAllocator(1, 1UL << 20);
        iova.TryAllocate(4, ulong.MaxValue, out ulong frame);

        Assert.False(iova.Free(frame, 8));
        Assert.False(iova.Free(frame + 1, 4));
        Assert.True(iova.Free(frame, 4));
        Assert.False(iova.Free(frame, 4));
        Assert.Equal(0, iova.Allocated);
    }

    [Fact]
    public void LiveRanges_NeverOverlap()
    {
        var iova = new IovaAllocator(1, 1UL << 16);
        var random = new Random(7);
        var live = new List<(ulong Start, ulong End)>();
        for (int i = 0; i < 2000; i++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                int victim = random.Next(live.Count);
                Assert.True(iova.Free(live[victim].Start, live[victim].End - live[victim].Start));
                live.RemoveAt(victim);
                continue;
            }

            ulong pages = (ulong)random.Next(1, 100);
            if (iova.TryAllocate(pages, random.Next(2) == 0 ? ulong.MaxValue : 0x7FFF, out ulong frame))
            {
                ulong size = IovaAllocator.RoundedSize(pages);
                Assert.DoesNotContain(live, r => frame < r.End && r.Start < frame + size);
                live.Add((frame, frame + size));
            }
        }
    }

    [Fact]
    public void FullAperture_RefusesTheAllocation_AndCachedRangesAreReturnedToSatisfyALargerOne()
    {
        var iova = new IovaAllocator(1, 17); // 16 usable frames
        var singles = new List<ulong>();
        while (iova.TryAllocate(1, ulong.MaxValue, out ulong frame))
        {
            singles.Add(frame);
        }

        Assert.Equal(16, singles.Count);
        Assert.False(iova.TryAllocate(1, ulong.MaxValue, out _));

        // Free everything: the single-page cache now holds all 16 frames, yet an 8-page range must fit.
        singles.ForEach(f => iova.Free(f, 1));
        Assert.True(iova.TryAllocate(8, ulong.MaxValue, out ulong large));
        Assert.Equal(0UL, large % 8);
    }

    [Fact]
    public void MaskBelowTheAperture_RefusesTheAllocation()
    {
        var iova = new IovaAllocator(0x1000, 0x2000);

        Assert.False(iova.TryAllocate(1, 0xFFF, out _));
    }

    [Fact]
    public void CachedRangeAboveASmallerMask_IsNotHandedOut()
    {
        var iova = new IovaAllocator(1, 1UL << 36);
        iova.TryAllocate(1, ulong.MaxValue, out ulong high);
        iova.Free(high, 1);

        Assert.True(iova.TryAllocate(1, Mask32Frames, out ulong low));

        Assert.True(high > Mask32Frames);
        Assert.True(low <= Mask32Frames);
    }
}
