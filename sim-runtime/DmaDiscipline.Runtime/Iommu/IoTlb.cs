namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOTLB of one domain — and, with ATS, a device's own address translation cache: a direct-mapped
/// cache of leaf page table entries indexed by I/O virtual page. A hit skips the page walk; an entry
/// survives an unmap until it is invalidated, which is what makes lazy invalidation a window rather
/// than a bookkeeping detail.
/// <para>
/// <b>One copy per translating thread.</b> Each thread that translates (a device model runs each queue
/// on one thread, as a queue's DMA engine) looks up and fills a cache of its own, of
/// <see cref="Size"/> entries, chosen by its managed thread id (16 partitions, made on first use;
/// threads started together, as a device's queue threads, take different ones); an invalidation, page or whole-cache, reaches every partition. So a device driven from one
/// thread sees exactly one cache of <see cref="Size"/> entries, as before; two queues on two cores
/// neither evict each other's translations nor write a line the other reads. With one cache shared
/// by both, each queue's pages displaced the other's (the two working sets in one 64-entry
/// direct-mapped cache) and every refill wrote a line the other queue's next lookup then missed in
/// its own core's cache (with both queue threads on a core each, net-pp's share of lookups that
/// missed went from 0.02 % with one queue to 1.2 % with two; 0.3 % with a cache per thread). A page
/// one thread cached is a miss for another, which walks and caches it in its own partition (a
/// translation request of another engine).
/// </para>
/// Thread safety: looked up, filled and invalidated from any thread without a shared lock. Each
/// slot is its own sequence lock: a writer (a fill, a page invalidation) takes the slot by making its
/// sequence odd, and a lookup that saw it odd or changed reads again, so it never pairs one
/// translation's tag with another's entry. A whole-cache invalidation bumps a generation that every
/// entry carries: an entry filled under an older generation never hits. A filler reads the
/// generation before it walks the page table (<see cref="Generation"/>), so a fill that races a
/// whole-cache invalidation is born stale. A page invalidation visits every partition made before
/// it starts: a partition is published before its thread's first fill, which that thread vouches for
/// behind a full fence after it (see <c>IommuDomain.TryTranslatePage</c>), so a fill the invalidation
/// misses is one whose filler sees the cleared entry and takes it back. The counters are exact and
/// may be read from any thread (a snapshot).
/// </summary>
public sealed class IoTlb
{
    private const int PartitionBits = 4; // 16 partitions by managed thread id

    // A cache per translating thread (its managed id modulo 16), made on first use; bit k of _made: partition k exists.
    private readonly Slot[]?[] _partitions = new Slot[1 << PartitionBits][];
    private readonly int _entries;
    private readonly int _mask;
    private int _made;
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

        _entries = entries;
        _mask = entries - 1;
    }

    /// <summary>Number of entries (of the cache each translating thread sees).</summary>
    public int Size => _entries;

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
        ref Slot slot = ref SlotOf(PartitionOf(thread), iovaFrame);
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

    /// <summary>Caches <paramref name="entry"/> for a page under the current generation, in the calling thread's cache (a test's or a single thread's fill).</summary>
    internal void Fill(ulong iovaFrame, ulong entry) => Fill(iovaFrame, entry, Generation, Environment.CurrentManagedThreadId);

    /// <summary>Caches <paramref name="entry"/> for a page, as of <paramref name="generation"/> (read before the walk that found it), in the cache of the thread whose managed id is <paramref name="thread"/> (the caller).</summary>
    internal void Fill(ulong iovaFrame, ulong entry, int generation, int thread)
    {
        ref Slot slot = ref SlotOf(PartitionOf(thread), iovaFrame);
        int sequence = Lock(ref slot);
        Volatile.Write(ref slot.Tag, iovaFrame + 1);
        Volatile.Write(ref slot.Entry, entry);
        Volatile.Write(ref slot.Generation, generation);
        Volatile.Write(ref slot.Sequence, sequence + 1);
    }

    /// <summary>Takes back a fill whose page table entry changed before the filler could vouch for it: drops the page's entry from the filler's cache (<paramref name="thread"/>: its managed id) if it is still <paramref name="entry"/>.</summary>
    internal void Retract(ulong iovaFrame, ulong entry, int thread)
    {
        ref Slot slot = ref SlotOf(PartitionOf(thread), iovaFrame);
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
    internal void Invalidate(ulong iovaFrame) => Invalidate(iovaFrame, Environment.CurrentManagedThreadId, AllPartitions);

    /// <summary>Every partition, for <see cref="Invalidate(ulong, int, int)"/>.</summary>
    internal const int AllPartitions = (1 << (1 << PartitionBits)) - 1;

    /// <summary>The partition (0-15) whose cache the thread with managed id <paramref name="thread"/> looks up and fills.</summary>
    internal static int PartitionIndex(int thread) => thread & ((1 << PartitionBits) - 1);

    /// <summary>
    /// Drops a page's entry from the partitions in <paramref name="partitions"/> (bit k: partition k;
    /// the page table entry's marks, <see cref="IoPageTable.Unmap(ulong, int, out int)"/>, name every partition
    /// that can hold it); <paramref name="thread"/> is the caller's managed id. The caller cleared
    /// the page table entry first with a full fence, and a filler vouches for its fill after it
    /// with a full fence (<see cref="IoPageTable.TryMarkCachedBy"/>, else <see cref="Retract"/>), so a slot that does not hold the page here either
    /// never will with the old entry or is taken back by its filler: only a match is written. The
    /// other partitions are not read: a line one queue's thread fills is not pulled away by the other
    /// queue's unmaps (with every partition read, a second queue made each strict fill a cache miss).
    /// </summary>
    internal void Invalidate(ulong iovaFrame, int thread, int partitions)
    {
        _pageInvalidations.Increment(thread);
        int index = (int)iovaFrame & _mask;
        for (int made = Volatile.Read(ref _made) & partitions; made != 0; made &= made - 1)
        {
            // Every partition's slot of the page: only one that holds it is written (another thread's
            // partition is read, not taken, unless that thread cached the page too).
            ref Slot slot = ref LazySlot.At(_partitions, System.Numerics.BitOperations.TrailingZeroCount(made))![index]; // made: not null
            if (Volatile.Read(ref slot.Tag) != iovaFrame + 1)
            {
                continue;
            }

            int sequence = Lock(ref slot);
            if (slot.Tag == iovaFrame + 1)
            {
                Volatile.Write(ref slot.Tag, 0UL);
            }

            Volatile.Write(ref slot.Sequence, sequence + 1);
        }
    }

    /// <summary>The cache of the thread whose managed id is <paramref name="thread"/>: its partition, made (and published in <see cref="_made"/>) on first use.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private Slot[] PartitionOf(int thread)
    {
        // By the managed id itself, not its ticket, and no bounds checks: an ATS hit is a few loads, and
        // the ticket's table lookup made it 13-25 % dearer on one thread. Threads started together
        // (a device's queues) have consecutive ids, so they take different partitions; the index is
        // masked to the array's fixed length of 16.
        int index = PartitionIndex(thread);
        Slot[]? partition = Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.Add(
            ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_partitions), index));
        return partition ?? MakePartition(index);
    }

    /// <summary>The slot of <paramref name="iovaFrame"/> in <paramref name="partition"/> (no bounds check: masked to its length, <see cref="Size"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private ref Slot SlotOf(Slot[] partition, ulong iovaFrame) =>
        ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(partition), (int)iovaFrame & _mask);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Slot[] MakePartition(int index)
    {
        Slot[] partition = LazySlot.Get(_partitions, index, _entries, static entries => new Slot[entries]);
        Interlocked.Or(ref _made, 1 << index); // a full fence: seen by every invalidation that starts after the first fill into it
        return partition;
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
