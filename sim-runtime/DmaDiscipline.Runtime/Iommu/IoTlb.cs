namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOTLB of one domain — and, with ATS, a device's own address translation cache: a direct-mapped
/// cache of leaf page table entries indexed by I/O virtual page. A hit skips the page walk; an entry
/// survives an unmap until it is invalidated, which is what makes lazy invalidation a window rather
/// than a bookkeeping detail.
/// Thread safety: looked up, filled and invalidated from any thread without a shared lock, so two
/// queues of one device on two cores write no common line when they touch different pages. Each
/// slot is its own sequence lock: a writer (a fill, a page invalidation) takes the slot by making its
/// sequence odd, and a lookup that saw it odd or changed reads again, so it never pairs one
/// translation's tag with another's entry. A whole-cache invalidation bumps a generation that every
/// entry carries: an entry filled under an older generation never hits. A filler reads the
/// generation before it walks the page table (<see cref="Generation"/>), so a fill that races a
/// whole-cache invalidation is born stale. The counters are exact and may be read from any thread
/// (a snapshot).
/// </summary>
public sealed class IoTlb
{
    private readonly Slot[] _slots;
    private readonly int _mask;
    private int _generation;

    private OwnedCounter _hits;
    private OwnedCounter _misses;
    private OwnedCounter _pageInvalidations;
    private long _globalInvalidations;

    /// <summary>Creates an IOTLB.</summary>
    /// <param name="entries">Number of entries, a power of two from 1 to 65536.</param>
    public IoTlb(int entries)
    {
        if (entries <= 0 || entries > 65536 || (entries & (entries - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "The IOTLB size is a power of two from 1 to 65536.");
        }

        _slots = new Slot[entries];
        _mask = entries - 1;
    }

    /// <summary>Number of entries.</summary>
    public int Size => _slots.Length;

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits => _hits.Value;

    /// <summary>Lookups that needed a page walk.</summary>
    public long Misses => _misses.Value;

    /// <summary>Single-page invalidations.</summary>
    public long PageInvalidations => _pageInvalidations.Value;

    /// <summary>Whole-cache invalidations (flush queue flushes).</summary>
    public long GlobalInvalidations => Volatile.Read(ref _globalInvalidations);

    /// <summary>Hits divided by lookups, or 0 before the first lookup.</summary>
    public double HitRate
    {
        get
        {
            long hits = Hits;
            long lookups = hits + Misses;
            return lookups == 0 ? 0 : (double)hits / lookups;
        }
    }

    /// <summary>The current generation: read it before the page walk whose result a fill will cache.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <summary>Resets the counters (not the cached entries), while no lookup is under way.</summary>
    public void ResetCounters()
    {
        _hits.Reset();
        _misses.Reset();
        _pageInvalidations.Reset();
        Volatile.Write(ref _globalInvalidations, 0);
    }

    /// <summary>A device's address translation cache (ATS).</summary>
    internal static IoTlb ForDevice(int entries) => new(entries);

    /// <summary>Looks a page up from the calling thread.</summary>
    internal bool TryLookup(ulong iovaFrame, out ulong entry) => TryLookup(iovaFrame, Environment.CurrentManagedThreadId, out entry);

    /// <summary>Looks a page up from any thread (<paramref name="thread"/>: its managed id), without a lock (a sequence-lock read of the page's slot).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the per-access hit path
    internal bool TryLookup(ulong iovaFrame, int thread, out ulong entry)
    {
        ref Slot slot = ref _slots[(int)iovaFrame & _mask];
        int generation = Volatile.Read(ref _generation);
        var spin = default(SpinWait);
        while (true)
        {
            // Acquire reads: the fields after the first sequence read, the second sequence read after them.
            int before = Volatile.Read(ref slot.Sequence);
            ulong tag = Volatile.Read(ref slot.Tag);
            ulong value = Volatile.Read(ref slot.Entry);
            int born = Volatile.Read(ref slot.Generation);
            if ((before & 1) == 0 && Volatile.Read(ref slot.Sequence) == before)
            {
                if (tag == iovaFrame + 1 && born == generation)
                {
                    _hits.Increment(thread);
                    entry = value;
                    return true;
                }

                _misses.Increment(thread);
                entry = 0;
                return false;
            }

            spin.SpinOnce(sleep1Threshold: -1); // a writer is a few stores from done, unless it was preempted: then yield to it
        }
    }

    /// <summary>Caches <paramref name="entry"/> for a page under the current generation (a test's or a single thread's fill).</summary>
    internal void Fill(ulong iovaFrame, ulong entry) => Fill(iovaFrame, entry, Generation);

    /// <summary>Caches <paramref name="entry"/> for a page, as of <paramref name="generation"/> (read before the walk that found it).</summary>
    internal void Fill(ulong iovaFrame, ulong entry, int generation)
    {
        ref Slot slot = ref _slots[(int)iovaFrame & _mask];
        int sequence = Lock(ref slot);
        Volatile.Write(ref slot.Tag, iovaFrame + 1);
        Volatile.Write(ref slot.Entry, entry);
        Volatile.Write(ref slot.Generation, generation);
        Volatile.Write(ref slot.Sequence, sequence + 1);
    }

    /// <summary>Takes back a fill whose page table entry changed before the filler could vouch for it: drops the page's entry if it is still <paramref name="entry"/>.</summary>
    internal void Retract(ulong iovaFrame, ulong entry)
    {
        ref Slot slot = ref _slots[(int)iovaFrame & _mask];
        if (Volatile.Read(ref slot.Tag) != iovaFrame + 1)
        {
            return;
        }

        int sequence = Lock(ref slot);
        if (slot.Tag == iovaFrame + 1 && slot.Entry == entry)
        {
            Volatile.Write(ref slot.Tag, 0UL);
        }

        Volatile.Write(ref slot.Sequence, sequence + 1);
    }

    /// <summary>Drops a page's entry (the calling thread counts it).</summary>
    internal void Invalidate(ulong iovaFrame) => Invalidate(iovaFrame, Environment.CurrentManagedThreadId);

    /// <summary>
    /// Drops a page's entry; <paramref name="thread"/> is the caller's managed id. The caller cleared
    /// the page table entry first with a full fence, and a filler re-reads the entry after its fill
    /// with a full fence (<see cref="Retract"/>), so a slot that does not hold the page here either
    /// never will with the old entry or is taken back by its filler: only a match is written.
    /// </summary>
    internal void Invalidate(ulong iovaFrame, int thread)
    {
        _pageInvalidations.Increment(thread);
        ref Slot slot = ref _slots[(int)iovaFrame & _mask];
        if (Volatile.Read(ref slot.Tag) != iovaFrame + 1)
        {
            return;
        }

        int sequence = Lock(ref slot);
        if (slot.Tag == iovaFrame + 1)
        {
            Volatile.Write(ref slot.Tag, 0UL);
        }

        Volatile.Write(ref slot.Sequence, sequence + 1);
    }

    /// <summary>Drops every entry: a new generation, so nothing filled before (or by a fill that read the old one) hits again.</summary>
    internal void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        Interlocked.Increment(ref _globalInvalidations);
    }

    /// <summary>Takes a slot for a write: its sequence made odd with a compare-and-exchange (a full fence). Returns the odd sequence.</summary>
    private static int Lock(ref Slot slot)
    {
        var spin = default(SpinWait);
        while (true)
        {
            int sequence = Volatile.Read(ref slot.Sequence);
            if ((sequence & 1) == 0 && Interlocked.CompareExchange(ref slot.Sequence, sequence + 1, sequence) == sequence)
            {
                return sequence + 1;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>One entry: its sequence lock, the generation it was filled under, the page + 1 (0: empty) and the leaf entry.</summary>
    private struct Slot
    {
        public int Sequence;
        public int Generation;
        public ulong Tag;
        public ulong Entry;
    }
}
