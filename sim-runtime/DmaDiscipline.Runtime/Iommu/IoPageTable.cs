namespace DmaDiscipline.Runtime;

/// <summary>
/// A translated domain's I/O page table: a 4-level radix tree over 48-bit I/O virtual addresses with
/// 4 KiB leaves, 9 address bits per level, like the VT-d second-level and AMD-Vi v1 formats.
/// A leaf entry holds the physical frame and the read/write permission bits; an entry with neither
/// bit is not present.
/// Thread safety: walked, mapped and unmapped from any thread without a lock, as Linux's io-pgtable
/// updates entries: a table level is installed with a compare-and-exchange (never freed), a leaf
/// entry is set with a compare-and-exchange from not present (so two maps of one page cannot both
/// win) and cleared with an exchange (so two unmaps of one page cannot both win), each a full fence.
/// Callers keep the ranges they change disjoint (the IOVA allocator does for the DMA API).
/// <para>
/// A present entry also says which translation caches may hold it: bit 48 + k for the caches of
/// partition k (<see cref="IoTlb"/>: a cache per translating thread), set by the filler with a
/// compare-and-exchange when it vouches for its fill (<see cref="TryMarkCachedBy"/>) and handed to
/// the unmapper by the exchange that clears the entry (<see cref="Unmap(ulong, int, out int)"/>), so a page
/// invalidation visits only the partitions that cached the page, as a real IOMMU's invalidation
/// reaches only the caches that asked for the translation. Frames stay below bit 36 (physical
/// memory ends at 256 TiB); <see cref="Walk(ulong)"/> and <see cref="Peek"/> return entries without the marks.
/// </para>
/// </summary>
internal sealed class IoPageTable
{
    /// <summary>I/O virtual address width in bits.</summary>
    public const int AddressWidth = 48;

    private const int LevelBits = 9;
    private const int Entries = 1 << LevelBits;
    private const ulong Index = Entries - 1;
    private const ulong PermissionBits = 0x3;
    private const int CachedByShift = 48;
    private const ulong CachedByBits = 0xFFFFUL << CachedByShift;

    private readonly Node _root = new(isLeafLevel: false);

    // Per-thread counts (plain adds for the thread that owns a part): two queues that map and walk
    // on two cores write no common line.
    private OwnedCounter _present;
    private OwnedCounter _walks;

    /// <summary>Leaf entries currently present.</summary>
    public long PresentEntries => _present.Value;

    /// <summary>Page walks performed (IOTLB misses and map/unmap walks).</summary>
    public long Walks => _walks.Value;

    /// <summary>Installs a translation for one page. Returns false if the page is already mapped.</summary>
    public bool Map(ulong iovaFrame, ulong physFrame, IommuPermission permission) => Map(iovaFrame, physFrame, permission, Environment.CurrentManagedThreadId);

    /// <summary>Installs a translation for one page (<paramref name="thread"/>: the caller's managed id). Returns false if the page is already mapped.</summary>
    public bool Map(ulong iovaFrame, ulong physFrame, IommuPermission permission, int thread)
    {
        ulong[] leaves = Leaves(iovaFrame, create: true)!;
        ref ulong entry = ref leaves[iovaFrame & Index];
        if ((Volatile.Read(ref entry) & PermissionBits) != 0 || Interlocked.CompareExchange(ref entry, EntryOf(physFrame, permission), 0) != 0)
        {
            return false;
        }

        _present.Increment(thread);
        return true;
    }

    /// <summary>Removes the translation of one page. Returns false if none was present.</summary>
    public bool Unmap(ulong iovaFrame) => Unmap(iovaFrame, Environment.CurrentManagedThreadId);

    /// <summary>Removes the translation of one page (<paramref name="thread"/>: the caller's managed id). Returns false if none was present.</summary>
    public bool Unmap(ulong iovaFrame, int thread) => Unmap(iovaFrame, thread, out _);

    /// <summary>
    /// Removes the translation of one page (<paramref name="thread"/>: the caller's managed id) with an
    /// exchange (a full fence). Returns false if none was present; otherwise
    /// <paramref name="cachedBy"/> has bit k set for each cache partition k that vouched for a fill of
    /// the entry (<see cref="TryMarkCachedBy"/>): only those can hold it.
    /// </summary>
    public bool Unmap(ulong iovaFrame, int thread, out int cachedBy)
    {
        cachedBy = 0;
        ulong[]? leaves = Leaves(iovaFrame, create: false);
        if (leaves is null)
        {
            return false;
        }

        ref ulong entry = ref leaves[iovaFrame & Index];
        if ((Volatile.Read(ref entry) & PermissionBits) == 0)
        {
            return false;
        }

        ulong old = Interlocked.Exchange(ref entry, 0);
        if ((old & PermissionBits) == 0)
        {
            return false;
        }

        cachedBy = (int)(old >> CachedByShift);
        _present.Add(-1, thread);
        return true;
    }

    /// <summary>
    /// Vouches for a fill of <paramref name="leaf"/> (an entry as <see cref="Walk(ulong)"/> returned it)
    /// into the caches of <paramref name="partition"/> and notes them in the entry, with a
    /// compare-and-exchange (a full fence, after the fill): true if the page still maps the same frame
    /// with the same permission — then an unmap that clears it later finds the mark — and false if the
    /// entry changed (the filler takes its fill back: the unmap that cleared it may have missed it).
    /// </summary>
    public bool TryMarkCachedBy(ulong iovaFrame, ulong leaf, int partition)
    {
        ulong[]? leaves = Leaves(iovaFrame, create: false);
        if (leaves is null)
        {
            return false;
        }

        ref ulong entry = ref leaves[iovaFrame & Index];
        ulong mark = 1UL << (CachedByShift + partition);
        ulong current = Volatile.Read(ref entry);
        while ((current & ~CachedByBits) == leaf)
        {
            // Even when the mark is there already: the exchange is the fence that orders the fill before the check.
            ulong seen = Interlocked.CompareExchange(ref entry, current | mark, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Walks the table: the leaf entry for a page, or 0 when not present.</summary>
    public ulong Walk(ulong iovaFrame) => Walk(iovaFrame, Environment.CurrentManagedThreadId);

    /// <summary>Walks the table for the thread whose managed id is <paramref name="thread"/>: the leaf entry for a page, or 0 when not present.</summary>
    public ulong Walk(ulong iovaFrame, int thread)
    {
        _walks.Increment(thread);
        return Peek(iovaFrame);
    }

    /// <summary>The leaf entry for a page, or 0, without counting a walk (a filler re-reading the entry it cached).</summary>
    public ulong Peek(ulong iovaFrame)
    {
        ulong[]? leaves = Leaves(iovaFrame, create: false);
        return leaves is null ? 0 : Volatile.Read(ref leaves[iovaFrame & Index]) & ~CachedByBits;
    }

    /// <summary>A leaf entry: the physical frame and the permission bits.</summary>
    public static ulong EntryOf(ulong physFrame, IommuPermission permission) => (physFrame << PhysicalMemory.PageShift) | (ulong)permission;

    public static ulong FrameOf(ulong entry) => entry >> PhysicalMemory.PageShift;

    public static IommuPermission PermissionOf(ulong entry) => (IommuPermission)(entry & PermissionBits);

    private ulong[]? Leaves(ulong iovaFrame, bool create)
    {
        // Frame bits 35..27 index level 4, 26..18 level 3, 17..9 level 2, 8..0 the leaf table.
        Node node = _root;
        for (int shift = 3 * LevelBits; shift >= 2 * LevelBits; shift -= LevelBits)
        {
            ref Node? slot = ref LazySlot.At(node.Children!, (int)((iovaFrame >> shift) & Index));
            Node? child = Volatile.Read(ref slot);
            if (child is null)
            {
                if (!create)
                {
                    return null;
                }

                // Published whole: a walker that reads the reference sees the level's arrays.
                child = Interlocked.CompareExchange(ref slot, new Node(isLeafLevel: shift == 2 * LevelBits), null) ?? slot;
            }

            node = child;
        }

        ref ulong[]? leafSlot = ref LazySlot.At(node.Leaves!, (int)((iovaFrame >> LevelBits) & Index));
        ulong[]? leaves = Volatile.Read(ref leafSlot);
        if (leaves is null && create)
        {
            leaves = Interlocked.CompareExchange(ref leafSlot, new ulong[Entries], null) ?? leafSlot;
        }

        return leaves;
    }

    private sealed class Node
    {
        public Node(bool isLeafLevel)
        {
            if (isLeafLevel)
            {
                Leaves = new ulong[]?[Entries];
            }
            else
            {
                Children = new Node?[Entries];
            }
        }

        public Node?[]? Children { get; }

        public ulong[]?[]? Leaves { get; }
    }
}
