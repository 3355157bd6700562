namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>The 4-level I/O page table: 4 KiB leaves with read/write bits; no bits means not present.</summary>
public sealed class IoPageTableTests
{
    [Fact]
    public void MappedPage_WalksToItsFrameAndPermission()
    {
        var table = new IoPageTable();

        Assert.True(table.Map(0x12345, 0x777, IommuPermission.Read));
        ulong entry = table.Walk(0x12345);

        Assert.Equal(0x777UL, IoPageTable.FrameOf(entry));
        Assert.Equal(IommuPermission.Read, IoPageTable.PermissionOf(entry));
        Assert.Equal(1, table.PresentEntries);
    }

    [Fact]
    public void UnmappedPage_WalksToNotPresent()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.ReadWrite);

        Assert.Equal(IommuPermission.None, IoPageTable.PermissionOf(table.Walk(6)));
        Assert.Equal(IommuPermission.None, IoPageTable.PermissionOf(table.Walk(5UL << 27)));
    }

    [Fact]
    public void MappingAnAlreadyPresentPage_IsRefused_AndKeepsTheOldEntry()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.Read);

        Assert.False(table.Map(5, 10, IommuPermission.Write));
        Assert.Equal(9UL, IoPageTable.FrameOf(table.Walk(5)));
        Assert.Equal(1, table.PresentEntries);
    }

    [Fact]
    public void Unmap_RemovesTheEntry_AndASecondUnmapReportsNothingWasPresent()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.Write);

        Assert.True(table.Unmap(5));
        Assert.False(table.Unmap(5));
        Assert.False(table.Unmap(1UL << 30));
        Assert.Equal(IommuPermission.None, IoPageTable.PermissionOf(table.Walk(5)));
        Assert.Equal(0, table.PresentEntries);
    }

    [Fact]
    public void AnEntryMarkedAsCached_KeepsItsFrameAndPermission_AndItsUnmapNamesThePartitionsThatMarkedIt()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.Read);
        ulong leaf = table.Walk(5);

        Assert.True(table.TryMarkCachedBy(5, leaf, 3));
        Assert.True(table.TryMarkCachedBy(5, leaf, 15));
        Assert.True(table.TryMarkCachedBy(5, leaf, 3)); // marked already: still vouched for

        Assert.Equal(leaf, table.Walk(5)); // walks see the entry without its marks
        Assert.Equal(leaf, table.Peek(5));
        Assert.Equal(9UL, IoPageTable.FrameOf(table.Walk(5)));
        Assert.Equal(IommuPermission.Read, IoPageTable.PermissionOf(table.Walk(5)));
        Assert.True(table.Unmap(5, Environment.CurrentManagedThreadId, out int cachedBy));
        Assert.Equal((1 << 3) | (1 << 15), cachedBy);
    }

    [Fact]
    public void AnUnmappedEntryNoFillVouchedFor_NamesNoPartition()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.ReadWrite);

        Assert.True(table.Unmap(5, Environment.CurrentManagedThreadId, out int cachedBy));
        Assert.Equal(0, cachedBy);
        Assert.False(table.Unmap(5, Environment.CurrentManagedThreadId, out cachedBy));
        Assert.Equal(0, cachedBy);
    }

    [Fact]
    public void AFillOfAnEntryThatChangedMeanwhile_CannotBeVouchedFor()
    {
        var table = new IoPageTable();
        table.Map(5, 9, IommuPermission.ReadWrite);
        ulong leaf = table.Walk(5);

        table.Unmap(5);
        Assert.False(table.TryMarkCachedBy(5, leaf, 1)); // unmapped: the filler takes its fill back

        table.Map(5, 10, IommuPermission.ReadWrite);
        Assert.False(table.TryMarkCachedBy(5, leaf, 1)); // remapped elsewhere: the fill is wrong
        Assert.True(table.Unmap(5, Environment.CurrentManagedThreadId, out int cachedBy));
        Assert.Equal(0, cachedBy);

        table.Map(5, 9, IommuPermission.Read);
        Assert.False(table.TryMarkCachedBy(5, leaf, 1)); // same frame, less permission: wrong too
        Assert.False(table.TryMarkCachedBy(6, leaf, 1)); // never mapped
    }

    [Fact]
    public void PagesThatDifferOnlyInOneLevelsIndex_DoNotAlias()
    {
        // Frames that share every index but one, one per level of the 4-level tree (bits 0, 9, 18, 27).
        var table = new IoPageTable();
        ulong[] frames = [0, 1UL << 0, 1UL << 9, 1UL << 18, 1UL << 27, (1UL << 36) - 1];
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.True(table.Map(frames[i] | 0x100, (ulong)(1000 + i), IommuPermission.Read));
        }

        for (int i = 0; i < frames.Length; i++)
        {
            Assert.Equal((ulong)(1000 + i), IoPageTable.FrameOf(table.Walk(frames[i] | 0x100)));
        }
    }

    [Fact]
    public void EveryWalk_IsCounted()
    {
        var table = new IoPageTable();
        table.Walk(1);
        table.Walk(2);

        Assert.Equal(2, table.Walks);
    }
}
