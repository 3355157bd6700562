namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>The IOTLB: a cache of leaf entries with hit/miss counters, emptied only by invalidation.</summary>
public sealed class IoTlbTests
{
    [Fact]
    public void FirstLookup_Misses_AndAfterAFill_Hits()
    {
        var tlb = new IoTlb(16);

        Assert.False(tlb.TryLookup(42, out _));
        tlb.Fill(42, 0xABC);
        Assert.True(tlb.TryLookup(42, out ulong entry));

        Assert.Equal(0xABCUL, entry);
        Assert.Equal(1, tlb.Hits);
        Assert.Equal(1, tlb.Misses);
        Assert.Equal(0.5, tlb.HitRate);
    }

    [Fact]
    public void PageInvalidation_DropsOnlyThatPage()
    {
        var tlb = new IoTlb(16);
        tlb.Fill(1, 11);
        tlb.Fill(2, 22);

        tlb.Invalidate(1);

        Assert.False(tlb.TryLookup(1, out _));
        Assert.True(tlb.TryLookup(2, out _));
        Assert.Equal(1, tlb.PageInvalidations);
    }

    [Fact]
    public void InvalidatingAPageThatSharesASlot_KeepsTheOtherPagesEntry()
    {
        var tlb = new IoTlb(16);
        tlb.Fill(3, 33);

        tlb.Invalidate(3 + 16); // same slot, different page

        Assert.True(tlb.TryLookup(3, out ulong entry));
        Assert.Equal(33UL, entry);
    }

    [Fact]
    public void GlobalInvalidation_DropsEverything()
    {
        var tlb = new IoTlb(16);
        for (ulong page = 0; page < 16; page++)
        {
            tlb.Fill(page, page + 100);
        }

        tlb.InvalidateAll();

        for (ulong page = 0; page < 16; page++)
        {
            Assert.False(tlb.TryLookup(page, out _));
        }

        Assert.Equal(1, tlb.GlobalInvalidations);
    }

    [Fact]
    public void CapacityIsConfigurable_AndPagesBeyondItEvictEachOther()
    {
        var tlb = new IoTlb(4);
        tlb.Fill(0, 1);
        tlb.Fill(4, 2); // direct-mapped: evicts page 0

        Assert.Equal(4, tlb.Size);
        Assert.False(tlb.TryLookup(0, out _));
        Assert.True(tlb.TryLookup(4, out _));
    }

    [Fact]
    public void ResetCounters_KeepsTheCachedEntries()
    {
        var tlb = new IoTlb(4);
        tlb.Fill(1, 1);
        tlb.TryLookup(1, out _);

        tlb.ResetCounters();

        Assert.Equal(0, tlb.Hits + tlb.Misses);
        Assert.True(tlb.TryLookup(1, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(65536 * 2)]
    public void Size_MustBeAPowerOfTwoUpTo64Ki(int entries)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IoTlb(entries));
    }

    [Fact]
    public void EachTranslatingThread_HasACacheOfItsOwn_SoAnothersFillsDoNotEvictItsEntries()
    {
        var tlb = new IoTlb(4);
        (int first, int second) = TwoThreadsInDifferentPartitions();

        tlb.Fill(0, 1, tlb.Generation, first);
        tlb.Fill(4, 2, tlb.Generation, second); // the same slot: in one shared cache, it would evict page 0

        Assert.True(tlb.TryLookup(0, first, out ulong entry));
        Assert.Equal(1UL, entry);
        Assert.True(tlb.TryLookup(4, second, out entry));
        Assert.Equal(2UL, entry);
        Assert.Equal(4, tlb.Size); // each thread still sees a cache of the configured size
    }

    [Fact]
    public void APageOneThreadCached_IsAMissForAnother()
    {
        var tlb = new IoTlb(16);
        (int first, int second) = TwoThreadsInDifferentPartitions();
        tlb.Fill(7, 70, tlb.Generation, first);

        Assert.False(tlb.TryLookup(7, second, out _));
        Assert.True(tlb.TryLookup(7, first, out _));
        Assert.Equal(1, tlb.Hits);
        Assert.Equal(1, tlb.Misses);
    }

    [Fact]
    public void APageInvalidation_FromAnyThread_DropsThePageFromEveryThreadsCache_AndNothingElse()
    {
        var tlb = new IoTlb(16);
        (int first, int second) = TwoThreadsInDifferentPartitions();
        tlb.Fill(5, 50, tlb.Generation, first);
        tlb.Fill(5, 50, tlb.Generation, second);
        tlb.Fill(6, 60, tlb.Generation, second);

        tlb.Invalidate(5); // from the test's own thread, which cached nothing

        Assert.False(tlb.TryLookup(5, first, out _));
        Assert.False(tlb.TryLookup(5, second, out _));
        Assert.True(tlb.TryLookup(6, second, out _));
        Assert.Equal(1, tlb.PageInvalidations); // one invalidation, however many caches it reached
    }

    [Fact]
    public void APageInvalidation_ReachesOnlyThePartitionsItNames()
    {
        // An unmap names the partitions whose fills were vouched for in the page table entry; the
        // others cannot hold the page and are not read.
        var tlb = new IoTlb(16);
        (int first, int second) = TwoThreadsInDifferentPartitions();
        tlb.Fill(5, 50, tlb.Generation, first);
        tlb.Fill(5, 50, tlb.Generation, second);

        tlb.Invalidate(5, Environment.CurrentManagedThreadId, 1 << IoTlb.PartitionIndex(first));

        Assert.False(tlb.TryLookup(5, first, out _));
        Assert.True(tlb.TryLookup(5, second, out _));
        Assert.Equal(1, tlb.PageInvalidations);
    }

    [Fact]
    public void AWholeCacheInvalidation_DropsEveryThreadsEntries()
    {
        var tlb = new IoTlb(16);
        (int first, int second) = TwoThreadsInDifferentPartitions();
        tlb.Fill(1, 10, tlb.Generation, first);
        tlb.Fill(2, 20, tlb.Generation, second);

        tlb.InvalidateAll();

        Assert.False(tlb.TryLookup(1, first, out _));
        Assert.False(tlb.TryLookup(2, second, out _));
    }

    /// <summary>Two managed thread ids (no thread runs under them) that pick different caches of the 16 (by id modulo 16).</summary>
    private static (int First, int Second) TwoThreadsInDifferentPartitions() => (1_000, 1_001);
}
