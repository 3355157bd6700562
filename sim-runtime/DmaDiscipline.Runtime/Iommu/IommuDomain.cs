namespace DmaDiscipline.Runtime;

/// <summary>
/// An IOMMU domain: the address space one device (or a group of devices) sees. Identity domains pass
/// bus addresses through as physical; blocked domains fault everything; translated domains own a
/// page table, an IOTLB, an IOVA allocator and, in lazy mode, a flush queue.
/// Thread safety: every public member may be called from any thread. The DMA API's per-operation
/// path takes no domain-wide lock, so two queues of one device on two cores share no lock line:
/// the IOVA comes from the calling thread's cache, page table entries are set and cleared with
/// atomic instructions (io-pgtable style, <see cref="IoPageTable"/>), the IOTLB and the attached
/// devices' translation caches are looked up, filled and invalidated per slot (<see cref="IoTlb"/>),
/// and lazy unmaps go to the calling thread's own flush queue (Linux's per-CPU <c>iova_fq</c>), each
/// with a lock of its own. A fill is vouched for after the fact: the filler marks the page table
/// entry as cached by its partition with a compare-and-exchange (a full fence) and takes the fill back
/// if the entry changed, while an unmap clears the entry with an exchange before it invalidates the
/// partitions the entry's marks name, so a strict unmap is never outlived by a late fill, and does
/// not read the caches of threads that never translated the page.
/// The domain's lock (biased, <see cref="BiasedSpinLock"/>) guards what is rare: explicit mappings
/// (<see cref="Map"/>, <see cref="Unmap"/>) and the IOVA ranges held back under them, the list of
/// attached devices and of their caches. Once a domain has had an explicit mapping, the DMA API's
/// map checks its IOVA against them under that lock.
/// </summary>
public sealed class IommuDomain
{
    private const int FlushQueueBits = 4; // 16 per-thread flush queues, by ticket (as the in-flight slots)

    private readonly IoPageTable? _pageTable;
    private readonly FlushQueue?[]? _flushQueues;
    private readonly int _flushBatchSize;
    private readonly List<DeviceId> _devices = new();
    private BiasedSpinLock _lock;

    // Set for good (under the lock, before the first explicit mapping is installed): from then on
    // the DMA API's map checks its IOVA against explicit mappings under the lock.
    private bool _hadExplicitMappings;

    private long _flushesBegun; // bumped before a flush's invalidations, _flushes after them (see FlushQueue)
    private long _flushes;

    // Device transactions in flight: a strict unmap waits for those that may have translated through
    // a removed entry (VT-d's drain-reads/drain-writes bits of an IOTLB invalidation).
    private readonly InFlightTransactions _transactions = new();

    // The address translation caches (PCIe ATS) of attached devices: every IOTLB invalidation is
    // also sent to them as a Device-TLB invalidation, or a device could keep using an unmapped page.
    // Copy on write under the lock; read without it by translations and invalidations.
    private IoTlb[] _deviceTlbs = Array.Empty<IoTlb>();

    // Pages installed by the public Map, so Unmap can never remove a DMA-API mapping; and IOVA ranges
    // the DMA API's allocator handed out over them, held back until the explicit mapping is gone.
    private HashSet<ulong>? _explicitPages;
    private List<(ulong Frame, ulong Pages)>? _shadowed;

    internal IommuDomain(int id, DomainKind kind, IommuOptions options)
    {
        Id = id;
        Kind = kind;
        Invalidation = options.Invalidation;
        if (kind == DomainKind.Translated)
        {
            _pageTable = new IoPageTable();
            IoTlb = new IoTlb(options.IoTlbEntries);
            Iova = new IovaAllocator(1, 1UL << (IoPageTable.AddressWidth - PhysicalMemory.PageShift));
            if (Invalidation == InvalidationMode.Lazy)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.FlushBatchSize);
                _flushBatchSize = options.FlushBatchSize;
                _flushQueues = new FlushQueue?[1 << FlushQueueBits];
            }
        }
    }

    /// <summary>The domain id (VT-d DID).</summary>
    public int Id { get; }

    /// <summary>Identity, translated or blocked.</summary>
    public DomainKind Kind { get; }

    /// <summary>Strict or lazy IOTLB invalidation on unmap (translated domains).</summary>
    public InvalidationMode Invalidation { get; }

    /// <summary>The domain's IOTLB (translated domains only).</summary>
    public IoTlb? IoTlb { get; }

    /// <summary>The domain's IOVA allocator (translated domains only).</summary>
    public IovaAllocator? Iova { get; }

    /// <summary>Devices attached to this domain (more than one for a group).</summary>
    public IReadOnlyList<DeviceId> Devices
    {
        get
        {
            using (new BiasedHold(ref _lock))
            {
                return _devices.ToArray();
            }
        }
    }

    /// <summary>Present leaf page table entries.</summary>
    public long PresentPages => _pageTable?.PresentEntries ?? 0;

    /// <summary>Unmapped ranges still waiting in the flush queue (lazy mode).</summary>
    public int PendingFlushes
    {
        get
        {
            int count = 0;
            foreach (FlushQueue? queue in _flushQueues ?? Array.Empty<FlushQueue?>())
            {
                if (queue is not null)
                {
                    using (new BiasedHold(ref queue.Lock))
                    {
                        count += queue.Count;
                    }
                }
            }

            return count;
        }
    }

    /// <summary>Whether a thread other than the first to take the domain's lock has taken it (the lock is off the DMA API's per-operation path: only rare operations take it).</summary>
    internal bool LockShared => _lock.TakenByTwoThreads;

    /// <summary>Flush queue flushes performed.</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    /// <summary>
    /// Installs translations for an explicit I/O virtual range, as a VFIO container or a unit test
    /// would. Both addresses must be page-aligned and the length a whole number of pages; the range
    /// must not overlap an existing mapping.
    /// It cannot disturb the DMA API of a device using this domain: a range the DMA API maps, or has
    /// unmapped but not yet flushed (lazy mode), is refused, and IOVAs the DMA API's allocator later
    /// hands out over an explicit mapping are held back and never used until it is unmapped.
    /// </summary>
    /// <exception cref="InvalidOperationException">The domain is not translated.</exception>
    /// <exception cref="ArgumentException">Misaligned (the length included: <see cref="ArgumentOutOfRangeException"/> unless a positive multiple of the page size), out of range, a permission other than Read, Write or ReadWrite, overlapping an existing mapping, or a range waiting for a lazy flush (nothing is changed).</exception>
    public void Map(ulong iova, PhysAddr physical, int length, IommuPermission permission)
    {
        RequireTranslated();
        CheckExplicitRange(iova, length);
        if ((physical.Value & PhysicalMemory.PageMask) != 0)
        {
            throw new ArgumentException($"{physical} is not page-aligned.", nameof(physical));
        }

        if (permission is not (IommuPermission.Read or IommuPermission.Write or IommuPermission.ReadWrite))
        {
            throw new ArgumentException($"Permission {permission} is not Read, Write or ReadWrite: a mapping needs read or write permission and nothing else.", nameof(permission));
        }

        ulong pages = PagesOf(length);
        ulong first = iova >> PhysicalMemory.PageShift;
        int me = Environment.CurrentManagedThreadId;
        using (new BiasedHold(ref _lock))
        {
            // The DMA API's maps check explicit mappings from now on (a map that missed the flag
            // and races this one loses a page to it, rolls back and checks under the lock).
            Volatile.Write(ref _hadExplicitMappings, true);
            Interlocked.MemoryBarrier();

            // Checked and installed while every flush queue is held: a lazy DMA-API unmap queues its
            // range and clears its entries under its queue's lock, so either the range is queued here
            // or its entries are still present (and the install below fails).
            uint held = HoldFlushQueues();
            try
            {
                for (ulong i = 0; i < pages; i++)
                {
                    if (QueuedForFlushHeld(first + i))
                    {
                        // A stale IOTLB entry may still translate it to the page the DMA API unmapped.
                        throw new ArgumentException($"IOVA range 0x{iova:x}+{length} was unmapped by the DMA API and waits for the lazy flush; call Flush first.", nameof(iova));
                    }
                }

                if (!MapPagesAtomic(first, physical.PageFrame, pages, permission, me))
                {
                    throw new ArgumentException($"IOVA range 0x{iova:x}+{length} overlaps an existing mapping.", nameof(iova));
                }
            }
            finally
            {
                ReleaseFlushQueues(held);
            }

            _explicitPages ??= new HashSet<ulong>();
            for (ulong i = 0; i < pages; i++)
            {
                _explicitPages.Add(first + i);
            }
        }
    }

    /// <summary>
    /// Removes (part of) mappings made by <see cref="Map"/> and invalidates the IOTLB before returning
    /// (VFIO unmaps are synchronous). Pages the DMA API mapped are refused: only
    /// <see cref="DmaApi.UnmapSingle"/> and its kin release those, so the DMA API never holds a
    /// mapping that is gone.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a positive multiple of the page size (<see cref="ArgumentOutOfRangeException"/>), the IOVA is misaligned, part of the range is not mapped, or was mapped by the DMA API rather than by <see cref="Map"/> (nothing is changed).</exception>
    public void Unmap(ulong iova, int length)
    {
        RequireTranslated();
        CheckExplicitRange(iova, length);
        ulong first = iova >> PhysicalMemory.PageShift;
        ulong pages = PagesOf(length);
        List<(ulong Frame, ulong Pages)>? released;
        int allCachedBy = 0; // the cache partitions that translated a page of the range
        using (new BiasedHold(ref _lock))
        {
            if (!AllPresent(first, pages))
            {
                throw new ArgumentException($"IOVA range 0x{iova:x}+{length} is not entirely mapped.", nameof(iova));
            }

            for (ulong i = 0; i < pages; i++)
            {
                if (_explicitPages is null || !_explicitPages.Contains(first + i))
                {
                    throw new ArgumentException($"IOVA 0x{(first + i) << PhysicalMemory.PageShift:x} was mapped by the DMA API, not by Map: release it with the DMA API call that mapped it.", nameof(iova));
                }
            }

            int me = Environment.CurrentManagedThreadId;
            long invalidation = _transactions.BeginInvalidation(me, first, first + pages - 1);
            try
            {
                for (ulong i = 0; i < pages; i++)
                {
                    _pageTable!.Unmap(first + i, me, out int cachedBy); // a full fence before the invalidation (see the class remarks)
                    _explicitPages!.Remove(first + i);
                    InvalidatePage(first + i, me, cachedBy);
                    allCachedBy |= cachedBy;
                }
            }
            finally
            {
                _transactions.EndInvalidation(invalidation, first, first + pages - 1);
            }

            released = TakeUnshadowedLocked();
        }

        // No transaction still uses the removed entries once this returns (VFIO unmaps are synchronous).
        _transactions.Drain(first, first + pages - 1, Environment.CurrentManagedThreadId, allCachedBy);

        // Given back outside the domain's lock: IOVA allocation never runs under it.
        foreach ((ulong frame, ulong count) in released ?? Enumerable.Empty<(ulong, ulong)>())
        {
            Iova!.FreeOwn(frame, count);
        }
    }

    /// <summary>
    /// Flushes the lazy flush queue now: one global IOTLB invalidation, then the queued IOVAs become
    /// reusable. Closes the lazy window. A no-op for strict or non-translated domains.
    /// </summary>
    public void Flush()
    {
        if (_flushQueues is null)
        {
            return;
        }

        uint held = HoldFlushQueues();
        try
        {
            // One global invalidation, then every queue's ranges are reusable.
            bool any = false;
            foreach (FlushQueue? queue in _flushQueues)
            {
                any |= queue is { Count: > 0 };
            }

            if (any)
            {
                InvalidateAll();
                int me = Environment.CurrentManagedThreadId;
                foreach (FlushQueue? queue in _flushQueues)
                {
                    queue?.Drain(Iova!, me);
                }
            }
        }
        finally
        {
            ReleaseFlushQueues(held);
        }
    }

    /// <summary>Whether the page table holds a present entry for <paramref name="iova"/> (ignores the IOTLB).</summary>
    public bool IsMapped(ulong iova)
    {
        if (_pageTable is null || iova >> IoPageTable.AddressWidth != 0)
        {
            return false;
        }

        return IoPageTable.PermissionOf(_pageTable.Walk(iova >> PhysicalMemory.PageShift)) != IommuPermission.None;
    }

    /// <inheritdoc />
    public override string ToString() => $"domain {Id} ({Kind}{(Kind == DomainKind.Translated ? ", " + Invalidation : string.Empty)})";

    internal void AttachDevice(DeviceId device)
    {
        using (new BiasedHold(ref _lock))
        {
            _devices.Add(device);
        }
    }

    /// <summary>Starts sending invalidations to an attached device's address translation cache.</summary>
    internal void AddDeviceTlb(IoTlb deviceTlb)
    {
        using (new BiasedHold(ref _lock))
        {
            Volatile.Write(ref _deviceTlbs, [.. _deviceTlbs, deviceTlb]);
        }
    }

    /// <summary>Stops sending invalidations to a device's address translation cache (the device left the domain).</summary>
    internal void RemoveDeviceTlb(IoTlb deviceTlb)
    {
        using (new BiasedHold(ref _lock))
        {
            // A filler that read the cache's generation before this removal finds it removed, or fills
            // under a generation the caller's InvalidateAll that follows makes stale.
            Volatile.Write(ref _deviceTlbs, _deviceTlbs.Where(t => t != deviceTlb).ToArray());
        }
    }

    internal void DetachDevice(DeviceId device)
    {
        using (new BiasedHold(ref _lock))
        {
            _devices.Remove(device);
        }
    }

    /// <summary>
    /// Allocates an IOVA range for the DMA API that no explicit mapping overlaps. A range the
    /// allocator offers over an explicit mapping is kept allocated (so it is not offered again) until
    /// that mapping is unmapped. Without explicit mappings this is the allocator's call alone.
    /// </summary>
    internal bool TryAllocateDmaRange(ulong pages, ulong limitFrame, out ulong frame)
    {
        const int attempts = 64;
        for (int i = 0; i < attempts; i++)
        {
            // Allocated outside the domain's lock (the IOVA fast path takes no domain-wide lock).
            if (!Iova!.TryAllocateOwn(pages, limitFrame, out frame))
            {
                return false;
            }

            if (!Volatile.Read(ref _hadExplicitMappings))
            {
                return true; // its pages are mapped with MapPages, which fails on a page an explicit mapping raced in
            }

            using (new BiasedHold(ref _lock))
            {
                if (_explicitPages is not { Count: > 0 } || !OverlapsExplicitLocked(frame, IovaAllocator.RoundedSize(pages)))
                {
                    return true;
                }

                (_shadowed ??= new List<(ulong, ulong)>()).Add((frame, pages));
            }
        }

        frame = 0;
        return false;
    }

    /// <summary>
    /// Allocates an IOVA range for the DMA API (as <see cref="TryAllocateDmaRange"/>) and maps
    /// <paramref name="pages"/> pages of <paramref name="physFrame"/> there, the overlap check and the
    /// page table entries without a lock while the domain never had an explicit mapping (the entries'
    /// compare-and-exchange decides a race with one), under the domain's lock once it has.
    /// False, holding nothing, on failure.
    /// </summary>
    internal bool TryMapDmaRange(ulong pages, ulong limitFrame, ulong physFrame, IommuPermission permission, int me, out ulong frame)
    {
        const int attempts = 64;
        for (int i = 0; i < attempts; i++)
        {
            // Allocated outside the domain's lock (the IOVA fast path takes no domain-wide lock).
            if (!Iova!.TryAllocate(pages, limitFrame, me, out frame))
            {
                return false;
            }

            if (!Volatile.Read(ref _hadExplicitMappings) && MapPagesAtomic(frame, physFrame, pages, permission, me))
            {
                return true;
            }

            bool mapped;
            using (new BiasedHold(ref _lock))
            {
                if (_explicitPages is { Count: > 0 } && OverlapsExplicitLocked(frame, IovaAllocator.RoundedSize(pages)))
                {
                    (_shadowed ??= new List<(ulong, ulong)>()).Add((frame, pages));
                    continue;
                }

                mapped = MapPagesAtomic(frame, physFrame, pages, permission, me);
            }

            if (!mapped)
            {
                Iova.Free(frame, pages, me); // outside the domain's lock, as always
            }

            return mapped;
        }

        frame = 0;
        return false;
    }

    /// <summary>Maps consecutive pages of an IOVA range the caller allocated; all or nothing.</summary>
    internal bool MapPages(ulong iovaFrame, ulong physFrame, ulong pages, IommuPermission permission) =>
        MapPagesAtomic(iovaFrame, physFrame, pages, permission, Environment.CurrentManagedThreadId);

    /// <summary>
    /// Sets the entries one by one, each from not present (a compare-and-exchange); all or nothing:
    /// on a page already present, the ones set are cleared and invalidated again (a device may have
    /// translated through one meanwhile) and the answer is false.
    /// </summary>
    private bool MapPagesAtomic(ulong iovaFrame, ulong physFrame, ulong pages, IommuPermission permission, int me)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (!_pageTable!.Map(iovaFrame + i, physFrame + i, permission, me))
            {
                for (ulong j = 0; j < i; j++)
                {
                    _pageTable.Unmap(iovaFrame + j, me, out int cachedBy);
                    InvalidatePage(iovaFrame + j, me, cachedBy);
                }

                return false;
            }
        }

        return true;
    }

    private bool AllPresent(ulong iovaFrame, ulong pages)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (IoPageTable.PermissionOf(_pageTable!.Peek(iovaFrame + i)) == IommuPermission.None)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Unmaps a DMA-API range and releases its IOVA: immediately after invalidating each page
    /// (strict), or through the flush queue (lazy), so the IOVA is never reused while a stale IOTLB
    /// entry could still point at the old page. False, changing nothing, if a page is not mapped.
    /// </summary>
    internal bool TryUnmapDmaRange(ulong iovaFrame, ulong pages, int me)
    {
        // A one-page range needs no look first: clearing its entry says whether it was there.
        if ((pages > 1 && !AllPresent(iovaFrame, pages)) || (Volatile.Read(ref _hadExplicitMappings) && TouchesExplicit(iovaFrame, pages)))
        {
            return false;
        }

        if (_flushQueues is not null)
        {
            // Queued and cleared under the calling thread's queue's lock: an explicit Map (which holds
            // every queue) sees either the range queued or its entries present; a flush never frees
            // a range whose entries are still there.
            FlushQueue queue = CurrentFlushQueue(me);
            bool biased = queue.Lock.Enter(me); // the id read once for the call, not again by a BiasedHold
            try
            {
                // The first page decides a race between two unmaps of one range (the caller's record
                // vouches for the range as one allocation): only one clears it.
                if (!_pageTable!.Unmap(iovaFrame, me, out _))
                {
                    return false;
                }

                for (ulong i = 1; i < pages; i++)
                {
                    _pageTable.Unmap(iovaFrame + i, me, out _);
                }

                if (queue.IsFull)
                {
                    // Ranges that a flush made since (another thread's queue was full) covers are free
                    // already: with two queues, each one's flush frees the other's older ranges, and
                    // they flush about as often together as one queue alone (each flush also empties
                    // the other queue's caches).
                    queue.FreeFlushed(Iova!, me, Volatile.Read(ref _flushes));
                    if (queue.IsFull)
                    {
                        InvalidateAll();
                        queue.Drain(Iova!, me);
                    }
                }

                queue.Add(iovaFrame, pages, Volatile.Read(ref _flushesBegun)); // after the clearing exchanges
                return true;
            }
            finally
            {
                queue.Lock.Exit(biased);
            }
        }

        // Reads in flight on these pages find out (they are not drained, see InFlightTransactions.BeginRead).
        ulong last = iovaFrame + pages - 1;
        long invalidation = _transactions.BeginInvalidation(me, iovaFrame, last);
        if (!_pageTable!.Unmap(iovaFrame, me, out int allCachedBy))
        {
            _transactions.EndInvalidation(invalidation, iovaFrame, last);
            return false;
        }

        // Each entry is cleared with a full fence before its invalidation (see the class remarks).
        InvalidatePage(iovaFrame, me, allCachedBy);
        for (ulong i = 1; i < pages; i++)
        {
            _pageTable.Unmap(iovaFrame + i, me, out int cachedBy);
            InvalidatePage(iovaFrame + i, me, cachedBy);
            allCachedBy |= cachedBy;
        }

        _transactions.EndInvalidation(invalidation, iovaFrame, last);

        // Strict: every cached translation is gone and no transaction still uses one, so the pages
        // may go to a new owner and the range may be handed out again at once. Only threads whose
        // caches translated a page can still be using one (the entries' marks).
        _transactions.Drain(iovaFrame, iovaFrame + pages - 1, me, allCachedBy);
        Iova!.Free(iovaFrame, pages, me);
        return true;
    }

    /// <summary>Whether an explicit mapping holds one of the pages (a DMA-API unmap never removes those).</summary>
    private bool TouchesExplicit(ulong iovaFrame, ulong pages)
    {
        using (new BiasedHold(ref _lock))
        {
            return _explicitPages is { Count: > 0 } && OverlapsExplicitLocked(iovaFrame, pages);
        }
    }

    /// <summary>The bookkeeping of device transactions in flight (tests look at its mode).</summary>
    internal InFlightTransactions Transactions => _transactions;

    /// <summary>A device transaction on bus pages <paramref name="firstPage"/> to <paramref name="lastPage"/> starts: in flight until <see cref="EndTransaction"/>.</summary>
    internal long BeginTransaction(int thread, ulong firstPage, ulong lastPage) => _transactions.Begin(thread, firstPage, lastPage);

    internal void EndTransaction(long token) => _transactions.End(token);

    /// <summary>A device read on bus pages <paramref name="firstPage"/> to <paramref name="lastPage"/> starts; end it with <see cref="EndReadTransaction"/>.</summary>
    internal long BeginReadTransaction(int thread, ulong firstPage, ulong lastPage) => _transactions.BeginRead(thread, firstPage, lastPage);

    /// <summary>The read begun with <paramref name="token"/> has copied its bytes: false when they may not be the mapping's (read again).</summary>
    internal bool EndReadTransaction(long token) => _transactions.EndRead(token);


    /// <summary>Clears the page table entries of a mapping the device was never told about (no IOTLB entry can exist).</summary>
    internal void UnmapPagesForRollback(ulong iovaFrame, ulong pages)
    {
        // A device may still have guessed an address in the range: invalidated all the same.
        int me = Environment.CurrentManagedThreadId;
        for (ulong i = 0; i < pages; i++)
        {
            _pageTable!.Unmap(iovaFrame + i, me, out int cachedBy);
            InvalidatePage(iovaFrame + i, me, cachedBy);
        }
    }

    /// <summary>Whether an unmapped page may still be reachable through a stale IOTLB entry (lazy window).</summary>
    internal bool IsPendingFlush(ulong iovaFrame)
    {
        if (_flushQueues is null)
        {
            return false;
        }

        uint held = HoldFlushQueues();
        try
        {
            return QueuedForFlushHeld(iovaFrame);
        }
        finally
        {
            ReleaseFlushQueues(held);
        }
    }

    /// <summary>Translates one page for a device access: IOTLB first, page walk on a miss.</summary>
    internal bool TryTranslate(ulong address, DmaAccess access, out ulong physical, out FaultReason reason)
    {
        if (!TryTranslatePage(address, access, Environment.CurrentManagedThreadId, out ulong entry, out reason))
        {
            physical = 0;
            return false;
        }

        physical = (IoPageTable.FrameOf(entry) << PhysicalMemory.PageShift) | (address & PhysicalMemory.PageMask);
        return true;
    }

    /// <summary>
    /// Translates the page of <paramref name="address"/> for one access: the leaf entry (physical
    /// frame and permissions) as an ATS translation completion would carry it. Identity domains
    /// answer with the same frame and both permissions. With <paramref name="fillInto"/>, an attached
    /// device's own cache (ATS), a translation to a physical address below <paramref name="fillBelow"/>
    /// is cached there too. No lock: each fill is vouched for after the fact — the page table entry is
    /// marked as cached by the caller's partition with a compare-and-exchange (a full fence), and a
    /// fill it no longer matches is taken back — so a strict unmap,
    /// which clears the entry behind a full fence before it invalidates, is never outlived by a late
    /// fill (the ATS rule that an invalidation completes only after translations in flight; the
    /// transaction is in flight, so the unmap's drain waits for the take-back). The caches'
    /// generations are read first: a whole-cache invalidation (a lazy flush, the device leaving the
    /// domain) that races the fill makes it stale. <paramref name="thread"/>: the caller's managed id.
    /// </summary>
    internal bool TryTranslatePage(ulong address, DmaAccess access, int thread, out ulong entry, out FaultReason reason, IoTlb? fillInto = null, ulong fillBelow = 0)
    {
        switch (Kind)
        {
            case DomainKind.Identity:
                entry = IoPageTable.EntryOf(address >> PhysicalMemory.PageShift, IommuPermission.ReadWrite);
                reason = default;
                return true;
            case DomainKind.Blocked:
                entry = 0;
                reason = FaultReason.Blocked;
                return false;
        }

        entry = 0;
        if (address >> IoPageTable.AddressWidth != 0)
        {
            reason = FaultReason.OutOfRange;
            return false;
        }

        ulong frame = address >> PhysicalMemory.PageShift;
        IoTlb ioTlb = IoTlb!;
        int generation = ioTlb.Generation;
        int deviceGeneration = 0;
        if (fillInto is not null)
        {
            deviceGeneration = fillInto.Generation; // before the membership check and the walk: see RemoveDeviceTlb
            if (Array.IndexOf(Volatile.Read(ref _deviceTlbs), fillInto) < 0)
            {
                fillInto = null;
            }
        }

        bool filled = false;
        if (!ioTlb.TryLookup(frame, thread, out ulong leaf))
        {
            leaf = _pageTable!.Walk(frame, thread);
            if (IoPageTable.PermissionOf(leaf) == IommuPermission.None)
            {
                reason = FaultReason.NotPresent;
                return false;
            }

            ioTlb.Fill(frame, leaf, generation, thread);
            filled = true;
        }

        IommuPermission needed = access == DmaAccess.Write ? IommuPermission.Write : IommuPermission.Read;
        bool fillDevice = fillInto is not null && (IoPageTable.PermissionOf(leaf) & needed) != 0
            && ((IoPageTable.FrameOf(leaf) << PhysicalMemory.PageShift) | (address & PhysicalMemory.PageMask)) < fillBelow;
        if (fillDevice)
        {
            fillInto!.Fill(frame, leaf, deviceGeneration, thread);
        }

        if (filled || fillDevice)
        {
            // Vouch for the fills, and mark the entry as cached by this thread's partition (a
            // compare-and-exchange, a full fence): an unmap that cleared it before takes nothing back
            // for us, so we do; one that clears it after finds the mark and invalidates our partition.
            if (!_pageTable!.TryMarkCachedBy(frame, leaf, IoTlb.PartitionIndex(thread)))
            {
                if (filled)
                {
                    ioTlb.Retract(frame, leaf, thread);
                }

                if (fillDevice)
                {
                    fillInto!.Retract(frame, leaf, thread);
                }

                // An unmap cleared the entry since the walk (or the lookup): the translation comes after
                // it and faults, so a drain waits only for translations whose marks it found
                // (InFlightTransactions' per-thread mode). An entry the IOTLB still held after a lazy
                // unmap is the lazy window: used, as before (its fill's mark is in the cleared entry).
                if (filled || _flushQueues is null)
                {
                    reason = FaultReason.NotPresent;
                    return false;
                }
            }
        }

        if ((IoPageTable.PermissionOf(leaf) & needed) == 0)
        {
            reason = FaultReason.Permission;
            return false;
        }

        entry = leaf;
        reason = default;
        return true;
    }

    /// <summary>One global invalidation: the IOTLB and every attached device's cache (a flush queue flush).</summary>
    private void InvalidateAll()
    {
        Interlocked.Increment(ref _flushesBegun);
        IoTlb!.InvalidateAll();
        foreach (IoTlb deviceTlb in Volatile.Read(ref _deviceTlbs))
        {
            deviceTlb.InvalidateAll();
        }

        Interlocked.Increment(ref _flushes);
    }

    /// <summary>
    /// Invalidates a page whose entry was just cleared, in the partitions of the IOTLB and of every
    /// attached device's cache that <paramref name="cachedBy"/> names (the cleared entry's marks: only
    /// those can hold it, see <see cref="IoPageTable"/>). Counted as sent even when none does.
    /// </summary>
    private void InvalidatePage(ulong iovaFrame, int me, int cachedBy)
    {
        IoTlb!.Invalidate(iovaFrame, me, cachedBy);
        foreach (IoTlb deviceTlb in Volatile.Read(ref _deviceTlbs))
        {
            deviceTlb.Invalidate(iovaFrame, me, cachedBy);
        }
    }

    /// <summary>The calling thread's flush queue (lazy mode): by its ticket, made on first use.</summary>
    private FlushQueue CurrentFlushQueue(int me) => QueueAt(ThreadTicket.Of(me) & ((1 << FlushQueueBits) - 1));

    /// <summary>The flush queue at <paramref name="index"/>, made on first use.</summary>
    private FlushQueue QueueAt(int index)
    {
        return LazySlot.Get(_flushQueues!, index, _flushBatchSize, static size => new FlushQueue(size));
    }

    /// <summary>Takes every flush queue's lock (lazy mode; nothing otherwise); returns which were taken biased, for <see cref="ReleaseFlushQueues"/>.</summary>
    private uint HoldFlushQueues()
    {
        if (_flushQueues is null)
        {
            return 0;
        }

        // Made before any is held: nothing allocates under the locks.
        for (int i = 0; i < _flushQueues.Length; i++)
        {
            QueueAt(i);
        }

        int me = Environment.CurrentManagedThreadId;
        uint biased = 0;
        for (int i = 0; i < _flushQueues.Length; i++)
        {
            if (_flushQueues[i]!.Lock.Enter(me))
            {
                biased |= 1u << i;
            }
        }

        return biased;
    }

    private void ReleaseFlushQueues(uint biased)
    {
        if (_flushQueues is null)
        {
            return;
        }

        for (int i = 0; i < _flushQueues.Length; i++)
        {
            _flushQueues[i]!.Lock.Exit(((biased >> i) & 1) != 0);
        }
    }

    /// <summary>Whether a queue holds the page (every queue's lock held).</summary>
    private bool QueuedForFlushHeld(ulong iovaFrame)
    {
        foreach (FlushQueue? queue in _flushQueues ?? Array.Empty<FlushQueue?>())
        {
            if (queue!.Contains(iovaFrame))
            {
                return true;
            }
        }

        return false;
    }

    private bool OverlapsExplicitLocked(ulong frame, ulong pages)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (_explicitPages!.Contains(frame + i))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Takes the held-back IOVA ranges an explicit mapping no longer covers, for the allocator to get back.</summary>
    private List<(ulong Frame, ulong Pages)>? TakeUnshadowedLocked()
    {
        if (_shadowed is null)
        {
            return null;
        }

        List<(ulong Frame, ulong Pages)>? free = null;
        for (int i = _shadowed.Count - 1; i >= 0; i--)
        {
            (ulong frame, ulong pages) = _shadowed[i];
            if (!OverlapsExplicitLocked(frame, IovaAllocator.RoundedSize(pages)))
            {
                (free ??= new List<(ulong, ulong)>()).Add((frame, pages));
                _shadowed.RemoveAt(i);
            }
        }

        return free;
    }

    private static ulong PagesOf(int length) => ((ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;

    private static void CheckExplicitRange(ulong iova, int length)
    {
        if (length <= 0 || (length & (int)PhysicalMemory.PageMask) != 0)
        {
            // As Linux's iommu_map/iommu_unmap: a size the page sizes cannot express is refused, not rounded
            // (rounding up mapped or unmapped bytes the caller never named).
            throw new ArgumentOutOfRangeException(nameof(length), length, $"An explicit mapping is a positive multiple of the {PhysicalMemory.PageSize}-byte page.");
        }

        // Compared without adding: iova + length could wrap past 2^64 and pass, and the page table's
        // 36 frame bits would then alias the range onto the top of the valid IOVA space.
        const ulong limit = 1UL << IoPageTable.AddressWidth;
        if ((iova & PhysicalMemory.PageMask) != 0 || iova == 0 || iova >= limit || (ulong)length > limit - iova)
        {
            throw new ArgumentException($"IOVA 0x{iova:x}+{length} must be page-aligned, non-zero and below 2^{IoPageTable.AddressWidth}.", nameof(iova));
        }
    }

    private void RequireTranslated()
    {
        if (Kind != DomainKind.Translated)
        {
            throw new InvalidOperationException($"{this} has no page table: only translated domains map.");
        }
    }
}
