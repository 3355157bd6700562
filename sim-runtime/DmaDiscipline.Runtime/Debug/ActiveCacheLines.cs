namespace DmaDiscipline.Runtime;

/// <summary>
/// Live device-writable streaming mappings (FromDevice, Bidirectional) indexed by the physical
/// memory they cover, machine-wide (dma-debug's <c>dma_active_cacheline</c> tree). Two such mappings
/// that share a CPU cache line cannot both be kept coherent: invalidating the line for one discards
/// what the device wrote through the other, and the CPU may read a stale half. As in dma-debug, a
/// ToDevice mapping is never part of a conflict: a device-read header next to a device-written status
/// byte in one line (virtio-blk's request layout) is legitimate.
/// </summary>
internal sealed class ActiveCacheLines
{
    /// <summary>The cache line size the check assumes (x86 and most arm64 cores: 64 bytes).</summary>
    public const int LineSize = 64;

    private readonly Dictionary<ulong, List<DmaDebugEntry>> _byPage = new();

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
                if (!_byPage.TryGetValue(page, out List<DmaDebugEntry>? list))
                {
                    list = new List<DmaDebugEntry>(1);
                    _byPage.Add(page, list);
                }

                if (list.Count == 0 || !ReferenceEquals(list[^1], entry))
                {
                    list.Add(entry);
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
                if (_byPage.TryGetValue(page, out List<DmaDebugEntry>? list))
                {
                    list.Remove(entry);
                    if (list.Count == 0)
                    {
                        _byPage.Remove(page);
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
            if (!_byPage.TryGetValue(page, out List<DmaDebugEntry>? list))
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

        return null;
    }

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
}
