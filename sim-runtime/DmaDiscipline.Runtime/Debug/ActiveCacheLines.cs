namespace DmaDiscipline.Runtime;

/// <summary>
/// Live device-writable streaming mappings (FromDevice, Bidirectional) indexed by the physical
/// memory they cover, machine-wide (dma-debug's <c>dma_active_cacheline</c> tree). Two such mappings
/// that share a CPU cache line cannot both be kept coherent: invalidating the line for one discards
/// what the device wrote through the other, and the CPU may read a stale half. As in dma-debug, a
/// ToDevice mapping is never part of a conflict: a device-read header next to a device-written status
/// byte in one line (virtio-blk's request layout) is legitimate.
/// Thread safety: every member may be called from any thread. The table is sharded by physical page,
/// a lock per shard (dma-debug hashes its entries into buckets with a lock each), so that devices
/// mapping on different CPUs do not meet on one machine-wide lock; a mapping spanning pages is added
/// and removed page by page (its check and its record were never one step: see
/// <see cref="DmaDebug.CheckMap"/>).
/// </summary>
internal sealed class ActiveCacheLines
{
    /// <summary>The cache line size the check assumes (x86 and most arm64 cores: 64 bytes).</summary>
    public const int LineSize = 64;

    private const int ShardBits = 6;

    private readonly Shard[] _shards = Enumerable.Range(0, 1 << ShardBits).Select(_ => new Shard()).ToArray();

    public void Add(DmaDebugEntry entry)
    {
        if (!entry.DeviceWrites)
        {
            return;
        }

        foreach ((ulong start, ulong end) in entry.PhysicalRanges)
        {
            for (ulong page = start >> PhysicalMemory.PageShift; page <= (end - 1) >> PhysicalMemory.PageShift; page++)
            {
                Shard shard = ShardOf(page);
                lock (shard)
                {
                    if (!shard.ByPage.TryGetValue(page, out List<DmaDebugEntry>? list))
                    {
                        list = new List<DmaDebugEntry>(1);
                        shard.ByPage.Add(page, list);
                    }

                    if (list.Count == 0 || !ReferenceEquals(list[^1], entry))
                    {
                        list.Add(entry);
                    }
                }
            }
        }
    }

    public void Remove(DmaDebugEntry entry)
    {
        if (!entry.DeviceWrites)
        {
            return;
        }

        foreach ((ulong start, ulong end) in entry.PhysicalRanges)
        {
            for (ulong page = start >> PhysicalMemory.PageShift; page <= (end - 1) >> PhysicalMemory.PageShift; page++)
            {
                Shard shard = ShardOf(page);
                lock (shard)
                {
                    if (shard.ByPage.TryGetValue(page, out List<DmaDebugEntry>? list))
                    {
                        list.Remove(entry);
                        if (list.Count == 0)
                        {
                            shard.ByPage.Remove(page);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A live device-writable mapping that shares a cache line with [<paramref name="start"/>,
    /// <paramref name="end"/>) when the new mapping is device-writable too; null when there is none.
    /// </summary>
    public DmaDebugEntry? FindConflict(ulong start, ulong end, DmaDirection direction)
    {
        if (direction is not (DmaDirection.FromDevice or DmaDirection.Bidirectional))
        {
            return null;
        }

        for (ulong page = start >> PhysicalMemory.PageShift; page <= (end - 1) >> PhysicalMemory.PageShift; page++)
        {
            Shard shard = ShardOf(page);
            lock (shard)
            {
                if (!shard.ByPage.TryGetValue(page, out List<DmaDebugEntry>? list))
                {
                    continue;
                }

                foreach (DmaDebugEntry entry in list)
                {
                    if (SharesLine(entry, start, end))
                    {
                        return entry;
                    }
                }
            }
        }

        return null;
    }

    private Shard ShardOf(ulong page) => _shards[(int)((page * 0x9E3779B97F4A7C15UL) >> (64 - ShardBits))];

    private static bool SharesLine(DmaDebugEntry entry, ulong start, ulong end)
    {
        ulong first = start / LineSize;
        ulong last = (end - 1) / LineSize;
        foreach ((ulong s, ulong e) in entry.PhysicalRanges)
        {
            if (s / LineSize <= last && first <= (e - 1) / LineSize)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One shard: the pages that hash to it, each with its device-writable entries (the shard is its own lock).</summary>
    private sealed class Shard
    {
        public readonly Dictionary<ulong, List<DmaDebugEntry>> ByPage = new();
    }
}
