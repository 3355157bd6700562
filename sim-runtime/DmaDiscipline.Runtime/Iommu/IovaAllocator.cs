namespace DmaDiscipline.Runtime;

/// <summary>
/// Allocates I/O virtual address ranges of a translated domain, top-down below the device's DMA mask
/// (as Linux's <c>alloc_iova</c> does), in page frames. Sizes up to <see cref="MaxCachedPages"/> are
/// rounded to a power of two and aligned to it; freed ranges of those sizes are cached as Linux's IOVA
/// rcache does: per CPU, a loaded and a previous magazine of each size, over a depot of full
/// magazines. Steady-state map/unmap pops and pushes the calling thread's cache (one per thread ticket, taken by
/// threads in turn) under that cache's own lock, so no global lock is on the hot path (the caches'
/// and the live-allocation stripes' locks are biased, <see cref="BiasedSpinLock"/>: a thread that
/// has them to itself takes them without an atomic instruction); only an empty CPU cache reaches the depot, and only an
/// empty depot reaches the free-range tree. A CPU cache that reaches the tree for a size below 16
/// pages takes a whole 64 KiB-aligned block of 16 pages and keeps the rest of it (not Linux: it
/// gives each thread IOVAs of its own granules, so the records hashed by granule — the live-allocation
/// stripes here, the DMA layer's live-mapping shards, the IOTLB's slots — are mostly one thread's).
/// For the same reason a CPU cache takes from the depot a magazine it put there itself if there is
/// one (not Linux, whose depot is a plain stack): two queues that both overflow to the depot and
/// refill from it (lazy mode frees a flush queue's ranges at once) traded their granules, and with
/// them the biased locks of the stripes and shards, each hand-over a process-wide barrier.
/// Thread safety: every public member may be called from any thread.
/// </summary>
public sealed class IovaAllocator
{
    /// <summary>Largest size (in pages) that is rounded, aligned and cached.</summary>
    public const int MaxCachedPages = 64;

    private const int CacheOrders = 7; // 1, 2, 4 ... 64 pages
    private const int MagazineSize = 127; // Linux's IOVA_MAG_SIZE
    private const int DepotMagazines = 32; // full magazines kept per size (Linux's MAX_GLOBAL_MAGS)
    private const int StripeBits = 8; // 256 stripes, made on first use
    private const int GranuleOrder = 4; // a tree refill of a CPU cache takes 16 pages (64 KiB) at once

    private readonly object _treeLock = new();
    private readonly SortedSet<FrameRange> _free = new();
    private readonly AllocatedStripe?[] _allocated = new AllocatedStripe?[1 << StripeBits];
    private const int CpuCacheBits = 4; // 16 caches, made on first use: threads running at once take different ones

    private readonly CpuCache?[] _cpus = new CpuCache?[1 << CpuCacheBits];
    private readonly Depot[] _depots = new Depot[CacheOrders];
    private long _treeSearches;

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
            _depots[i] = new Depot();
        }
    }

    /// <summary>First allocatable frame (frame 0 is never handed out, so IOVA 0 is never valid).</summary>
    public ulong FirstFrame { get; }

    /// <summary>One past the last allocatable frame.</summary>
    public ulong EndFrame { get; }

    /// <summary>Live allocations.</summary>
    public int Allocated
    {
        get
        {
            int count = 0;
            foreach (AllocatedStripe? stripe in _allocated)
            {
                if (stripe is null)
                {
                    continue;
                }

                using (new BiasedHold(ref stripe.Lock))
                {
                    count += stripe.Ranges.Count;
                }
            }

            return count;
        }
    }

    /// <summary>Allocations served from the per-CPU caches.</summary>
    public long CacheHits
    {
        get
        {
            long hits = 0;
            foreach (CpuCache? cpu in _cpus)
            {
                hits += cpu is null ? 0 : Volatile.Read(ref cpu.Hits);
            }

            return hits;
        }
    }

    /// <summary>Allocations that searched the free-range tree.</summary>
    public long TreeSearches => Volatile.Read(ref _treeSearches);

    /// <summary>The number of frames an allocation of <paramref name="pages"/> really takes.</summary>
    public static ulong RoundedSize(ulong pages) =>
        pages <= MaxCachedPages ? RoundUpToPowerOfTwo(pages) : pages;

    /// <summary>
    /// Allocates a range of <paramref name="pages"/> frames ending at or below <paramref name="limitFrame"/>
    /// (the DMA mask in frames). Returns false when no such range is free. A range taken this way from
    /// a domain's allocator is never handed to its DMA API until it is given back with <see cref="Free(ulong, ulong)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pages"/> is 0.</exception>
    public bool TryAllocate(ulong pages, ulong limitFrame, out ulong frame) =>
        TryAllocate(pages, limitFrame, Environment.CurrentManagedThreadId, out frame, caller: true);

    /// <summary>As <see cref="TryAllocate(ulong, ulong, out ulong)"/>, for the platform's own use (the DMA API of a domain), on the thread <paramref name="me"/> (its managed id, read once per DMA operation).</summary>
    internal bool TryAllocate(ulong pages, ulong limitFrame, int me, out ulong frame) =>
        TryAllocate(pages, limitFrame, me, out frame, caller: false);

    /// <summary>
    /// Allocates for the platform, or (<paramref name="caller"/>) for a caller of the public surface:
    /// its allocations are recorded with <see cref="CallerTag"/>, so that each side frees only its own
    /// (a public <see cref="Free(ulong, ulong)"/> of a range the DMA API holds would hand one IOVA to two live mappings).
    /// </summary>
    private bool TryAllocate(ulong pages, ulong limitFrame, int me, out ulong frame, bool caller)
    {
        if (pages == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pages), "An IOVA range has at least one page.");
        }

        ulong size = RoundedSize(pages);
        // limitFrame + 1 would wrap to 0 for an all-ones limit; clamp before adding.
        ulong endLimit = limitFrame >= EndFrame ? EndFrame : limitFrame + 1;
        int order = OrderOf(size);
        if ((order >= 0 && endLimit >= size && TryPopCached(order, endLimit - size, me, out frame))
            || (order >= 0 && order < GranuleOrder && TryRefillFromTree(order, endLimit, me, out frame))
            || TryAllocateFromTree(size, endLimit, out frame)
            || (DrainCaches() && TryAllocateFromTree(size, endLimit, out frame)))
        {
            AllocatedStripe stripe = StripeOf(frame);
            using (new BiasedHold(ref stripe.Lock, me))
            {
                ref ulong recorded = ref stripe.Ranges.GetOrAdd(frame, out bool exists);
                if (exists)
                {
                    throw new InvalidOperationException($"IOVA frame 0x{frame:x} was handed out twice (an allocator fault).");
                }

                recorded = caller ? size | CallerTag : size;
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Frees a range <see cref="TryAllocate(ulong, ulong, out ulong)"/> gave. Returns false, changing
    /// nothing, when <paramref name="frame"/> does not start a live allocation of exactly
    /// <paramref name="pages"/> pages made that way (a double or mismatched free, or a range of the
    /// domain's DMA API: only its unmap releases those).
    /// </summary>
    public bool Free(ulong frame, ulong pages) => Free(frame, pages, Environment.CurrentManagedThreadId, caller: true);

    /// <summary>As <see cref="Free(ulong, ulong)"/>, for the platform's own allocations, on the thread <paramref name="me"/>.</summary>
    internal bool Free(ulong frame, ulong pages, int me) => Free(frame, pages, me, caller: false);

    /// <summary>The platform's own free (<see cref="Free(ulong, ulong, int)"/>) on the calling thread.</summary>
    internal bool FreeOwn(ulong frame, ulong pages) => Free(frame, pages, Environment.CurrentManagedThreadId, caller: false);

    /// <summary>The platform's own allocation on the calling thread.</summary>
    internal bool TryAllocateOwn(ulong pages, ulong limitFrame, out ulong frame) =>
        TryAllocate(pages, limitFrame, Environment.CurrentManagedThreadId, out frame, caller: false);

    private bool Free(ulong frame, ulong pages, int me, bool caller)
    {
        if (pages == 0 || pages > EndFrame)
        {
            return false; // no allocation has that size (and rounding it could overflow)
        }

        ulong size = RoundedSize(pages);
        AllocatedStripe stripe = StripeOf(frame);
        using (new BiasedHold(ref stripe.Lock, me))
        {
            if (!stripe.Ranges.TryGetValue(frame, out ulong allocated) || allocated != (caller ? size | CallerTag : size))
            {
                return false; // a double or mismatched free changes nothing
            }

            stripe.Ranges.Remove(frame);
        }

        int order = OrderOf(size);
        if (order >= 0)
        {
            PushCached(order, frame, me);
        }
        else
        {
            lock (_treeLock)
            {
                ReturnToTree(frame, size);
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="frame"/> starts a live allocation, and its size in frames.</summary>
    public bool IsAllocated(ulong frame, out ulong frames)
    {
        AllocatedStripe stripe = StripeOf(frame);
        using (new BiasedHold(ref stripe.Lock))
        {
            bool allocated = stripe.Ranges.TryGetValue(frame, out frames);
            frames &= ~CallerTag;
            return allocated;
        }
    }

    /// <summary>Marks a recorded size as an allocation of a public caller (sizes never reach bit 63: frames are below 2^52).</summary>
    private const ulong CallerTag = 1UL << 63;

    private static ulong RoundUpToPowerOfTwo(ulong value) =>
        value <= 1 ? 1 : 1UL << (64 - System.Numerics.BitOperations.LeadingZeroCount(value - 1));

    private static int OrderOf(ulong size) =>
        size <= MaxCachedPages && (size & (size - 1)) == 0 ? System.Numerics.BitOperations.Log2(size) : -1;

    /// <summary>
    /// The stripe recording an allocation: by the 64 KiB granule of its first frame, so the ranges one
    /// thread allocated together and keeps recycling through its own cache mostly share stripes with
    /// no other thread's (a hash per frame made every stripe every thread's).
    /// </summary>
    private AllocatedStripe StripeOf(ulong frame)
    {
        return LazySlot.Get(_allocated, (int)(((frame >> 4) * 0x9E3779B97F4A7C15UL) >> (64 - StripeBits)), 0, static _ => new AllocatedStripe());
    }

    /// <summary>
    /// The calling thread's cache: threads take the caches in turn (<see cref="ThreadTicket"/>), so
    /// that up to 16 threads running at once never share one (the ticket, not the core count: two
    /// queue threads whose tickets had the same parity shared one of two caches, lock and IOVAs).
    /// </summary>
    private CpuCache CurrentCpu(int me)
    {
        int index = ThreadTicket.Of(me) & ((1 << CpuCacheBits) - 1);
        return LazySlot.Get(_cpus, index, index, static slot => new CpuCache(slot));
    }

    /// <summary>A cached range of the order that starts at or below <paramref name="highestStart"/> (the mask's limit).</summary>
    private bool TryPopCached(int order, ulong highestStart, int me, out ulong frame)
    {
        CpuCache cpu = CurrentCpu(me);
        using (new BiasedHold(ref cpu.Lock, me))
        {
            Magazine loaded = cpu.Loaded[order];
            if (loaded.Count == 0)
            {
                if (cpu.Previous[order].Count > 0)
                {
                    (cpu.Loaded[order], cpu.Previous[order]) = (cpu.Previous[order], loaded);
                }
                else
                {
                    Depot depot = _depots[order];
                    lock (depot.Lock)
                    {
                        if (depot.Full.Count > 0)
                        {
                            cpu.Loaded[order] = depot.PopFull(cpu.Index);
                            depot.Empty.Push(loaded);
                        }
                    }
                }
            }

            if (cpu.Loaded[order].TryPop(highestStart, out frame))
            {
                cpu.Hits++;
                return true;
            }
        }

        return false;
    }

    private void PushCached(int order, ulong frame, int me)
    {
        CpuCache cpu = CurrentCpu(me);
        using (new BiasedHold(ref cpu.Lock, me))
        {
            if (cpu.Loaded[order].IsFull)
            {
                if (!cpu.Previous[order].IsFull)
                {
                    (cpu.Loaded[order], cpu.Previous[order]) = (cpu.Previous[order], cpu.Loaded[order]);
                }
                else
                {
                    Magazine full = cpu.Loaded[order];
                    Magazine? overflow = null;
                    Depot depot = _depots[order];
                    lock (depot.Lock)
                    {
                        if (depot.Full.Count < DepotMagazines)
                        {
                            full.Filler = cpu.Index;
                            depot.Full.Add(full);
                            cpu.Loaded[order] = depot.Empty.Count > 0 ? depot.Empty.Pop() : new Magazine();
                        }
                        else
                        {
                            overflow = full;
                        }
                    }

                    if (overflow is not null)
                    {
                        // The depot is full too: this magazine's ranges go back to the tree.
                        lock (_treeLock)
                        {
                            overflow.DrainTo(this, 1UL << order);
                        }
                    }
                }
            }

            cpu.Loaded[order].Push(frame);
        }
    }

    /// <summary>
    /// Takes a 16-page block from the tree for the calling thread's cache: the block's highest range
    /// of the order is the allocation (top-down, as from the tree), the others go to the cache's loaded
    /// magazine, highest last (popped first). False, taking nothing, if the magazine has no room or
    /// no block fits below the limit (the caller then allocates from the tree range by range).
    /// </summary>
    private bool TryRefillFromTree(int order, ulong endLimit, int me, out ulong frame)
    {
        const ulong block = 1UL << GranuleOrder;
        int ranges = 1 << (GranuleOrder - order);
        CpuCache cpu = CurrentCpu(me);
        using (new BiasedHold(ref cpu.Lock, me))
        {
            Magazine loaded = cpu.Loaded[order];
            if (loaded.Count + ranges - 1 > MagazineSize || !TryAllocateFromTree(block, endLimit, out ulong start))
            {
                frame = 0;
                return false;
            }

            for (int i = 0; i < ranges - 1; i++)
            {
                loaded.Push(start + ((ulong)i << order));
            }

            frame = start + ((ulong)(ranges - 1) << order);
            return true;
        }
    }

    private bool TryAllocateFromTree(ulong size, ulong endLimit, out ulong frame)
    {
        lock (_treeLock)
        {
            _treeSearches++;
            return TryAllocateFromTreeLocked(size, endLimit, out frame);
        }
    }

    private bool TryAllocateFromTreeLocked(ulong size, ulong endLimit, out ulong frame)
    {
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

    /// <summary>Returns every cached range of every CPU and of the depot to the tree (Linux's <c>free_cpu_cached_iovas</c> and <c>free_global_cached_iovas</c>).</summary>
    private bool DrainCaches()
    {
        bool any = false;
        foreach (CpuCache? cpu in _cpus)
        {
            if (cpu is null)
            {
                continue;
            }

            using (new BiasedHold(ref cpu.Lock))
            {
                for (int order = 0; order < CacheOrders; order++)
                {
                    lock (_treeLock)
                    {
                        any |= cpu.Loaded[order].DrainTo(this, 1UL << order);
                        any |= cpu.Previous[order].DrainTo(this, 1UL << order);
                    }
                }
            }
        }

        for (int order = 0; order < CacheOrders; order++)
        {
            Depot depot = _depots[order];
            lock (depot.Lock)
            {
                while (depot.Full.Count > 0)
                {
                    Magazine magazine = depot.PopFull(-1);
                    lock (_treeLock)
                    {
                        any |= magazine.DrainTo(this, 1UL << order);
                    }

                    depot.Empty.Push(magazine);
                }
            }
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

    /// <summary>Up to <see cref="MagazineSize"/> cached range starts of one size (Linux's <c>iova_magazine</c>).</summary>
    private sealed class Magazine
    {
        private readonly ulong[] _frames = new ulong[MagazineSize];

        public int Count { get; private set; }

        /// <summary>The CPU cache that put it in the depot (its index).</summary>
        public int Filler { get; set; }

        public bool IsFull => Count == MagazineSize;

        public void Push(ulong frame) => _frames[Count++] = frame;

        /// <summary>Pops the newest range that starts at or below the limit (Linux's <c>iova_magazine_pop</c>).</summary>
        public bool TryPop(ulong highestStart, out ulong frame)
        {
            for (int i = Count - 1; i >= 0; i--)
            {
                if (_frames[i] <= highestStart)
                {
                    frame = _frames[i];
                    _frames[i] = _frames[--Count];
                    return true;
                }
            }

            frame = 0;
            return false;
        }

        /// <summary>Returns every range to the tree; the caller holds the tree lock.</summary>
        public bool DrainTo(IovaAllocator allocator, ulong size)
        {
            for (int i = 0; i < Count; i++)
            {
                allocator.ReturnToTree(_frames[i], size);
            }

            bool any = Count > 0;
            Count = 0;
            return any;
        }
    }

    /// <summary>One CPU's cache: a loaded and a previous magazine per size, under the CPU's own lock.</summary>
    private sealed class CpuCache(int index)
    {
        public BiasedSpinLock Lock;

        /// <summary>Its slot among the CPU caches (by thread ticket).</summary>
        public readonly int Index = index;
        public readonly Magazine[] Loaded = NewMagazines();
        public readonly Magazine[] Previous = NewMagazines();
        public long Hits;

        private static Magazine[] NewMagazines()
        {
            var magazines = new Magazine[CacheOrders];
            for (int i = 0; i < magazines.Length; i++)
            {
                magazines[i] = new Magazine();
            }

            return magazines;
        }
    }

    /// <summary>Full magazines of one size shared by all CPUs, and empty ones kept for reuse.</summary>
    private sealed class Depot
    {
        public readonly object Lock = new();
        public readonly List<Magazine> Full = new(DepotMagazines); // a stack: the newest last
        public readonly Stack<Magazine> Empty = new(DepotMagazines);

        /// <summary>Takes the newest full magazine that CPU cache <paramref name="cpu"/> put here, else the newest of all (under <see cref="Lock"/>).</summary>
        public Magazine PopFull(int cpu)
        {
            int at = Full.Count - 1;
            for (int i = at; i >= 0; i--)
            {
                if (Full[i].Filler == cpu)
                {
                    at = i;
                    break;
                }
            }

            Magazine magazine = Full[at];
            Full.RemoveAt(at);
            return magazine;
        }
    }

    /// <summary>One stripe of the live-allocation table (first frame → frames), so frees on different ranges rarely meet.</summary>
    private sealed class AllocatedStripe
    {
        public BiasedSpinLock Lock;
        public readonly FrameMap<ulong> Ranges = new();
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
