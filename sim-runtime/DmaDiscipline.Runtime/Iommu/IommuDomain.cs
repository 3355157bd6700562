namespace DmaDiscipline.Runtime;

/// <summary>
/// An IOMMU domain: the address space one device (or a group of devices) sees. Identity domains pass
/// bus addresses through as physical; blocked domains fault everything; translated domains own a
/// page table, an IOTLB, an IOVA allocator and, in lazy mode, a flush queue.
/// Thread safety: every public member may be called from any thread. The page table, the IOTLB, the
/// flush queue and the invalidations sent to attached devices' translation caches are guarded by one
/// spinlock per domain (Linux serialises a domain's page-table updates and invalidation queue the same
/// way), as are the records of explicit mappings and of the IOVA ranges held back under them; IOVA
/// allocation does not take it. The lock is biased (<see cref="BiasedSpinLock"/>): while one thread
/// drives the domain it takes it without an atomic instruction.
/// </summary>
public sealed class IommuDomain
{
    private readonly IoPageTable? _pageTable;
    private readonly FlushQueue? _flushQueue;
    private readonly List<DeviceId> _devices = new();
    private BiasedSpinLock _lock;

    private long _flushes;

    // Device transactions in flight: a strict unmap waits for those that may have translated through
    // a removed entry (VT-d's drain-reads/drain-writes bits of an IOTLB invalidation).
    private readonly InFlightTransactions _transactions = new();

    // The address translation caches (PCIe ATS) of attached devices: every IOTLB invalidation is
    // also sent to them as a Device-TLB invalidation, or a device could keep using an unmapped page.
    private readonly List<IoTlb> _deviceTlbs = new();

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
                _flushQueue = new FlushQueue(options.FlushBatchSize);
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
    public long PresentPages
    {
        get
        {
            using (new BiasedHold(ref _lock))
            {
                return _pageTable?.PresentEntries ?? 0;
            }
        }
    }

    /// <summary>Unmapped ranges still waiting in the flush queue (lazy mode).</summary>
    public int PendingFlushes
    {
        get
        {
            using (new BiasedHold(ref _lock))
            {
                return _flushQueue?.Count ?? 0;
            }
        }
    }

    /// <summary>Flush queue flushes performed.</summary>
    public long Flushes => Volatile.Read(ref _flushes);

    /// <summary>
    /// Installs translations for an explicit I/O virtual range, as a VFIO container or a unit test
    /// would. Both addresses must be page-aligned; the range must not overlap an existing mapping.
    /// It cannot disturb the DMA API of a device using this domain: a range the DMA API maps, or has
    /// unmapped but not yet flushed (lazy mode), is refused, and IOVAs the DMA API's allocator later
    /// hands out over an explicit mapping are held back and never used until it is unmapped.
    /// </summary>
    /// <exception cref="InvalidOperationException">The domain is not translated.</exception>
    /// <exception cref="ArgumentException">Misaligned, out of range, a permission other than Read, Write or ReadWrite, overlapping an existing mapping, or a range waiting for a lazy flush (nothing is changed).</exception>
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
        using (new BiasedHold(ref _lock))
        {
            // Checked and installed under one hold: a DMA-API unmap or flush cannot slip between.
            for (ulong i = 0; i < pages; i++)
            {
                if (_flushQueue is not null && _flushQueue.Contains(first + i))
                {
                    // A stale IOTLB entry may still translate it to the page the DMA API unmapped.
                    throw new ArgumentException($"IOVA range 0x{iova:x}+{length} was unmapped by the DMA API and waits for the lazy flush; call Flush first.", nameof(iova));
                }
            }

            if (!MapPagesLocked(first, physical.PageFrame, pages, permission))
            {
                throw new ArgumentException($"IOVA range 0x{iova:x}+{length} overlaps an existing mapping.", nameof(iova));
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
    /// <exception cref="ArgumentException">Part of the range is not mapped, or was mapped by the DMA API rather than by <see cref="Map"/> (nothing is changed).</exception>
    public void Unmap(ulong iova, int length)
    {
        RequireTranslated();
        CheckExplicitRange(iova, length);
        ulong first = iova >> PhysicalMemory.PageShift;
        ulong pages = PagesOf(length);
        List<(ulong Frame, ulong Pages)>? released;
        using (new BiasedHold(ref _lock))
        {
            if (!AllPresentLocked(first, pages))
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

            for (ulong i = 0; i < pages; i++)
            {
                _pageTable!.Unmap(first + i);
                _explicitPages!.Remove(first + i);
                InvalidatePage(first + i);
            }

            released = TakeUnshadowedLocked();
        }

        // No transaction still uses the removed entries once this returns (VFIO unmaps are synchronous).
        DrainTransactions(first, pages);

        // Given back outside the domain's lock: IOVA allocation never runs under it.
        foreach ((ulong frame, ulong count) in released ?? Enumerable.Empty<(ulong, ulong)>())
        {
            Iova!.Free(frame, count);
        }
    }

    /// <summary>
    /// Flushes the lazy flush queue now: one global IOTLB invalidation, then the queued IOVAs become
    /// reusable. Closes the lazy window. A no-op for strict or non-translated domains.
    /// </summary>
    public void Flush()
    {
        if (_flushQueue is null)
        {
            return;
        }

        using (new BiasedHold(ref _lock))
        {
            FlushLocked();
        }
    }

    /// <summary>Whether the page table holds a present entry for <paramref name="iova"/> (ignores the IOTLB).</summary>
    public bool IsMapped(ulong iova)
    {
        if (_pageTable is null || iova >> IoPageTable.AddressWidth != 0)
        {
            return false;
        }

        using (new BiasedHold(ref _lock))
        {
            return IoPageTable.PermissionOf(_pageTable.Walk(iova >> PhysicalMemory.PageShift)) != IommuPermission.None;
        }
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
            _deviceTlbs.Add(deviceTlb);
        }
    }

    /// <summary>Stops sending invalidations to a device's address translation cache (the device left the domain).</summary>
    internal void RemoveDeviceTlb(IoTlb deviceTlb)
    {
        using (new BiasedHold(ref _lock))
        {
            _deviceTlbs.Remove(deviceTlb);
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
            if (!Iova!.TryAllocate(pages, limitFrame, out frame))
            {
                return false;
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
    /// page table entries under one hold of the domain's lock. False, holding nothing, on failure.
    /// </summary>
    internal bool TryMapDmaRange(ulong pages, ulong limitFrame, ulong physFrame, IommuPermission permission, out ulong frame)
    {
        const int attempts = 64;
        for (int i = 0; i < attempts; i++)
        {
            // Allocated outside the domain's lock (the IOVA fast path takes no domain-wide lock).
            if (!Iova!.TryAllocate(pages, limitFrame, out frame))
            {
                return false;
            }

            bool mapped;
            using (new BiasedHold(ref _lock))
            {
                if (_explicitPages is { Count: > 0 } && OverlapsExplicitLocked(frame, IovaAllocator.RoundedSize(pages)))
                {
                    (_shadowed ??= new List<(ulong, ulong)>()).Add((frame, pages));
                    continue;
                }

                mapped = MapPagesLocked(frame, physFrame, pages, permission);
            }

            if (!mapped)
            {
                Iova.Free(frame, pages); // outside the domain's lock, as always
            }

            return mapped;
        }

        frame = 0;
        return false;
    }

    /// <summary>Maps consecutive pages; all or nothing.</summary>
    internal bool MapPages(ulong iovaFrame, ulong physFrame, ulong pages, IommuPermission permission)
    {
        using (new BiasedHold(ref _lock))
        {
            return MapPagesLocked(iovaFrame, physFrame, pages, permission);
        }
    }

    private bool MapPagesLocked(ulong iovaFrame, ulong physFrame, ulong pages, IommuPermission permission)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (!_pageTable!.Map(iovaFrame + i, physFrame + i, permission))
            {
                for (ulong j = 0; j < i; j++)
                {
                    _pageTable.Unmap(iovaFrame + j);
                }

                return false;
            }
        }

        return true;
    }

    private bool AllPresentLocked(ulong iovaFrame, ulong pages)
    {
        for (ulong i = 0; i < pages; i++)
        {
            if (IoPageTable.PermissionOf(_pageTable!.Walk(iovaFrame + i)) == IommuPermission.None)
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
    internal bool TryUnmapDmaRange(ulong iovaFrame, ulong pages)
    {
        using (new BiasedHold(ref _lock))
        {
            // Checked under the same hold as the unmap: a racing unmap of the same range cannot slip between.
            if (!AllPresentLocked(iovaFrame, pages))
            {
                return false;
            }

            for (ulong i = 0; i < pages; i++)
            {
                _pageTable!.Unmap(iovaFrame + i);
            }

            if (_flushQueue is not null)
            {
                if (_flushQueue.IsFull)
                {
                    FlushLocked();
                }

                _flushQueue.Add(iovaFrame, pages);
                return true;
            }

            for (ulong i = 0; i < pages; i++)
            {
                InvalidatePage(iovaFrame + i);
            }
        }

        // Strict: every cached translation is gone and no transaction still uses one, so the pages
        // may go to a new owner and the range may be handed out again at once.
        DrainTransactions(iovaFrame, pages);
        Iova!.Free(iovaFrame, pages);
        return true;
    }

    /// <summary>A device transaction on bus pages <paramref name="firstPage"/> to <paramref name="lastPage"/> starts: in flight until <see cref="EndTransaction"/>.</summary>
    internal long BeginTransaction(int thread, ulong firstPage, ulong lastPage) => _transactions.Begin(thread, firstPage, lastPage);

    internal void EndTransaction(long token) => _transactions.End(token);

    /// <summary>
    /// Waits until every transaction that began before this call on one of the pages has moved its
    /// bytes (after the invalidation it completes): those are the ones that may have used a removed entry.
    /// </summary>
    private void DrainTransactions(ulong firstPage, ulong pages) => _transactions.Drain(firstPage, firstPage + pages - 1);

    /// <summary>Clears the page table entries of a mapping the device was never told about (no IOTLB entry can exist).</summary>
    internal void UnmapPagesForRollback(ulong iovaFrame, ulong pages)
    {
        using (new BiasedHold(ref _lock))
        {
            for (ulong i = 0; i < pages; i++)
            {
                _pageTable!.Unmap(iovaFrame + i);
            }
        }
    }

    /// <summary>Whether an unmapped page may still be reachable through a stale IOTLB entry (lazy window).</summary>
    internal bool IsPendingFlush(ulong iovaFrame)
    {
        if (_flushQueue is null)
        {
            return false;
        }

        using (new BiasedHold(ref _lock))
        {
            return _flushQueue.Contains(iovaFrame);
        }
    }

    /// <summary>Translates one page for a device access: IOTLB first, page walk on a miss.</summary>
    internal bool TryTranslate(ulong address, DmaAccess access, out ulong physical, out FaultReason reason)
    {
        if (!TryTranslatePage(address, access, out ulong entry, out reason))
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
    /// is cached there under the same hold of the domain's lock as the translation: no invalidation
    /// can fall between them, so a strict unmap is never outlived by a late fill (the ATS rule that an
    /// invalidation completes only after translations in flight), and a miss takes the lock once.
    /// </summary>
    internal bool TryTranslatePage(ulong address, DmaAccess access, out ulong entry, out FaultReason reason, IoTlb? fillInto = null, ulong fillBelow = 0)
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

        using (new BiasedHold(ref _lock))
        {
            if (!TryTranslateLocked(address, access, out entry, out reason))
            {
                return false;
            }

            ulong physical = (IoPageTable.FrameOf(entry) << PhysicalMemory.PageShift) | (address & PhysicalMemory.PageMask);
            if (fillInto is not null && physical < fillBelow && _deviceTlbs.Contains(fillInto))
            {
                fillInto.Fill(address >> PhysicalMemory.PageShift, entry); // the cache's own sequence lock: the device reads it without a lock
            }

            return true;
        }
    }

    private bool TryTranslateLocked(ulong address, DmaAccess access, out ulong entry, out FaultReason reason)
    {
        entry = 0;
        ulong frame = address >> PhysicalMemory.PageShift;
        if (!IoTlb!.TryLookup(frame, out ulong leaf))
        {
            leaf = _pageTable!.Walk(frame);
            if (IoPageTable.PermissionOf(leaf) == IommuPermission.None)
            {
                reason = FaultReason.NotPresent;
                return false;
            }

            IoTlb.Fill(frame, leaf);
        }

        IommuPermission needed = access == DmaAccess.Write ? IommuPermission.Write : IommuPermission.Read;
        if ((IoPageTable.PermissionOf(leaf) & needed) == 0)
        {
            reason = FaultReason.Permission;
            return false;
        }

        entry = leaf;
        reason = default;
        return true;
    }

    private void FlushLocked()
    {
        if (_flushQueue!.Count == 0)
        {
            return;
        }

        IoTlb!.InvalidateAll();
        foreach (IoTlb deviceTlb in _deviceTlbs)
        {
            deviceTlb.InvalidateAll();
        }

        _flushQueue.Drain(Iova!);
        _flushes++;
    }

    private void InvalidatePage(ulong iovaFrame)
    {
        IoTlb!.Invalidate(iovaFrame);
        foreach (IoTlb deviceTlb in _deviceTlbs)
        {
            deviceTlb.Invalidate(iovaFrame);
        }
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
        if (length <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A mapping is at least one byte long.");
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
