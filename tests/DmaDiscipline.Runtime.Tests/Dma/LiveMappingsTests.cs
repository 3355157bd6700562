namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>
/// The DMA layer's record of live mappings keeps the head of a page whose chain emptied (a ring
/// buffer's page is mapped again at once) and sweeps those heads out once they outnumber the live
/// ones: across many distinct pages coming and going, every live mapping is still found, and every
/// released one is gone.
/// </summary>
public sealed class LiveMappingsTests
{
    [Fact]
    public void ManyPagesComingAndGoing_LiveOnesAreFound_ReleasedOnesAreNot()
    {
        var live = new LiveMappings();
        const ulong pageSize = 1UL << PhysicalMemory.PageShift;
        var kept = new List<LiveMapping>();
        for (ulong page = 1; page <= 40_000; page++)
        {
            var mapping = new LiveMapping(page * pageSize, 64, DmaDirection.ToDevice, MappingKind.Single, null);
            live.Add(mapping);
            if (page % 97 == 0)
            {
                kept.Add(mapping); // stays live across the sweeps the others trigger
                continue;
            }

            Assert.True(live.TryRemove(mapping.Address, 64, DmaDirection.ToDevice, MappingKind.Single, out LiveMapping removed));
            Assert.Equal(mapping, removed);
            Assert.False(live.Covers(mapping.Address, 64));
        }

        foreach (LiveMapping mapping in kept)
        {
            Assert.True(live.Covers(mapping.Address, 64));
        }

        // A page mapped twice (direct DMA of one buffer twice) and released twice, after the sweeps.
        var first = new LiveMapping(3 * pageSize, 32, DmaDirection.FromDevice, MappingKind.Single, null);
        var second = new LiveMapping(3 * pageSize, 64, DmaDirection.ToDevice, MappingKind.Single, null);
        live.Add(first);
        live.Add(second);
        Assert.True(live.TryRemove(first.Address, 32, DmaDirection.FromDevice, MappingKind.Single, out LiveMapping gone));
        Assert.Equal(first, gone);
        Assert.True(live.Covers(second.Address, 64));
        Assert.True(live.TryRemove(second.Address, 64, DmaDirection.ToDevice, MappingKind.Single, out gone));
        Assert.Equal(second, gone);
        Assert.False(live.TryRemove(second.Address, 64, DmaDirection.ToDevice, MappingKind.Single, out _));
    }
}
