namespace DmaDiscipline.Runtime;

/// <summary>
/// The bounce buffer pool (Linux's swiotlb): a fixed area of low, device-shared memory cut into
/// 2 KiB slots. A bounced mapping hands the device a slot's address; data moves between the driver's
/// buffer and the slot only at map (towards the device) and at sync/unmap (towards the CPU), so a
/// driver that forgets a sync sees stale bytes, exactly as on hardware. Exhaustion is a mapping error.
/// Thread safety: maps, unmaps and syncs from any thread. The pool is cut into areas (Linux 5.19's
/// swiotlb areas: up to 16, each at least 128 slots), each under its own lock: a thread maps in the
/// area of its <see cref="ThreadTicket"/> first, then in the others in turn, so two queues on two
/// cores bounce through different areas and never take one lock. Slot search, slot release and the
/// copies that must not meet a reuse of the slot happen under the area's lock. A mapping that fits
/// in no single area (a large one, or a pool nearly full) is searched for across the whole pool with
/// every area held, so exhaustion still means no run of free slots long enough anywhere.
/// </summary>
public sealed class Swiotlb
{
    /// <summary>Slot size (Linux's <c>IO_TLB_SIZE</c>).</summary>
    public const int SlotSize = 2048;

    private const int MaxAreas = 16;
    private const int MinAreaSlots = 128; // Linux's IO_TLB_SEGSIZE: an area holds the largest usual mapping

    private readonly KBuffer _pool;
    private readonly ulong _start; // the pool's first bus (= physical) address
    private readonly ulong _size;
    private readonly int[] _slotsUsed;     // at the first slot of a bounce: its slot count; 0 = free
    private readonly bool[] _busy;
    private readonly KBuffer?[] _original;
    private readonly int[] _originalOffset;
    private readonly int[] _length;
    private readonly Area[] _areas;
    private readonly int _areaSlots;        // slots per area (the last one also takes the remainder)

    // Per thread (plain adds for a thread that owns a part); read from any thread.
    private OwnedCounter _bouncedBytes;
    private long _exhaustions;

    internal Swiotlb(PhysicalMemory memory, int size, bool shared)
    {
        if (size < SlotSize || size % SlotSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"The bounce pool is a positive multiple of {SlotSize} bytes.");
        }

        _pool = memory.AllocateReserved(size);
        _start = _pool.Physical.Value;
        _size = (ulong)size;
        if (shared)
        {
            memory.SetShared(_pool.Physical.PageFrame, _pool.Pages, shared: true);
        }

        int slots = size / SlotSize;
        _slotsUsed = new int[slots];
        _busy = new bool[slots];
        _original = new KBuffer?[slots];
        _originalOffset = new int[slots];
        _length = new int[slots];

        int areas = 1;
        while (areas * 2 <= MaxAreas && slots / (areas * 2) >= MinAreaSlots)
        {
            areas *= 2;
        }

        _areaSlots = slots / areas;
        _areas = new Area[areas];
        for (int i = 0; i < areas; i++)
        {
            int first = i * _areaSlots;
            int end = i == areas - 1 ? slots : first + _areaSlots;
            _areas[i] = new Area { Start = first, End = end, Next = first, Free = end - first };
        }
    }

    /// <summary>Pool size in bytes.</summary>
    public int Size => _pool.Length;

    /// <summary>Physical (and bus) address of the pool.</summary>
    public PhysAddr Base => _pool.Physical;

    /// <summary>Free slots (changed under the areas' locks; a read is a snapshot).</summary>
    public int SlotsFree
    {
        get
        {
            int free = 0;
            foreach (Area area in _areas)
            {
                free += Volatile.Read(ref area.Free);
            }

            return free;
        }
    }

    /// <summary>Areas the pool is cut into, each with its own lock.</summary>
    public int Areas => _areas.Length;

    /// <summary>Bytes copied between driver buffers and slots, both ways.</summary>
    public long BouncedBytes => _bouncedBytes.Value;

    /// <summary>Mappings refused because no run of free slots was long enough.</summary>
    public long Exhaustions => Interlocked.Read(ref _exhaustions);

    internal bool Contains(ulong address) => address - _start < _size;

    internal bool TryMap(KBuffer buffer, int offset, int length, ulong mask, int me, out ulong address)
    {
        int need = (length + SlotSize - 1) / SlotSize;
        if (need <= _areaSlots)
        {
            int home = ThreadTicket.Of(me) & (_areas.Length - 1);
            for (int k = 0; k < _areas.Length; k++)
            {
                Area area = _areas[(home + k) & (_areas.Length - 1)];
                bool biased = area.Lock.Enter(me);
                try
                {
                    if (area.Free >= need && TryMapIn(area.Start, area.End, ref area.Next, buffer, offset, length, need, mask, me, out address))
                    {
                        return true;
                    }
                }
                finally
                {
                    area.Lock.Exit(biased);
                }
            }
        }

        // No single area has the run (or the mapping is larger than one): the whole pool, every area held.
        uint held = HoldAll(me);
        try
        {
            int next = 0;
            if (TryMapIn(0, _busy.Length, ref next, buffer, offset, length, need, mask, me, out address))
            {
                return true;
            }
        }
        finally
        {
            ReleaseAll(held);
        }

        Interlocked.Increment(ref _exhaustions);
        return false;
    }

    /// <summary>Copies towards the CPU if the direction says so, then frees the slots.</summary>
    internal bool TryUnmap(ulong address, int length, DmaDirection direction, int me) =>
        InOwnAreaElseAll(address, length, direction, Release.Unmap, me);

    internal bool TrySync(ulong address, int length, DmaDirection direction, bool forCpu) =>
        InOwnAreaElseAll(address, length, direction, forCpu ? Release.SyncForCpu : Release.SyncForDevice, Environment.CurrentManagedThreadId);

    /// <summary>
    /// An unmap or sync of a bounce: done holding the lock of the area the address falls in, or, for
    /// a bounce that crosses from or into another area, again with every area held.
    /// </summary>
    private bool InOwnAreaElseAll(ulong address, int length, DmaDirection direction, Release call, int me)
    {
        if (!Contains(address))
        {
            return false;
        }

        Area area = AreaOf((int)((address - _start) / SlotSize));
        bool? done;
        bool biased = area.Lock.Enter(me);
        try
        {
            done = TryLocked(address, length, direction, call, area, me);
        }
        finally
        {
            area.Lock.Exit(biased);
        }

        if (done is bool result)
        {
            return result;
        }

        uint held = HoldAll(me);
        try
        {
            return TryLocked(address, length, direction, call, null, me)!.Value;
        }
        finally
        {
            ReleaseAll(held);
        }
    }

    /// <summary>
    /// The call, holding <paramref name="area"/> (null: every area). Null when the bounce crosses an
    /// area border, so that it must be done with every area held.
    /// </summary>
    private bool? TryLocked(ulong address, int length, DmaDirection direction, Release call, Area? area, int me)
    {
        if (call == Release.Unmap)
        {
            return area is not null && EndsOutside(address, area) ? null : TryUnmapLocked(address, length, direction, me);
        }

        bool found = TryFindContaining(address, length, area?.Start ?? 0, out int first, out int within, out bool crossed);
        return !found && crossed && area is not null
            ? null
            : found && TrySyncLocked(first, within, length, direction, call == Release.SyncForCpu, me);
    }

    private Area AreaOf(int slot) => _areas[Math.Min(slot / _areaSlots, _areas.Length - 1)];

    /// <summary>Whether the bounce starting at <paramref name="address"/> (if one does) runs past <paramref name="area"/>'s end; the caller holds that area.</summary>
    private bool EndsOutside(ulong address, Area area)
    {
        ulong offset = address - _start;
        if (offset % SlotSize != 0)
        {
            return false;
        }

        int first = (int)(offset / SlotSize);
        return first + _slotsUsed[first] > area.End;
    }

    /// <summary>Takes every area's lock in order; returns which were taken biased.</summary>
    private uint HoldAll(int me)
    {
        uint biased = 0;
        for (int i = 0; i < _areas.Length; i++)
        {
            if (_areas[i].Lock.Enter(me))
            {
                biased |= 1u << i;
            }
        }

        return biased;
    }

    private void ReleaseAll(uint biased)
    {
        for (int i = 0; i < _areas.Length; i++)
        {
            _areas[i].Lock.Exit(((biased >> i) & 1) != 0);
        }
    }

    /// <summary>Searches slots [<paramref name="start"/>, <paramref name="end"/>) from <paramref name="next"/> for a free run; the caller holds every area the range covers.</summary>
    private bool TryMapIn(int start, int end, ref int next, KBuffer buffer, int offset, int length, int need, ulong mask, int me, out ulong address)
    {
        address = 0;
        int slots = end - start;
        for (int scanned = 0; scanned < slots; scanned++)
        {
            int first = start + ((next - start + scanned) % slots);
            if (first + need > end)
            {
                continue;
            }

            ulong candidate = _start + (ulong)first * SlotSize;
            if (candidate + (ulong)length - 1 > mask)
            {
                continue;
            }

            if (!RunIsFree(first, need))
            {
                continue;
            }

            for (int i = 0; i < need; i++)
            {
                _busy[first + i] = true;
            }

            _slotsUsed[first] = need;
            _original[first] = buffer;
            _originalOffset[first] = offset;
            _length[first] = length;
            CountSlots(first, need, -1);
            next = first + need >= end ? start : first + need;

            // Always fill the slot from the buffer, whatever the direction: bytes the device does not
            // write must not leak a previous user's data back to the driver (CVE-2022-0854).
            Copy(buffer.Bytes.Slice(offset, length), _pool.Bytes.Slice(first * SlotSize, length), me);
            address = candidate;
            return true;
        }

        return false;
    }

    /// <summary>Adds <paramref name="delta"/> per slot to the free counts of the areas slots [<paramref name="first"/>, +<paramref name="count"/>) lie in (their locks are held).</summary>
    private void CountSlots(int first, int count, int delta)
    {
        for (int slot = first; slot < first + count;)
        {
            Area area = AreaOf(slot);
            int inArea = Math.Min(first + count, area.End) - slot;
            Volatile.Write(ref area.Free, area.Free + (delta * inArea));
            slot += inArea;
        }
    }

    private bool TryUnmapLocked(ulong address, int length, DmaDirection direction, int me)
    {
        if (!TryFind(address, length, out int first))
        {
            return false;
        }

        if (direction is DmaDirection.FromDevice or DmaDirection.Bidirectional)
        {
            CopyToCpu(first, 0, _length[first], me);
        }

        int used = _slotsUsed[first];
        for (int i = 0; i < used; i++)
        {
            _busy[first + i] = false;
        }

        _slotsUsed[first] = 0;
        _original[first] = null;
        CountSlots(first, used, +1);
        return true;
    }

    private bool TrySyncLocked(int first, int within, int length, DmaDirection direction, bool forCpu, int me)
    {
        if (forCpu && direction is DmaDirection.FromDevice or DmaDirection.Bidirectional)
        {
            CopyToCpu(first, within, length, me);
        }
        else if (!forCpu && direction is DmaDirection.ToDevice or DmaDirection.Bidirectional)
        {
            Copy(_original[first]!.Bytes.Slice(_originalOffset[first] + within, length), _pool.Bytes.Slice(first * SlotSize + within, length), me);
        }

        return true;
    }

    private bool RunIsFree(int first, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (_busy[first + i])
            {
                return false;
            }
        }

        return true;
    }

    private bool TryFind(ulong address, int length, out int first)
    {
        first = -1;
        if (!Contains(address))
        {
            return false;
        }

        ulong offset = address - _start;
        if (offset % SlotSize != 0)
        {
            return false;
        }

        first = (int)(offset / SlotSize);
        return _slotsUsed[first] != 0 && (length + SlotSize - 1) / SlotSize == _slotsUsed[first];
    }

    /// <summary>
    /// Finds the bounce containing the range, walking back no further than slot <paramref name="floor"/>
    /// (the start of the area whose lock the caller holds, or 0 with every area held);
    /// <paramref name="crossed"/>: the walk reached the floor inside a bounce that began before it.
    /// </summary>
    private bool TryFindContaining(ulong address, int length, int floor, out int first, out int within, out bool crossed)
    {
        first = -1;
        within = 0;
        crossed = false;
        if (!Contains(address) || length <= 0)
        {
            return false;
        }

        // Walk back to the first slot of the bounce that contains the address.
        int slot = (int)((address - _start) / SlotSize);
        while (slot >= floor && _busy[slot] && _slotsUsed[slot] == 0)
        {
            slot--;
        }

        if (slot < floor)
        {
            crossed = floor > 0;
            return false;
        }

        if (_slotsUsed[slot] == 0)
        {
            return false;
        }

        within = (int)(address - (_start + (ulong)slot * SlotSize));
        first = slot;
        return within + length <= _length[slot];
    }

    private void CopyToCpu(int first, int within, int length, int me)
    {
        KBuffer original = _original[first]!;
        if (original.IsFreed)
        {
            // The driver freed the buffer while it was mapped; the copy-back has nowhere to go.
            return;
        }

        Copy(_pool.Bytes.Slice(first * SlotSize + within, length), original.Bytes.Slice(_originalOffset[first] + within, length), me);
    }

    /// <summary>A copy between a buffer and its slot, under the slot's area's lock.</summary>
    private void Copy(ReadOnlySpan<byte> from, Span<byte> to, int me)
    {
        from.CopyTo(to);
        _bouncedBytes.Add(from.Length, me);
    }

    /// <summary>One area of the pool: slots [Start, End), where its next search begins, its free slots, and its lock.</summary>
    private sealed class Area
    {
        public BiasedSpinLock Lock;
        public int Start;
        public int End;
        public int Next;
        public int Free;
    }

    /// <summary>What <see cref="InOwnAreaElseAll"/> does to a bounce.</summary>
    private enum Release
    {
        Unmap,
        SyncForCpu,
        SyncForDevice,
    }
}
