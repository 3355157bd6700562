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
}
