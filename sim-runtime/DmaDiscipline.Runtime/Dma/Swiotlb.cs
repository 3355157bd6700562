namespace DmaDiscipline.Runtime;

/// <summary>
/// The bounce buffer pool (Linux's swiotlb): a fixed area of low, device-shared memory cut into
/// 2 KiB slots. A bounced mapping hands the device a slot's address; data moves between the driver's
/// buffer and the slot only at map (towards the device) and at sync/unmap (towards the CPU), so a
/// driver that forgets a sync sees stale bytes, exactly as on hardware. Exhaustion is a mapping error.
/// Thread safety: maps, unmaps and syncs from any thread; slot search, slot release and the copies
/// that must not meet a reuse of the slot happen under the pool's lock.
/// </summary>
public sealed class Swiotlb
{
    /// <summary>Slot size (Linux's <c>IO_TLB_SIZE</c>).</summary>
    public const int SlotSize = 2048;

    private readonly KBuffer _pool;
    private readonly int[] _slotsUsed;     // at the first slot of a bounce: its slot count; 0 = free
    private readonly bool[] _busy;
    private readonly KBuffer?[] _original;
    private readonly int[] _originalOffset;
    private readonly int[] _length;
    private readonly object _lock = new();
    private int _next;
    // Changed under the pool's lock only (plain adds); read from any thread.
    private long _bouncedBytes;
    private long _exhaustions;

    internal Swiotlb(PhysicalMemory memory, int size, bool shared)
    {
        if (size < SlotSize || size % SlotSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"The bounce pool is a positive multiple of {SlotSize} bytes.");
        }

        _pool = memory.AllocateReserved(size);
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
        SlotsFree = slots;
    }

    /// <summary>Pool size in bytes.</summary>
    public int Size => _pool.Length;

    /// <summary>Physical (and bus) address of the pool.</summary>
    public PhysAddr Base => _pool.Physical;

    /// <summary>Free slots (changed under the pool's lock; a read is a snapshot).</summary>
    public int SlotsFree { get; private set; }

    /// <summary>Bytes copied between driver buffers and slots, both ways.</summary>
    public long BouncedBytes => Interlocked.Read(ref _bouncedBytes);

    /// <summary>Mappings refused because no run of free slots was long enough.</summary>
    public long Exhaustions => Interlocked.Read(ref _exhaustions);

    internal bool Contains(ulong address) =>
        address >= _pool.Physical.Value && address < _pool.Physical.Value + (ulong)_pool.Length;

    internal bool TryMap(KBuffer buffer, int offset, int length, ulong mask, out ulong address)
    {
        lock (_lock)
        {
            return TryMapLocked(buffer, offset, length, mask, out address);
        }
    }

    /// <summary>Copies towards the CPU if the direction says so, then frees the slots.</summary>
    internal bool TryUnmap(ulong address, int length, DmaDirection direction)
    {
        lock (_lock)
        {
            return TryUnmapLocked(address, length, direction);
        }
    }

    internal bool TrySync(ulong address, int length, DmaDirection direction, bool forCpu)
    {
        lock (_lock)
        {
            return TrySyncLocked(address, length, direction, forCpu);
        }
    }

    private bool TryMapLocked(KBuffer buffer, int offset, int length, ulong mask, out ulong address)
    {
        address = 0;
        int need = (length + SlotSize - 1) / SlotSize;
        int slots = _busy.Length;
        for (int scanned = 0; scanned < slots; scanned++)
        {
            int first = (_next + scanned) % slots;
            if (first + need > slots)
            {
                continue;
            }

            ulong candidate = _pool.Physical.Value + (ulong)first * SlotSize;
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
            SlotsFree -= need;
            _next = (first + need) % slots;

            // Always fill the slot from the buffer, whatever the direction: bytes the device does not
            // write must not leak a previous user's data back to the driver (CVE-2022-0854).
            Copy(buffer.Bytes.Slice(offset, length), _pool.Bytes.Slice(first * SlotSize, length));
            address = candidate;
            return true;
        }

        Volatile.Write(ref _exhaustions, _exhaustions + 1);
        return false;
    }

    private bool TryUnmapLocked(ulong address, int length, DmaDirection direction)
    {
        if (!TryFind(address, length, out int first))
        {
            return false;
        }

        if (direction is DmaDirection.FromDevice or DmaDirection.Bidirectional)
        {
            CopyToCpu(first, 0, _length[first]);
        }

        int used = _slotsUsed[first];
        for (int i = 0; i < used; i++)
        {
            _busy[first + i] = false;
        }

        _slotsUsed[first] = 0;
        _original[first] = null;
        SlotsFree += used;
        return true;
    }

    private bool TrySyncLocked(ulong address, int length, DmaDirection direction, bool forCpu)
    {
        if (!TryFindContaining(address, length, out int first, out int within))
        {
            return false;
        }

        if (forCpu && direction is DmaDirection.FromDevice or DmaDirection.Bidirectional)
        {
            CopyToCpu(first, within, length);
        }
        else if (!forCpu && direction is DmaDirection.ToDevice or DmaDirection.Bidirectional)
        {
            Copy(_original[first]!.Bytes.Slice(_originalOffset[first] + within, length), _pool.Bytes.Slice(first * SlotSize + within, length));
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

        ulong offset = address - _pool.Physical.Value;
        if (offset % SlotSize != 0)
        {
            return false;
        }

        first = (int)(offset / SlotSize);
        return _slotsUsed[first] != 0 && (length + SlotSize - 1) / SlotSize == _slotsUsed[first];
    }

    private bool TryFindContaining(ulong address, int length, out int first, out int within)
    {
        first = -1;
        within = 0;
        if (!Contains(address) || length <= 0)
        {
            return false;
        }

        // Walk back to the first slot of the bounce that contains the address.
        int slot = (int)((address - _pool.Physical.Value) / SlotSize);
        while (slot >= 0 && _busy[slot] && _slotsUsed[slot] == 0)
        {
            slot--;
        }

        if (slot < 0 || _slotsUsed[slot] == 0)
        {
            return false;
        }

        within = (int)(address - (_pool.Physical.Value + (ulong)slot * SlotSize));
        first = slot;
        return within + length <= _length[slot];
    }

    private void CopyToCpu(int first, int within, int length)
    {
        KBuffer original = _original[first]!;
        if (original.IsFreed)
        {
            // The driver freed the buffer while it was mapped; the copy-back has nowhere to go.
            return;
        }

        Copy(_pool.Bytes.Slice(first * SlotSize + within, length), original.Bytes.Slice(_originalOffset[first] + within, length));
    }

    /// <summary>A copy between a buffer and its slot, under the pool's lock.</summary>
    private void Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        Volatile.Write(ref _bouncedBytes, _bouncedBytes + from.Length);
    }
}
