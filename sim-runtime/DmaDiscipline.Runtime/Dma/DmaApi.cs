namespace DmaDiscipline.Runtime;

/// <summary>
/// One device's DMA API (Linux's <c>dma_map_*</c> family on a <c>struct device</c>). The platform
/// decides, per device, whether the returned bus addresses are physical addresses, IOVAs of a
/// translated domain or bounce slots; the driver makes the same calls in every case and cannot tell.
/// Misuse of the arguments (null, out of range, <see cref="DmaDirection.None"/>) throws; mistakes a
/// real kernel would only notice with DMA-API debugging are reported by <see cref="DmaDebug"/>.
/// The DMA layer keeps its own record of live mappings, whatever the debug layer's mode: an unmap or
/// sync outside a live mapping is refused on every path, and a mapped buffer is pinned (it cannot be
/// freed until its mapping is gone). A buffer of another machine's memory is refused at map time.
/// Thread safety: every member may be called from any thread, as Linux's DMA API is called from every
/// CPU; calls on different mappings do not wait for each other beyond short per-shard locks, and
/// the IOVA fast path takes no global lock. A <see cref="ScatterList"/> is used by one thread at a time.
/// Once the device is removed (<see cref="Machine.RemoveDevice"/>) every call throws
/// <see cref="ObjectDisposedException"/>, and the debug layer reports it (DMA006). While a userspace
/// driver owns the device (<see cref="Vfio.VfioContainer.AddDevice"/>, until the container is closed)
/// the calls that would make a mapping or coherent buffer throw <see cref="InvalidOperationException"/>:
/// the device's DMA goes through the container's domain, where a kernel IOVA would name the
/// userspace driver's pages.
/// </summary>
public sealed class DmaApi
{
    private readonly DeviceId _device;
    private readonly PhysicalMemory _memory;
    private readonly DmaOps _platformOps;
    private readonly DmaOps _bypassOps;
    private readonly DmaDebug _debug;
    private readonly LiveMappings _mappings = new();
    private readonly LivePath _path;
    private readonly object _ownerLock = new();
    private DmaOps? _beforeUserspace; // while a VFIO container owns the device: the path it returns to
    private volatile bool _removed;

    private OwnedCounter _maps;
    private long _mappingFailures;

    internal DmaApi(DeviceId device, PhysicalMemory memory, DmaOps ops, DmaOps bypassOps, DmaDebug debug, ulong mask)
    {
        _device = device;
        _memory = memory;
        _platformOps = ops;
        _path = new LivePath(ops); // mappings and coherent buffers not yet released (and maps under way): the path changes only while there are none
        _bypassOps = bypassOps;
        _debug = debug;
        DmaMask = mask;
        CoherentMask = mask;
    }

    /// <summary>The highest bus address the device can generate for streaming DMA (default: 64 bits).</summary>
    public ulong DmaMask { get; private set; }

    /// <summary>The highest bus address the device can use for coherent buffers.</summary>
    public ulong CoherentMask { get; private set; }

    /// <summary>Streaming mappings made (successful or not).</summary>
    public long Maps => _maps.Value;

    /// <summary>Mappings that returned the error address.</summary>
    public long MappingFailures => Interlocked.Read(ref _mappingFailures);

    /// <summary>Which machinery the platform chose. For reports and tests: a driver must not branch on it (DMA007).</summary>
    public DmaPath Path => _path.Current.Path;

    /// <summary>Streaming mappings, scatter-gather lists and coherent buffers the driver still holds (the VFIO hand-over checks it).</summary>
    internal long LiveCount => _path.Count;

    /// <summary>
    /// Whether the platform's choice is set aside because the device bypasses translation by its
    /// own declaration: a virtio device that did not negotiate VIRTIO_F_ACCESS_PLATFORM uses the
    /// addresses it is given as physical, whatever the firmware table says (Linux's
    /// <c>vring_use_dma_api()</c>).
    /// </summary>
    public bool BypassesTranslation => ReferenceEquals(Volatile.Read(ref _beforeUserspace) ?? _path.Current, _bypassOps);

    /// <summary>
    /// Switches between the platform's DMA path and identity DMA (see <see cref="BypassesTranslation"/>).
    /// Refused (false) while a mapping or coherent buffer is live: its bus address belongs to the old path.
    /// While a userspace driver owns the device the choice is kept for its return to the kernel.
    /// </summary>
    internal bool TrySetTranslationBypass(bool bypass)
    {
        lock (_ownerLock)
        {
            DmaOps wanted = bypass ? _bypassOps : _platformOps;
            if (_beforeUserspace is not null)
            {
                _beforeUserspace = wanted;
                return true;
            }

            return _path.TrySwitch(wanted);
        }
    }

    /// <summary>
    /// A userspace driver takes the device (VFIO): the kernel DMA path is switched to one that maps
    /// nothing. Refused (false) while the kernel driver holds a mapping or coherent buffer, or a map
    /// is under way (the switch and a new mapping exclude each other, see <see cref="LivePath"/>).
    /// </summary>
    internal bool TryHandToUserspace()
    {
        lock (_ownerLock)
        {
            DmaOps current = _path.Current;
            if (_beforeUserspace is not null || !_path.TrySwitch(new UserspaceOwnedDmaOps(current.Path)))
            {
                return false;
            }

            Volatile.Write(ref _beforeUserspace, current);
            return true;
        }
    }

    /// <summary>The userspace driver let go (its container closed): the kernel DMA path is back.</summary>
    internal void ReturnFromUserspace()
    {
        lock (_ownerLock)
        {
            if (_beforeUserspace is not { } before)
            {
                return;
            }

            // Nothing stays live on the owned path (it maps nothing); a refused call racing the switch leaves at once.
            var spin = default(SpinWait);
            while (!_path.TrySwitch(before))
            {
                spin.SpinOnce();
            }

            Volatile.Write(ref _beforeUserspace, null);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowOwnedByUserspace(string call) =>
        throw new InvalidOperationException($"{call} on {_device}: a userspace driver owns the device (VFIO), so the kernel DMA API maps nothing until its container is closed.");

    /// <summary>One live mapping of this device that pins <paramref name="buffer"/>, for the refusal of its free.</summary>
    internal PinHolder? FindPinHolder(KBuffer buffer) =>
        _mappings.FindPinning(buffer) is { } m ? new PinHolder(_device, m.Kind, new DmaAddr(m.Address), m.Length, m.Direction) : null;

    /// <summary>
    /// Sets the streaming and coherent masks (<c>dma_set_mask_and_coherent</c>). A mask is
    /// 2^n − 1 with n from 24 to 64; returns false, changing nothing, otherwise.
    /// </summary>
    public bool SetMaskAndCoherent(ulong mask)
    {
        ThrowIfRemoved(nameof(SetMaskAndCoherent));
        if (!IsValidMask(mask))
        {
            return false;
        }

        DmaMask = mask;
        CoherentMask = mask;
        return true;
    }

    /// <summary>Maps part of a buffer for streaming DMA. Check the result with <see cref="MappingError"/>.</summary>
    /// <param name="buffer">The buffer.</param>
    /// <param name="offset">Offset of the first byte.</param>
    /// <param name="length">Bytes to map (at least one).</param>
    /// <param name="direction">Who moves data: the device reads (ToDevice), writes (FromDevice), or both.</param>
    /// <returns>The bus address for the device, or the error address (see <see cref="MappingError"/>).</returns>
    /// <exception cref="InvalidOperationException">A userspace driver owns the device (VFIO).</exception>
    public DmaAddr MapSingle(KBuffer buffer, int offset, int length, DmaDirection direction)
    {
        ThrowIfRemoved(nameof(MapSingle));
        CheckSegment(buffer, offset, length);
        CheckDirection(direction);
        CheckSameMachine(buffer);
        if (_debug.IsEnabled)
        {
            _debug.CheckMap(_device, buffer, offset, length, direction); // before mapping: Throw mode changes nothing
        }

        int me = Environment.CurrentManagedThreadId; // a thread-local read, once per call
        _maps.Increment(me);
        buffer.Pin(me);
        DmaOps ops = _path.Enter(me);
        DmaAddr address = ops.Map(buffer, offset, length, direction, DmaMask, me);
        if (address == DmaAddr.Error)
        {
            _path.Leave(me);
            buffer.Unpin(me);
            if (ops is UserspaceOwnedDmaOps)
            {
                ThrowOwnedByUserspace(nameof(MapSingle));
            }

            Interlocked.Increment(ref _mappingFailures);
            return address;
        }

        _mappings.Add(new LiveMapping(address.Value, length, direction, MappingKind.Single, buffer), me);
        if (_debug.IsEnabled)
        {
            ulong physical = buffer.Physical.Value + (ulong)offset;
            _debug.OnMap(_device, MappingKind.Single, buffer, address.Value, length, direction, [(physical, physical + (ulong)length)]);
        }

        if (_removed)
        {
            // The device was removed while this call mapped: its release of everything may have run
            // before the record was made, so the call undoes its own mapping (unless that release took it).
            _ = Release(address, length, direction, MappingKind.Single);
            ForgetAfterRemoval(MappingKind.Single, address.Value, length, direction);
            ThrowRemoved(nameof(MapSingle));
        }

        return address;
    }

    /// <summary>Whether a mapping failed (<c>dma_mapping_error</c>). Every mapping must be checked before use.</summary>
    public bool MappingError(DmaAddr address)
    {
        ThrowIfRemoved(nameof(MappingError));
        if (_debug.IsEnabled)
        {
            _debug.OnMappingErrorCheck(_device, address.Value);
        }

        return address == DmaAddr.Error;
    }

    /// <summary>Ends a streaming mapping: the CPU owns the buffer again (bounced data is copied back for FromDevice/Bidirectional).</summary>
    /// <param name="address">The address <see cref="MapSingle"/> returned.</param>
    /// <param name="length">The length given to <see cref="MapSingle"/>.</param>
    /// <param name="direction">The direction given to <see cref="MapSingle"/>.</param>
    /// <remarks>
    /// With debugging on, the call is checked first: one that names no live single mapping (a double
    /// unmap, an unknown address, a coherent buffer or a scatter-gather segment) is reported and never
    /// reaches the DMA layer, so nothing is released behind the owner's back. With debugging off the
    /// DMA layer's own record of live mappings refuses the same calls.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// With debugging off: no live single mapping of this device starts at the address (a double
    /// unmap, an unknown address, a coherent buffer or a scatter-gather segment), or the DMA path
    /// refused the size (the call is refused and changes nothing), on every path.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The device was removed.</exception>
    public void UnmapSingle(DmaAddr address, int length, DmaDirection direction)
    {
        ThrowIfRemoved(nameof(UnmapSingle));
        CheckLength(length);
        CheckDirection(direction);
        if (address == DmaAddr.Error)
        {
            FailedMappingUsed(length, direction, nameof(UnmapSingle));
            return;
        }

        if (_debug.IsEnabled)
        {
            // Checked before the DMA layer acts, reported after both layers are updated: a call that
            // names no live single mapping (double unmap, a coherent buffer or a scatter-gather
            // segment) never reaches the DMA layer.
            DmaDebugVerdict verdict = _debug.CheckRelease(_device, MappingKind.Single, address.Value, length, direction);
            bool refusedHere = !verdict.Proceed || !Release(address, length, direction, MappingKind.Single);
            ThrowIfRemovalBeat(refusedHere, verdict, release: true, nameof(UnmapSingle)); // not the driver's double unmap

            _debug.CompleteRelease(verdict, refusedHere);
            return;
        }

        if (!Release(address, length, direction, MappingKind.Single))
        {
            ThrowIfRemoved(nameof(UnmapSingle));
            throw Refused(nameof(UnmapSingle), address, length);
        }
    }

    /// <summary>Gives the CPU ownership of (part of) a mapping; bounced FromDevice/Bidirectional data is copied to the buffer.</summary>
    /// <exception cref="InvalidOperationException">With debugging off: the range is not inside a live mapping of this device (on every path).</exception>
    public void SyncForCpu(DmaAddr address, int length, DmaDirection direction) => Sync(address, length, direction, forCpu: true);

    /// <summary>Gives the device ownership back after <see cref="SyncForCpu"/>; bounced ToDevice/Bidirectional data is copied to the slot.</summary>
    /// <exception cref="InvalidOperationException">With debugging off: the range is not inside a live mapping of this device (on every path).</exception>
    public void SyncForDevice(DmaAddr address, int length, DmaDirection direction) => Sync(address, length, direction, forCpu: false);

    /// <summary>
    /// Maps a scatter-gather list (<c>dma_map_sg</c>). Returns the number of DMA segments to give the
    /// device (possibly fewer than the CPU segments), or 0 if the mapping failed and nothing is mapped.
    /// </summary>
    /// <exception cref="InvalidOperationException">The list is empty or already mapped, or a userspace driver owns the device (VFIO).</exception>
    /// <exception cref="ArgumentException">A segment's buffer belongs to another machine.</exception>
    public int MapSg(ScatterList list, DmaDirection direction)
    {
        ThrowIfRemoved(nameof(MapSg));
        ArgumentNullException.ThrowIfNull(list);
        CheckDirection(direction);
        if (list.Count == 0 || list.MappedCount != 0)
        {
            throw new InvalidOperationException(list.Count == 0 ? "The scatter list is empty." : "The scatter list is already mapped.");
        }

        for (int i = 0; i < list.Count; i++)
        {
            list.Buffer(i).ThrowIfFreed();
            CheckSameMachine(list.Buffer(i), nameof(list));
        }

        if (_debug.IsEnabled)
        {
            _debug.CheckMapSg(_device, list, direction);
        }

        int me = Environment.CurrentManagedThreadId;
        _maps.Increment(me);
        PinAll(list, me);
        DmaOps ops = _path.Enter(me);
        int count = ops.MapSg(list, direction, DmaMask);
        if (count == 0)
        {
            _path.Leave(me);
            UnpinAll(list, list.Count, me);
            if (ops is UserspaceOwnedDmaOps)
            {
                ThrowOwnedByUserspace(nameof(MapSg));
            }

            Interlocked.Increment(ref _mappingFailures);
            return 0;
        }

        for (int i = 0; i < count; i++)
        {
            _mappings.Add(new LiveMapping(list.DmaAddressUnchecked(i), list.DmaLengthUnchecked(i), direction, MappingKind.ScatterGather, list));
        }

        list.SetMapped(count, this);
        if (_debug.IsEnabled)
        {
            _debug.OnMapSg(_device, list, count, direction);
        }

        if (_removed)
        {
            ReleaseListAfterRemoval(list, direction, me);
            for (int i = 0; i < count; i++)
            {
                ForgetAfterRemoval(MappingKind.ScatterGather, list.DmaAddressUnchecked(i), list.DmaLengthUnchecked(i), direction);
            }

            ThrowRemoved(nameof(MapSg));
        }

        return count;
    }

    /// <summary>Unmaps a list mapped by <see cref="MapSg"/>, with the same direction.</summary>
    /// <exception cref="InvalidOperationException">The list is not mapped.</exception>
    /// <exception cref="ArgumentException">Another device's DMA API mapped the list (nothing is changed).</exception>
    public void UnmapSg(ScatterList list, DmaDirection direction)
    {
        ThrowIfRemoved(nameof(UnmapSg));
        ArgumentNullException.ThrowIfNull(list);
        CheckDirection(direction);
        CheckMappedHere(list);

        DmaDebugVerdict[]? verdicts = null;
        if (_debug.IsEnabled)
        {
            verdicts = new DmaDebugVerdict[list.MappedCount];
            for (int i = 0; i < verdicts.Length; i++)
            {
                verdicts[i] = _debug.CheckRelease(_device, MappingKind.ScatterGather, list.DmaAddress(i).Value, list.DmaLength(i), direction);
            }
        }

        bool refused = !ReleaseSg(list, direction);
        if (!refused)
        {
            int me = Environment.CurrentManagedThreadId;
            _path.Leave(me);
            UnpinAll(list, list.Count, me);
        }
        else if (verdicts is null)
        {
            ThrowIfRemoved(nameof(UnmapSg));
            throw new InvalidOperationException($"UnmapSg refused: the list's mapping is not live in the DMA layer of {_device}.");
        }

        list.SetMapped(0, null);
        if (verdicts is not null)
        {
            ThrowIfRemovalBeat(refused, verdicts, release: true, nameof(UnmapSg));

            _debug.CompleteReleases(verdicts, refused);
        }
    }

    /// <summary>Syncs every segment of a mapped list for the CPU.</summary>
    public void SyncSgForCpu(ScatterList list, DmaDirection direction) => SyncSg(list, direction, forCpu: true);

    /// <summary>Syncs every segment of a mapped list for the device.</summary>
    public void SyncSgForDevice(ScatterList list, DmaDirection direction) => SyncSg(list, direction, forCpu: false);

    /// <summary>
    /// Allocates a coherent buffer (<c>dma_alloc_coherent</c>) that the device reaches at
    /// <see cref="CoherentBuffer.DmaAddress"/> and the CPU through <see cref="CoherentBuffer.Span"/>, without syncs.
    /// </summary>
    /// <exception cref="InsufficientMemoryException">No memory (or no bus address below the coherent mask) is available.</exception>
    public CoherentBuffer AllocCoherent(int length) =>
        TryAllocCoherent(length, out CoherentBuffer? buffer)
            ? buffer
            : throw new InsufficientMemoryException($"AllocCoherent({length}) failed for {_device}: no memory reachable below mask 0x{CoherentMask:x}.");

    /// <summary>Like <see cref="AllocCoherent"/>, but reports failure by returning false (the NULL return of the kernel API).</summary>
    /// <exception cref="InvalidOperationException">A userspace driver owns the device (VFIO): not a failure to report, a call the device's state forbids.</exception>
    public bool TryAllocCoherent(int length, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoherentBuffer? buffer)
    {
        ThrowIfRemoved(nameof(TryAllocCoherent));
        if (length <= 0 || length > PhysicalMemory.MaxAllocation)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A coherent buffer is 1 to {PhysicalMemory.MaxAllocation} bytes.");
        }

        DmaOps ops = _path.Enter(Environment.CurrentManagedThreadId);
        if (!ops.TryAllocCoherent(_device, length, CoherentMask, out buffer))
        {
            _path.Leave(Environment.CurrentManagedThreadId);
            if (ops is UserspaceOwnedDmaOps)
            {
                ThrowOwnedByUserspace(nameof(TryAllocCoherent));
            }

            return false;
        }

        buffer.Buffer.Pin(Environment.CurrentManagedThreadId);
        buffer.Owner = this;
        _mappings.Add(new LiveMapping(buffer.Address.Value, length, DmaDirection.Bidirectional, MappingKind.Coherent, buffer));
        if (_debug.IsEnabled)
        {
            _debug.OnMap(_device, MappingKind.Coherent, null, buffer.Address.Value, length, DmaDirection.Bidirectional);
        }

        if (_removed)
        {
            ReleaseCoherentAfterRemoval(buffer, Environment.CurrentManagedThreadId);
            ForgetAfterRemoval(MappingKind.Coherent, buffer.Address.Value, length, DmaDirection.Bidirectional);
            ThrowRemoved(nameof(TryAllocCoherent));
        }

        return true;
    }

    /// <summary>Frees a coherent buffer. Freeing twice is reported (DMA006) and changes nothing.</summary>
    /// <exception cref="ArgumentException">The buffer belongs to another device.</exception>
    /// <exception cref="InvalidOperationException">With debugging off: the buffer was already freed.</exception>
    public void FreeCoherent(CoherentBuffer buffer)
    {
        ThrowIfRemoved(nameof(FreeCoherent));
        ArgumentNullException.ThrowIfNull(buffer);
        if (!ReferenceEquals(buffer.Owner, this))
        {
            // By owner, not by id: another machine's device, or a removed device re-added, can have the same id.
            string whose = ReferenceEquals(buffer.Buffer.Memory, _memory) ? $"{buffer.Device}" : $"{buffer.Device} of another machine";
            throw new ArgumentException($"The coherent buffer belongs to {whose}, not {_device}: nothing was freed.", nameof(buffer));
        }

        if (buffer.IsFreed)
        {
            ThrowIfRemoved(nameof(FreeCoherent)); // freed by the removal of its device under this call
            if (!_debug.IsEnabled)
            {
                throw new InvalidOperationException($"FreeCoherent of {buffer}: it was already freed.");
            }

            _debug.OnDoubleFree(_device, buffer.Address.Value, buffer.Length);
            return;
        }

        DmaDebugVerdict verdict = _debug.IsEnabled
            ? _debug.CheckRelease(_device, MappingKind.Coherent, buffer.Address.Value, buffer.Length, DmaDirection.Bidirectional)
            : default;

        // Claimed once: of two threads freeing the same buffer, one frees it and the other is refused.
        bool lostRace = false;
        bool refused = (_debug.IsEnabled && !verdict.Proceed) || (lostRace = !buffer.TryMarkFreed());
        if (!refused)
        {
            _mappings.TryRemove(buffer.Address.Value, buffer.Length, DmaDirection.Bidirectional, MappingKind.Coherent, out _);
            buffer.Buffer.Unpin(Environment.CurrentManagedThreadId);
            refused = !_path.Current.FreeCoherent(buffer);
            if (!refused)
            {
                _path.Leave(Environment.CurrentManagedThreadId);
            }
        }

        if (_debug.IsEnabled)
        {
            ThrowIfRemovalBeat(refused, verdict, release: true, nameof(FreeCoherent)); // not the driver's double free

            _debug.CompleteRelease(verdict, refused);
            if (lostRace)
            {
                _debug.OnDoubleFree(_device, buffer.Address.Value, buffer.Length);
            }
        }
        else if (lostRace)
        {
            ThrowIfRemoved(nameof(FreeCoherent)); // the removal freed it under this call
            throw new InvalidOperationException($"FreeCoherent of {buffer}: it was already freed.");
        }
        else if (refused)
        {
            ThrowIfRemoved(nameof(FreeCoherent));
            throw new InvalidOperationException($"FreeCoherent of {buffer} refused: the DMA layer holds no such buffer.");
        }
    }

    /// <summary>The device was removed from the machine: every later call is refused (Driver Verifier's use of a released adapter).</summary>
    internal void MarkRemoved()
    {
        _removed = true;
        Interlocked.MemoryBarrier(); // the mark is visible before the release of what is live reads the records
    }

    /// <summary>
    /// Releases everything the removed device's driver still held — streaming and scatter-gather
    /// mappings, coherent buffers — on its DMA path, after <see cref="MarkRemoved"/> and after the
    /// debug layer reported them as leaks: their IOVAs and bounce slots return to the platform, their
    /// buffers are no longer pinned (a mapping of a device that is gone pins nothing), and a coherent
    /// buffer's memory is freed (its <see cref="CoherentBuffer.Span"/> throws from now on). Each
    /// release claims its record first, so a driver call racing the removal and this sweep never both
    /// release one mapping.
    /// </summary>
    internal void ReleaseAfterRemoval()
    {
        int me = Environment.CurrentManagedThreadId;
        List<(ScatterList List, DmaDirection Direction)>? lists = null;
        foreach (LiveMapping mapping in _mappings.All())
        {
            switch (mapping.Owner)
            {
                case KBuffer:
                    _ = Release(new DmaAddr(mapping.Address), mapping.Length, mapping.Direction, MappingKind.Single);
                    break;
                case CoherentBuffer coherent:
                    ReleaseCoherentAfterRemoval(coherent, me);
                    break;
                case ScatterList list when lists is null || !lists.Exists(l => ReferenceEquals(l.List, list)):
                    (lists ??= new()).Add((list, mapping.Direction));
                    break;
            }
        }

        foreach ((ScatterList list, DmaDirection direction) in lists ?? [])
        {
            ReleaseListAfterRemoval(list, direction, me);
        }
    }

    private void ReleaseCoherentAfterRemoval(CoherentBuffer buffer, int me)
    {
        if (!buffer.TryMarkFreed())
        {
            return; // a FreeCoherent racing the removal has it
        }

        _ = _mappings.TryRemove(buffer.Address.Value, buffer.Length, DmaDirection.Bidirectional, MappingKind.Coherent, me, out _);
        buffer.Buffer.Unpin(me);
        if (_path.Current.FreeCoherent(buffer))
        {
            _path.Leave(me);
        }
    }

    /// <summary>Unmaps a list of this removed device, claiming its segments in order (as UnmapSg does, so of two, one wins).</summary>
    private void ReleaseListAfterRemoval(ScatterList list, DmaDirection direction, int me)
    {
        int count = list.MappedCount;
        if (count == 0 || !ReferenceEquals(list.MappedBy, this))
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            if (!_mappings.TryRemove(list.DmaAddressUnchecked(i), list.DmaLengthUnchecked(i), direction, MappingKind.ScatterGather, me, out _))
            {
                for (int j = 0; j < i; j++)
                {
                    _mappings.Add(new LiveMapping(list.DmaAddressUnchecked(j), list.DmaLengthUnchecked(j), direction, MappingKind.ScatterGather, list), me);
                }

                return; // another thread is releasing it
            }
        }

        if (!_path.Current.UnmapSg(list, direction))
        {
            return;
        }

        _path.Leave(me);
        UnpinAll(list, list.Count, me);
        list.SetMapped(0, null);
    }

    /// <summary>A map that completed after its device was removed drops the debug entry it made (the removal already forgot the device's).</summary>
    private void ForgetAfterRemoval(MappingKind kind, ulong address, int length, DmaDirection direction)
    {
        if (_debug.IsEnabled)
        {
            _debug.ForgetAfterRemoval(_device, kind, address, length, direction);
        }
    }

    // The checks are a test inline and a throw out of line (a method that throws is not inlined):
    // they run at every map, unmap and sync.
    internal static void CheckSegment(KBuffer buffer, int offset, int length)
    {
        if (buffer is null || buffer.IsFreed || offset < 0 || length <= 0 || offset > buffer.Length - length)
        {
            ThrowBadSegment(buffer, offset, length);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadSegment(KBuffer? buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.ThrowIfFreed();
        throw new ArgumentOutOfRangeException(nameof(length), $"Segment {offset}+{length} is not inside {buffer}.");
    }

    /// <summary>
    /// Ends a streaming mapping: claims it from the live record (so two threads cannot both release
    /// it), then releases it on the DMA path; if the path refuses, the record is put back.
    /// </summary>
    private bool Release(DmaAddr address, int length, DmaDirection direction, MappingKind kind)
    {
        int me = Environment.CurrentManagedThreadId; // a thread-local read, once per call
        if (!_mappings.TryRemove(address.Value, length, direction, kind, me, out LiveMapping mapping))
        {
            return false;
        }

        // The record vouches for the mapping when it has the caller's length (the path need not look it up).
        DmaOps ops = _path.Current;
        if (!(mapping.Length == length ? ops.UnmapRecorded(address, length, direction, me) : ops.Unmap(address, length, direction, me)))
        {
            _mappings.Add(mapping, me);
            return false;
        }

        _path.Leave(me);
        ((KBuffer)mapping.Owner!).Unpin(me);
        return true;
    }

    private bool ReleaseSg(ScatterList list, DmaDirection direction)
    {
        for (int i = 0; i < list.MappedCount; i++)
        {
            if (!_mappings.TryRemove(list.DmaAddress(i).Value, list.DmaLength(i), direction, MappingKind.ScatterGather, out _))
            {
                for (int j = 0; j < i; j++)
                {
                    _mappings.Add(new LiveMapping(list.DmaAddress(j).Value, list.DmaLength(j), direction, MappingKind.ScatterGather, list));
                }

                return false;
            }
        }

        if (!_path.Current.UnmapSg(list, direction))
        {
            // The path refused: the list stays mapped, so its record stays too.
            for (int j = 0; j < list.MappedCount; j++)
            {
                _mappings.Add(new LiveMapping(list.DmaAddress(j).Value, list.DmaLength(j), direction, MappingKind.ScatterGather, list));
            }

            return false;
        }

        return true;
    }

    private static void PinAll(ScatterList list, int me)
    {
        for (int i = 0; i < list.Count; i++)
        {
            try
            {
                list.Buffer(i).Pin(me);
            }
            catch (ObjectDisposedException)
            {
                UnpinAll(list, i, me); // freed by another thread since the check: nothing stays pinned
                throw;
            }
        }
    }

    private static void UnpinAll(ScatterList list, int count, int me)
    {
        for (int i = 0; i < count; i++)
        {
            list.Buffer(i).Unpin(me);
        }
    }

    private void CheckSameMachine(KBuffer buffer, string parameter = "buffer")
    {
        if (!ReferenceEquals(buffer.Memory, _memory))
        {
            ThrowForeign(buffer, parameter);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowForeign(KBuffer buffer, string parameter) =>
        throw new ArgumentException($"{buffer} belongs to another machine's memory: {_device} cannot reach it, and its physical address names a frame of this machine.", parameter);

    private static bool IsValidMask(ulong mask) =>
        mask >= (1UL << 24) - 1 && (mask & (mask + 1)) == 0;

    private static void CheckLength(int length)
    {
        if (length <= 0)
        {
            ThrowBadLength(length);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadLength(int length) =>
        throw new ArgumentOutOfRangeException(nameof(length), length, "A DMA length is at least one byte.");

    private static void CheckDirection(DmaDirection direction)
    {
        if (direction is not (DmaDirection.Bidirectional or DmaDirection.ToDevice or DmaDirection.FromDevice))
        {
            ThrowBadDirection(direction);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadDirection(DmaDirection direction) =>
        throw new ArgumentException($"{direction} is not a valid DMA direction for a mapping.", nameof(direction));

    private void Sync(DmaAddr address, int length, DmaDirection direction, bool forCpu)
    {
        string call = forCpu ? nameof(SyncForCpu) : nameof(SyncForDevice);
        ThrowIfRemoved(call);
        CheckLength(length);
        CheckDirection(direction);
        if (address == DmaAddr.Error)
        {
            FailedMappingUsed(length, direction, call);
            return;
        }

        if (_debug.IsEnabled)
        {
            DmaDebugVerdict verdict = _debug.CheckSync(_device, address.Value, length, direction, forCpu);
            bool refusedHere = !verdict.Proceed || !SyncOps(address, length, direction, forCpu);
            ThrowIfRemovalBeat(refusedHere, verdict, release: false, call); // not the driver's use after unmap

            _debug.CompleteSync(verdict, forCpu, refusedHere);
            return;
        }

        if (!SyncOps(address, length, direction, forCpu))
        {
            ThrowIfRemoved(call);
            throw Refused(call, address, length);
        }
    }

    /// <summary>Syncs on the DMA path, if the DMA layer's own record has a live mapping covering the range.</summary>
    private bool SyncOps(DmaAddr address, int length, DmaDirection direction, bool forCpu)
    {
        DmaOps ops = _path.Current;
        return _mappings.Covers(address.Value, length)
            && (forCpu ? ops.SyncForCpu(address, length, direction) : ops.SyncForDevice(address, length, direction));
    }

    private void SyncSg(ScatterList list, DmaDirection direction, bool forCpu)
    {
        ThrowIfRemoved(forCpu ? nameof(SyncSgForCpu) : nameof(SyncSgForDevice));
        ArgumentNullException.ThrowIfNull(list);
        CheckDirection(direction);
        CheckMappedHere(list);
        if (!_debug.IsEnabled)
        {
            for (int i = 0; i < list.MappedCount; i++)
            {
                Sync(list.DmaAddress(i), list.DmaLength(i), direction, forCpu);
            }

            return;
        }

        // Every segment is checked, synced and passed on before anything is reported, so Throw mode
        // never leaves a list half synced.
        var verdicts = new DmaDebugVerdict[list.MappedCount];
        var refused = new bool[verdicts.Length];
        for (int i = 0; i < verdicts.Length; i++)
        {
            verdicts[i] = _debug.CheckSync(_device, list.DmaAddress(i).Value, list.DmaLength(i), direction, forCpu);
            refused[i] = !verdicts[i].Proceed || !SyncOps(list.DmaAddress(i), list.DmaLength(i), direction, forCpu);
        }

        if (_removed && Array.IndexOf(refused, true) >= 0)
        {
            ThrowRemoved(forCpu ? nameof(SyncSgForCpu) : nameof(SyncSgForDevice)); // released by the removal under this call (a sync claims nothing to drop)
        }

        _debug.CompleteSyncs(verdicts, forCpu, refused);
    }

    /// <summary>
    /// A release or sync the device's removal beat: refused because the removal released the mapping under the call. The
    /// debug layer drops the call's verdicts (it is no double release or use after unmap of the driver's) and the call
    /// throws as any use after removal does.
    /// </summary>
    private void ThrowIfRemovalBeat(bool refused, DmaDebugVerdict verdict, bool release, string call)
    {
        if (refused && _removed)
        {
            _debug.Abandon(verdict, release);
            ThrowRemoved(call);
        }
    }

    /// <inheritdoc cref="ThrowIfRemovalBeat(bool, DmaDebugVerdict, bool, string)"/>
    private void ThrowIfRemovalBeat(bool refused, DmaDebugVerdict[] verdicts, bool release, string call)
    {
        if (refused && _removed)
        {
            foreach (DmaDebugVerdict verdict in verdicts)
            {
                _debug.Abandon(verdict, release);
            }

            ThrowRemoved(call);
        }
    }

    private void ThrowIfRemoved(string call)
    {
        if (_removed)
        {
            ThrowRemoved(call);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowRemoved(string call)
    {
        if (_debug.IsEnabled)
        {
            _debug.OnUseAfterRemoval(_device, call);
        }

        throw new ObjectDisposedException(nameof(DmaApi),
            $"{call} on the DMA API of {_device}, which was removed from the machine: a driver stops using a device's DMA API when the device goes away.");
    }

    private void CheckMappedHere(ScatterList list)
    {
        if (list.MappedCount == 0)
        {
            throw new InvalidOperationException("The scatter list is not mapped.");
        }

        // Like FreeCoherent of another device's buffer: the list's IOVAs mean nothing in this device's
        // domain, and may name one of this device's own live mappings.
        if (!ReferenceEquals(list.MappedBy, this))
        {
            throw new ArgumentException($"The scatter list was mapped for {list.MappedBy?._device}, not {_device}.", nameof(list));
        }
    }

    private void FailedMappingUsed(int length, DmaDirection direction, string call)
    {
        if (_debug.IsEnabled)
        {
            _debug.OnFailedMappingUsed(_device, length, direction, call);
        }
        else
        {
            throw new InvalidOperationException($"{call} of a failed mapping on {_device}: check MappingError first.");
        }
    }

    private InvalidOperationException Refused(string call, DmaAddr address, int length) =>
        new($"{call}({address}, {length}) refused on {_device}: no live mapping of that address and size (double unmap, unknown address or wrong length).");
}
