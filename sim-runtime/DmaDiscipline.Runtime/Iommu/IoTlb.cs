namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOTLB of one domain — and, with ATS, a device's own address translation cache: a direct-mapped
/// cache of leaf page table entries indexed by I/O virtual page. A hit skips the page walk; an entry
/// survives an unmap until it is invalidated, which is what makes lazy invalidation a window rather
/// than a bookkeeping detail.
/// Thread safety: a domain's IOTLB is used under its domain's lock, a device's cache under its own
/// lock; the counters may be read from any thread (a snapshot).
/// </summary>
public sealed class IoTlb
{
    private readonly ulong[] _tags;   // iova frame + 1; 0 means invalid
    private readonly ulong[] _entries;
    private readonly int _mask;

    /// <summary>Creates an IOTLB.</summary>
    /// <param name="entries">Number of entries, a power of two from 1 to 65536.</param>
    public IoTlb(int entries)
    {
        if (entries <= 0 || entries > 65536 || (entries & (entries - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "The IOTLB size is a power of two from 1 to 65536.");
        }

        _tags = new ulong[entries];
        _entries = new ulong[entries];
        _mask = entries - 1;
    }

    /// <summary>Guards a device's cache (ATS) between the device's lookups and its domain's invalidations.</summary>
    internal object Sync { get; } = new();

    /// <summary>Number of entries.</summary>
    public int Size => _tags.Length;

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits { get; private set; }

    /// <summary>Lookups that needed a page walk.</summary>
    public long Misses { get; private set; }

    /// <summary>Single-page invalidations.</summary>
    public long PageInvalidations { get; private set; }

    /// <summary>Whole-cache invalidations (flush queue flushes).</summary>
    public long GlobalInvalidations { get; private set; }

    /// <summary>Hits divided by lookups, or 0 before the first lookup.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Resets the counters (not the cached entries).</summary>
    public void ResetCounters()
    {
        Hits = Misses = PageInvalidations = GlobalInvalidations = 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the per-access hit path
    internal bool TryLookup(ulong iovaFrame, out ulong entry)
    {
        int slot = (int)iovaFrame & _mask;
        if (_tags[slot] == iovaFrame + 1)
        {
            Hits++;
            entry = _entries[slot];
            return true;
        }

        Misses++;
        entry = 0;
        return false;
    }

    internal void Fill(ulong iovaFrame, ulong entry)
    {
        int slot = (int)iovaFrame & _mask;
        _tags[slot] = iovaFrame + 1;
        _entries[slot] = entry;
    }

    internal void Invalidate(ulong iovaFrame)
    {
        PageInvalidations++;
        int slot = (int)iovaFrame & _mask;
        if (_tags[slot] == iovaFrame + 1)
        {
            _tags[slot] = 0;
        }
    }

    internal void InvalidateAll()
    {
        GlobalInvalidations++;
        Array.Clear(_tags);
    }
}
