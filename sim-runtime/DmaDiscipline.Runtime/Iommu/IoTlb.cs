namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOTLB of one domain — and, with ATS, a device's own address translation cache: a direct-mapped
/// cache of leaf page table entries indexed by I/O virtual page. A hit skips the page walk; an entry
/// survives an unmap until it is invalidated, which is what makes lazy invalidation a window rather
/// than a bookkeeping detail.
/// Thread safety: a domain's IOTLB is used under its domain's lock. A device's cache
/// (<see cref="ForDevice"/>) is read without a lock by the device's queues, as a sequence lock:
/// a writer (a fill, an invalidation) makes the sequence odd for the time of its change, and a
/// lookup that saw it odd or changed reads again, so it never pairs one translation's tag with
/// another's entry. Writers never overlap: the domain that holds the cache writes it under its own
/// lock. The counters are exact and may be read from any thread (a snapshot).
/// </summary>
public sealed class IoTlb
{
    private readonly ulong[] _tags;   // iova frame + 1; 0 means invalid
    private readonly ulong[] _entries;
    private readonly int _mask;

    // A device's cache only: even while no write is under way (see the class remarks).
    private readonly bool _lockFreeReaders;
    private int _sequence;

    private OwnedCounter _hits;
    private OwnedCounter _misses;
    private long _pageInvalidations;
    private long _globalInvalidations;

    /// <summary>Creates an IOTLB.</summary>
    /// <param name="entries">Number of entries, a power of two from 1 to 65536.</param>
    public IoTlb(int entries)
        : this(entries, lockFreeReaders: false)
    {
    }

    private IoTlb(int entries, bool lockFreeReaders)
    {
        _lockFreeReaders = lockFreeReaders;
        if (entries <= 0 || entries > 65536 || (entries & (entries - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "The IOTLB size is a power of two from 1 to 65536.");
        }

        _tags = new ulong[entries];
        _entries = new ulong[entries];
        _mask = entries - 1;
    }

    /// <summary>Number of entries.</summary>
    public int Size => _tags.Length;

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits => _hits.Value;

    /// <summary>Lookups that needed a page walk.</summary>
    public long Misses => _misses.Value;

    /// <summary>Single-page invalidations.</summary>
    public long PageInvalidations => Volatile.Read(ref _pageInvalidations);

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

    /// <summary>Resets the counters (not the cached entries), while no lookup is under way.</summary>
    public void ResetCounters()
    {
        _hits.Reset();
        _misses.Reset();
        Volatile.Write(ref _pageInvalidations, 0);
        Volatile.Write(ref _globalInvalidations, 0);
    }

    /// <summary>A device's address translation cache (ATS): looked up without a lock, see the class remarks.</summary>
    internal static IoTlb ForDevice(int entries) => new(entries, lockFreeReaders: true);

    /// <summary>Looks a page up; the caller holds the lock that guards this IOTLB.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the per-access hit path
    internal bool TryLookup(ulong iovaFrame, out ulong entry)
    {
        int slot = (int)iovaFrame & _mask;
        if (_tags[slot] == iovaFrame + 1)
        {
            _hits.Increment();
            entry = _entries[slot];
            return true;
        }

        _misses.Increment();
        entry = 0;
        return false;
    }

    /// <summary>Looks a page up in a device's cache from any thread (<paramref name="thread"/>: its managed id), without a lock (a sequence-lock read).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the per-access hit path
    internal bool TryLookupLockFree(ulong iovaFrame, int thread, out ulong entry)
    {
        int slot = (int)iovaFrame & _mask;
        while (true)
        {
            // Acquire reads: the tag and entry are read after the first sequence read, and the
            // second sequence read after both.
            int before = Volatile.Read(ref _sequence);
            ulong tag = Volatile.Read(ref _tags[slot]);
            ulong value = Volatile.Read(ref _entries[slot]);
            if ((before & 1) == 0 && Volatile.Read(ref _sequence) == before)
            {
                if (tag == iovaFrame + 1)
                {
                    _hits.Increment(thread);
                    entry = value;
                    return true;
                }

                _misses.Increment(thread);
                entry = 0;
                return false;
            }

            Thread.SpinWait(1); // a writer is a few stores from done
        }
    }

    internal void Fill(ulong iovaFrame, ulong entry)
    {
        int sequence = BeginWrite();
        int slot = (int)iovaFrame & _mask;

        // Release stores: neither is seen before the odd sequence (see BeginWrite).
        Volatile.Write(ref _tags[slot], iovaFrame + 1);
        Volatile.Write(ref _entries[slot], entry);
        EndWrite(sequence);
    }

    internal void Invalidate(ulong iovaFrame)
    {
        int sequence = BeginWrite();
        _pageInvalidations++;
        int slot = (int)iovaFrame & _mask;
        if (_tags[slot] == iovaFrame + 1)
        {
            Volatile.Write(ref _tags[slot], 0UL);
        }

        EndWrite(sequence);
    }

    internal void InvalidateAll()
    {
        int sequence = BeginWrite();
        _globalInvalidations++;
        if (_lockFreeReaders)
        {
            Interlocked.MemoryBarrier(); // Array.Clear's stores are plain: none before the odd sequence
        }

        Array.Clear(_tags);
        EndWrite(sequence);
    }

    /// <summary>
    /// A device's cache: makes the sequence odd before the change. Writers never overlap — the one
    /// domain that holds the cache writes it under its own lock, and the device's context change
    /// empties it only after that domain let go of it — so a release store does: the change's own
    /// stores are release stores too, or follow a fence, and are never seen before it. (A writer's
    /// following reads need no fence from here: a strict unmap's drain orders itself, see
    /// <see cref="InFlightTransactions"/>.)
    /// </summary>
    private int BeginWrite()
    {
        if (!_lockFreeReaders)
        {
            return 0;
        }

        int sequence = _sequence + 1;
        Volatile.Write(ref _sequence, sequence);
        return sequence;
    }

    /// <summary>Ends a write: the change is visible before the sequence is even again (a release store).</summary>
    private void EndWrite(int sequence)
    {
        if (_lockFreeReaders)
        {
            Volatile.Write(ref _sequence, sequence + 1);
        }
    }
}
