namespace DmaDiscipline.Runtime;

/// <summary>
/// Allocates I/O virtual address ranges of a translated domain, top-down below the device's DMA mask
/// (as Linux's <c>alloc_iova</c> does), in page frames. Sizes up to <see cref="MaxCachedPages"/> are
/// rounded to a power of two and aligned to it; freed ranges of those sizes go to per-size caches
/// (the idea of Linux's IOVA rcache), so steady-state map/unmap reuses a range in O(1) without
/// touching the free-range tree and without allocating.
/// </summary>
public sealed class IovaAllocator
{
    /// <summary>Largest size (in pages) that is rounded, aligned and cached.</summary>
    public const int MaxCachedPages = 64;

    private const int CacheOrders = 7; // 1, 2, 4 ... 64 pages
    private const int CacheDepth = 512;

    private readonly SortedSet<FrameRange> _free = new();
    private readonly Dictionary<ulong, ulong> _allocated = new(); // first frame -> frames
    private readonly ulong[][] _cache = new ulong[CacheOrders][];
    private readonly int[] _cached = new int[CacheOrders];

    /// <summary>Creates an allocator over [<paramref name="firstFrame"/>, <paramref name="endFrame"/>).</summary>
    public IovaAllocator(ulong firstFrame, ulong endFrame)
    {
        if (firstFrame == 0 || endFrame <= firstFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(firstFrame), "The IOVA aperture must be non-empty and exclude frame 0.");
        }

        FirstFrame = firstFrame;
        EndFrame = endFrame;
        _free.Add(new FrameRange(firstFrame, endFrame));
        for (int i = 0; i < CacheOrders; i++)
        {
            _cache[i] = new ulong[CacheDepth];
        }

        _allocated.EnsureCapacity(1024);
    }

    /// <summary>First allocatable frame (frame 0 is never handed out, so IOVA 0 is never valid).</summary>
    public ulong FirstFrame { get; }

    /// <summary>One past the last allocatable frame.</summary>
    public ulong EndFrame { get; }

    /// <summary>Live allocations.</summary>
    public int Allocated => _allocated.Count;

    /// <summary>Allocations served from the per-size caches.</summary>
    public long CacheHits { get; private set; }

    /// <summary>Allocations that searched the free-range tree.</summary>
    public long TreeSearches { get; private set; }

    /// <summary>The number of frames an allocation of <paramref name="pages"/> really takes.</summary>
    public static ulong RoundedSize(ulong pages) =>
        pages <= MaxCachedPages ? RoundUpToPowerOfTwo(pages) : pages;

    /// <summary>
    /// Allocates a range of <paramref name="pages"/> frames ending at or below <paramref name="limitFrame"/>
    /// (the DMA mask in frames). Returns false when no such range is free.
    /// </summary>
    public bool TryAllocate(ulong pages, ulong limitFrame, out ulong frame)
    {
        if (pages == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pages), "An IOVA range has at least one page.");
        }

        ulong size = RoundedSize(pages);
        // limitFrame + 1 would wrap to 0 for an all-ones limit; clamp before adding.
        ulong endLimit = limitFrame >= EndFrame ? EndFrame : limitFrame + 1;
        int order = OrderOf(size);
        if (order >= 0 && _cached[order] > 0)
        {
            ulong candidate = _cache[order][_cached[order] - 1];
            if (candidate + size <= endLimit)
            {
                _cached[order]--;
                CacheHits++;
                _allocated.Add(candidate, size);
                frame = candidate;
                return true;
            }
        }

        if (TryAllocateFromTree(size, endLimit, out frame) || (DrainCaches() && TryAllocateFromTree(size, endLimit, out frame)))
        {
            _allocated.Add(frame, size);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Frees a range. Returns false, changing nothing, when <paramref name="frame"/> does not start a
    /// live allocation of exactly <paramref name="pages"/> pages (a double or mismatched free).
    /// </summary>
    public bool Free(ulong frame, ulong pages)
    {
        ulong size = RoundedSize(pages);
        if (!_allocated.Remove(frame, out ulong allocated))
        {
            return false;
        }

        if (allocated != size)
        {
            _allocated.Add(frame, allocated); // a mismatched free changes nothing
            return false;
        }

        int order = OrderOf(size);
        if (order >= 0 && _cached[order] < CacheDepth)
        {
            _cache[order][_cached[order]++] = frame;
            return true;
        }

        ReturnToTree(frame, size);
        return true;
    }

    /// <summary>Whether <paramref name="frame"/> starts a live allocation, and its size in frames.</summary>
    public bool IsAllocated(ulong frame, out ulong frames) => _allocated.TryGetValue(frame, out frames);

    private static ulong RoundUpToPowerOfTwo(ulong value) =>
        value <= 1 ? 1 : 1UL << (64 - System.Numerics.BitOperations.LeadingZeroCount(value - 1));

    private static int OrderOf(ulong size) =>
        size <= MaxCachedPages && (size & (size - 1)) == 0 ? System.Numerics.BitOperations.Log2(size) : -1;

    private bool TryAllocateFromTree(ulong size, ulong endLimit, out ulong frame)
    {
        TreeSearches++;
        ulong alignment = size <= MaxCachedPages ? size : 1;
        if (endLimit <= FirstFrame)
        {
            frame = 0;
            return false;
        }

        // Highest free range that starts below the limit, downwards: top-down first fit.
        foreach (FrameRange range in _free.GetViewBetween(new FrameRange(0, 0), new FrameRange(endLimit - 1, ulong.MaxValue)).Reverse())
        {
            ulong end = Math.Min(range.End, endLimit);
            if (end - range.Start < size)
            {
                continue;
            }

            ulong start = (end - size) & ~(alignment - 1);
            if (start < range.Start)
            {
                continue;
            }

            _free.Remove(range);
            if (start > range.Start)
            {
                _free.Add(new FrameRange(range.Start, start));
            }

            if (start + size < range.End)
            {
                _free.Add(new FrameRange(start + size, range.End));
            }

            frame = start;
            return true;
        }

        frame = 0;
        return false;
    }

    private bool DrainCaches()
    {
        bool any = false;
        for (int order = 0; order < CacheOrders; order++)
        {
            for (int i = 0; i < _cached[order]; i++)
            {
                ReturnToTree(_cache[order][i], 1UL << order);
                any = true;
            }

            _cached[order] = 0;
        }

        return any;
    }

    private void ReturnToTree(ulong start, ulong size)
    {
        ulong end = start + size;
        // An empty view's Max/Min is default (0, 0), which never touches a range starting at frame >= 1.
        FrameRange before = _free.GetViewBetween(new FrameRange(0, 0), new FrameRange(start, 0)).Max;
        if (before.End == start)
        {
            _free.Remove(before);
            start = before.Start;
        }

        FrameRange after = _free.GetViewBetween(new FrameRange(end, 0), new FrameRange(end, ulong.MaxValue)).Min;
        if (after.Start == end && after.End > end)
        {
            _free.Remove(after);
            end = after.End;
        }

        _free.Add(new FrameRange(start, end));
    }

    /// <summary>A free range [Start, End), ordered by start (ranges never overlap).</summary>
    private readonly record struct FrameRange(ulong Start, ulong End) : IComparable<FrameRange>
    {
        public int CompareTo(FrameRange other)
        {
            int byStart = Start.CompareTo(other.Start);
            return byStart != 0 ? byStart : End.CompareTo(other.End);
        }
    }
}
