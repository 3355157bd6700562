using System.Runtime.CompilerServices;

namespace DmaDiscipline.Runtime;

/// <summary>
/// The live mappings of one device's DMA API, kept by the DMA layer whatever the debug layer's mode,
/// so that an unmap, sync or free outside a live mapping is refused on every path (IOMMU, direct,
/// bounce) and a mapped buffer stays pinned. Each page a mapping touches holds a copy of its record,
/// so a sync of any sub-range finds it with one lookup.
/// Thread safety: sharded by the 64 KiB granule of the bus page, 256 shards made on first use, each
/// under its own spinlock (as dma-debug hashes its entries into buckets with a lock each): threads
/// mapping different granules rarely meet — with 16 shards, two queues whose IOVAs spanned 16
/// granules each wrote every shard between them. The shard
/// locks are biased (<see cref="BiasedSpinLock"/>): a device whose mappings one thread makes and
/// releases takes them without an atomic instruction. Steady-state add and remove allocate nothing.
/// </summary>
internal sealed class LiveMappings
{
    private const int ShardBits = 8;
    private const int GranuleBits = 4; // 16 pages

    private readonly Shard?[] _shards = new Shard?[1 << ShardBits];

    public void Add(in LiveMapping mapping) => Add(mapping, Environment.CurrentManagedThreadId);

    /// <summary>Adds a record, for the thread <paramref name="me"/> (its managed id, read once per call).</summary>
    public void Add(in LiveMapping mapping, int me)
    {
        for (ulong page = mapping.FirstPage; page <= mapping.LastPage; page++)
        {
            ShardOf(page).Add(page, mapping, me);
        }
    }

    /// <summary>
    /// Removes the mapping of <paramref name="kind"/> that starts at <paramref name="address"/>. When
    /// the same address is mapped more than once (direct DMA of one buffer twice), the one with this
    /// length and direction goes first. False, changing nothing, when none starts there.
    /// </summary>
    public bool TryRemove(ulong address, int length, DmaDirection direction, MappingKind kind, out LiveMapping removed) =>
        TryRemove(address, length, direction, kind, Environment.CurrentManagedThreadId, out removed);

    /// <summary>As <see cref="TryRemove(ulong, int, DmaDirection, MappingKind, out LiveMapping)"/>, for the thread <paramref name="me"/>.</summary>
    public bool TryRemove(ulong address, int length, DmaDirection direction, MappingKind kind, int me, out LiveMapping removed)
    {
        ulong first = address >> PhysicalMemory.PageShift;
        if (!ShardOf(first).TryRemoveStart(first, address, length, direction, kind, me, out removed))
        {
            return false;
        }

        for (ulong page = first + 1; page <= removed.LastPage; page++)
        {
            ShardOf(page).RemoveCopy(page, removed, me);
        }

        return true;
    }

    /// <summary>Whether one live mapping covers the whole range.</summary>
    public bool Covers(ulong address, int length)
    {
        ulong end = address + (ulong)length;
        if (length <= 0 || end < address)
        {
            return false;
        }

        ulong page = address >> PhysicalMemory.PageShift;
        return ShardOf(page).Covers(page, address, end, Environment.CurrentManagedThreadId);
    }

    /// <summary>A live mapping that pins <paramref name="buffer"/>, if any (a scan: only for refusals).</summary>
    public LiveMapping? FindPinning(KBuffer buffer)
    {
        int me = Environment.CurrentManagedThreadId;
        foreach (Shard? shard in _shards)
        {
            if (shard is null)
            {
                continue;
            }

            if (shard.FindPinning(buffer, me) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>
    /// Every live mapping, once each (a mapping spanning several pages is recorded on each; the same
    /// mapping made twice is returned twice). A scan under each shard's lock in turn: only for the
    /// release of a removed device's mappings.
    /// </summary>
    public List<LiveMapping> All()
    {
        int me = Environment.CurrentManagedThreadId;
        var copies = new Dictionary<LiveMapping, int>();
        foreach (Shard? shard in _shards)
        {
            shard?.CountCopies(copies, me);
        }

        var all = new List<LiveMapping>(copies.Count);
        foreach ((LiveMapping mapping, int count) in copies)
        {
            int pages = (int)(mapping.LastPage - mapping.FirstPage + 1);
            for (int i = 0; i < count / pages; i++)
            {
                all.Add(mapping);
            }
        }

        return all;
    }

    /// <summary>
    /// The shard of a page: by its 64 KiB granule, not the page itself, so that the buffers one
    /// queue set up together (neighbouring pages, neighbouring IOVAs) and keeps re-mapping from its
    /// own IOVA cache share few shards with another queue's: two queues on two cores then mostly take
    /// shard locks the other never touches, where a hash per page made every shard both queues'.
    /// </summary>
    private Shard ShardOf(ulong page)
    {
        return LazySlot.Get(_shards, (int)(((page >> GranuleBits) * 0x9E3779B97F4A7C15UL) >> (64 - ShardBits)), 0, static _ => new Shard());
    }

    /// <summary>
    /// Per-page chains of mapping records in pooled arrays (index links, a free list). A page whose
    /// chain empties keeps its head (−1) in the table, so a ring buffer's page mapped again finds it
    /// with the one lookup the map makes anyway (a remove and a re-insert per map+unmap otherwise);
    /// empty heads are swept out once they outnumber the live ones (and 1024), so the table stays
    /// proportional to what is mapped.
    /// </summary>
    private sealed class Shard
    {
        private const int SweepFloor = 1024;

        private BiasedSpinLock _lock;
        private readonly FrameMap<int> _heads = new();
        private int _emptyHeads;
        private LiveMapping[] _records = new LiveMapping[16];
        private int[] _next = new int[16];
        private int _free = -1;
        private int _used;

        public void Add(ulong page, in LiveMapping mapping, int me)
        {
            bool biased = _lock.Enter(me);
            try
            {
                int node = NewNode();
                _records[node] = mapping;

                // One hash lookup: the head slot is added (as -1, an empty chain) or found, and updated in place.
                ref int head = ref _heads.GetOrAdd(page, out bool exists);
                if (!exists)
                {
                    head = -1;
                }
                else if (head < 0)
                {
                    _emptyHeads--;
                }

                _next[node] = head;
                head = node;
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        public bool TryRemoveStart(ulong page, ulong address, int length, DmaDirection direction, MappingKind kind, int me, out LiveMapping removed)
        {
            bool biased = _lock.Enter(me);
            try
            {
                int best = -1;
                int bestPrevious = -1;
                int previous = -1;
                ref int head = ref _heads.Find(page);
                for (int node = Unsafe.IsNullRef(ref head) ? -1 : head; node >= 0; previous = node, node = _next[node])
                {
                    ref LiveMapping record = ref _records[node];
                    if (record.Address != address || record.Kind != kind)
                    {
                        continue;
                    }

                    if (best < 0 || (record.Length == length && record.Direction == direction))
                    {
                        best = node;
                        bestPrevious = previous;
                        if (record.Length == length && record.Direction == direction)
                        {
                            break;
                        }
                    }
                }

                if (best < 0)
                {
                    removed = default;
                    return false;
                }

                removed = _records[best];
                Unlink(ref head, best, bestPrevious);
                return true;
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        public void RemoveCopy(ulong page, in LiveMapping mapping, int me)
        {
            bool biased = _lock.Enter(me);
            try
            {
                int previous = -1;
                ref int head = ref _heads.Find(page);
                for (int node = Unsafe.IsNullRef(ref head) ? -1 : head; node >= 0; previous = node, node = _next[node])
                {
                    if (_records[node] == mapping)
                    {
                        Unlink(ref head, node, previous);
                        return;
                    }
                }
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        public bool Covers(ulong page, ulong address, ulong end, int me)
        {
            bool biased = _lock.Enter(me);
            try
            {
                for (int node = Head(page); node >= 0; node = _next[node])
                {
                    if (_records[node].Covers(address, end))
                    {
                        return true;
                    }
                }

                return false;
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        public LiveMapping? FindPinning(KBuffer buffer, int me)
        {
            bool biased = _lock.Enter(me);
            try
            {
                foreach (int head in _heads.Values())
                {
                    for (int node = head; node >= 0; node = _next[node])
                    {
                        if (_records[node].Pins(buffer))
                        {
                            return _records[node];
                        }
                    }
                }

                return null;
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        public void CountCopies(Dictionary<LiveMapping, int> copies, int me)
        {
            bool biased = _lock.Enter(me);
            try
            {
                foreach (int head in _heads.Values())
                {
                    for (int node = head; node >= 0; node = _next[node])
                    {
                        copies[_records[node]] = copies.GetValueOrDefault(_records[node]) + 1;
                    }
                }
            }
            finally
            {
                _lock.Exit(biased);
            }
        }

        private int Head(ulong page)
        {
            ref int head = ref _heads.Find(page);
            return Unsafe.IsNullRef(ref head) ? -1 : head;
        }

        /// <summary>Unlinks <paramref name="node"/> from the chain whose head is <paramref name="head"/> (the table's slot).</summary>
        private void Unlink(ref int head, int node, int previous)
        {
            if (previous >= 0)
            {
                _next[previous] = _next[node];
            }
            else
            {
                head = _next[node];
                if (head < 0 && ++_emptyHeads > SweepFloor && _emptyHeads > _heads.Count - _emptyHeads)
                {
                    SweepEmptyHeads(); // head's slot is not used after this
                }
            }

            _records[node] = default; // drop the owner reference
            _next[node] = _free;
            _free = node;
        }

        private void SweepEmptyHeads()
        {
            _heads.RemoveWhere(static head => head < 0);
            _emptyHeads = 0;
        }

        private int NewNode()
        {
            if (_free >= 0)
            {
                int node = _free;
                _free = _next[node];
                return node;
            }

            if (_used == _records.Length)
            {
                Array.Resize(ref _records, _used * 2);
                Array.Resize(ref _next, _used * 2);
            }

            return _used++;
        }
    }
}
