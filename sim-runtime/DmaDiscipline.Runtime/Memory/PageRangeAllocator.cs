namespace DmaDiscipline.Runtime;

/// <summary>
/// First-fit allocator of contiguous page frames inside one zone (below or above 4 GiB), with
/// coalescing of freed ranges. Allocation is not a DMA hot path (streaming maps reuse buffers), so a
/// sorted map of free ranges is enough.
/// </summary>
internal sealed class PageRangeAllocator
{
    private readonly SortedDictionary<ulong, ulong> _free = new(); // first frame -> frame count

    public PageRangeAllocator(ulong firstFrame, ulong endFrame)
    {
        EndFrame = endFrame;
        if (endFrame > firstFrame)
        {
            _free.Add(firstFrame, endFrame - firstFrame);
        }
    }

    public ulong EndFrame { get; }

    public bool TryAllocate(ulong count, out ulong frame)
    {
        foreach (var (start, length) in _free)
        {
            if (length < count)
            {
                continue;
            }

            _free.Remove(start);
            if (length > count)
            {
                _free.Add(start + count, length - count);
            }

            frame = start;
            return true;
        }

        frame = 0;
        return false;
    }

    public void Free(ulong frame, ulong count)
    {
        ulong start = frame;
        ulong length = count;

        // Merge with the following free range.
        if (_free.TryGetValue(start + length, out ulong nextLength))
        {
            _free.Remove(start + length);
            length += nextLength;
        }

        // Merge with the preceding free range: the free list is short, and frees are rare.
        foreach (var (otherStart, otherLength) in _free)
        {
            if (otherStart + otherLength == start)
            {
                _free.Remove(otherStart);
                start = otherStart;
                length += otherLength;
                break;
            }

            if (otherStart > start)
            {
                break;
            }
        }

        _free.Add(start, length);
    }
}
