namespace DmaDiscipline.Runtime;

/// <summary>
/// One device's live debug entries, indexed by start address and by bus page, and its recent releases.
/// Not thread-safe by itself: every member is used under <see cref="Lock"/>.
/// </summary>
internal sealed class DebugDeviceState
{
    /// <summary>Releases remembered to tell "already unmapped" from "never mapped".</summary>
    public const int RecentReleases = 256;

    private readonly Dictionary<ulong, List<DmaDebugEntry>> _byAddress = new();
    private readonly Dictionary<ulong, List<DmaDebugEntry>> _byPage = new();
    private readonly Release[] _recent = new Release[RecentReleases];
    private int _recentNext;
    private long _clock;

    /// <summary>Guards this device's tables and the mutable state of its entries.</summary>
    public object Lock { get; } = new();

    public int Live { get; private set; }

    public HashSet<ulong> ReportedPages { get; } = new();

    public void Add(DmaDebugEntry entry)
    {
        entry.Created = ++_clock;
        Bucket(_byAddress, entry.Address).Add(entry);
        for (ulong page = entry.Address >> PhysicalMemory.PageShift; page <= (entry.End - 1) >> PhysicalMemory.PageShift; page++)
        {
            Bucket(_byPage, page).Add(entry);
        }

        Live++;
    }

    public void Remove(DmaDebugEntry entry)
    {
        _byAddress[entry.Address].Remove(entry);
        for (ulong page = entry.Address >> PhysicalMemory.PageShift; page <= (entry.End - 1) >> PhysicalMemory.PageShift; page++)
        {
            _byPage[page].Remove(entry);
        }

        _recent[_recentNext] = new Release(entry.Address, entry.End, entry.Length, entry.Direction, entry.Kind, ++_clock);
        _recentNext = (_recentNext + 1) % RecentReleases;
        Live--;
    }

    public IEnumerable<DmaDebugEntry> At(ulong address) =>
        _byAddress.TryGetValue(address, out var list) ? list : Enumerable.Empty<DmaDebugEntry>();

    public List<DmaDebugEntry> All() => _byAddress.Values.SelectMany(list => list).ToList();

    /// <summary>
    /// The live entry a release names. Several entries can start at one bus address (direct DMA maps
    /// one buffer to the same address twice): an entry matching kind, length and direction wins; when
    /// none does but the same release was just done, it is a second release of that mapping
    /// (<paramref name="releasedBefore"/>), not a wrong-size release of the other one; otherwise the
    /// closest entry (kind, then length, then direction — dma-debug's match score) is returned. A
    /// remembered release counts only if it happened while that closest entry was already live: a
    /// mapping made after the release is the one the call is about. An entry whose release another
    /// thread is carrying out (<see cref="DmaDebugEntry.Releasing"/>) is not offered again: when it is
    /// the exact match and no live entry is, or the only entry of the kind, the call is a racing
    /// second release (<paramref name="releasing"/>).
    /// </summary>
    public DmaDebugEntry? FindForRelease(ulong address, MappingKind kind, int length, DmaDirection direction, out bool releasedBefore, out bool releasing)
    {
        releasedBefore = false;
        releasing = false;
        DmaDebugEntry? best = null;
        int bestScore = -1;
        int releasingScore = -1;
        foreach (DmaDebugEntry entry in At(address))
        {
            int score = (entry.Kind == kind ? 4 : 0)
                + (IsWholeRegion(kind) || entry.Length == length ? 2 : 0)
                + (IsWholeRegion(kind) || entry.Direction == direction ? 1 : 0);
            if (entry.Releasing)
            {
                releasingScore = Math.Max(releasingScore, score);
                continue;
            }

            if (score == 7)
            {
                return entry;
            }

            if (score > bestScore)
            {
                best = entry;
                bestScore = score;
            }
        }

        // Claimed by a release in flight: the same release again, or the only mapping of this kind there.
        if (releasingScore == 7 || (best is null && releasingScore >= 4))
        {
            releasing = true;
            return null;
        }

        foreach (Release release in _recent)
        {
            if (release.Address == address && release.End != 0 && release.Kind == kind
                && (IsWholeRegion(kind) || (release.Length == length && release.Direction == direction))
                && (best is null || release.At > best.Created))
            {
                releasedBefore = true;
                return null;
            }
        }

        releasedBefore = best is null && WasUnmapped(address);
        return best;
    }

    public DmaDebugEntry? Containing(ulong address, ulong length) =>
        _byPage.TryGetValue(address >> PhysicalMemory.PageShift, out var list)
            ? list.FirstOrDefault(e => e.Covers(address, address + length))
            : null;

    /// <summary>A live entry covering [from, to) in one page, preferring one that allows the access (a write needs a device-writable mapping).</summary>
    public DmaDebugEntry? Covering(ulong page, ulong from, ulong to, DmaAccess access)
    {
        if (!_byPage.TryGetValue(page, out var list))
        {
            return null;
        }

        DmaDebugEntry? found = null;
        foreach (DmaDebugEntry entry in list)
        {
            if (entry.Covers(from, to))
            {
                if (access == DmaAccess.Read || entry.Direction != DmaDirection.ToDevice)
                {
                    return entry;
                }

                found ??= entry;
            }
        }

        return found;
    }

    public void ForgetUnmapped(ulong start, ulong end)
    {
        for (int i = 0; i < _recent.Length; i++)
        {
            if (_recent[i].Address < end && start < _recent[i].End)
            {
                _recent[i] = default;
            }
        }
    }

    public bool WasUnmapped(ulong address)
    {
        foreach (Release release in _recent)
        {
            if (address >= release.Address && address < release.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Coherent buffers and VFIO mappings are released whole, by address alone: no length or direction to compare, no ownership to pass.</summary>
    public static bool IsWholeRegion(MappingKind kind) => kind is MappingKind.Coherent or MappingKind.Vfio;

    private static List<DmaDebugEntry> Bucket(Dictionary<ulong, List<DmaDebugEntry>> index, ulong key)
    {
        if (!index.TryGetValue(key, out var list))
        {
            list = new List<DmaDebugEntry>(1);
            index.Add(key, list);
        }

        return list;
    }

    private readonly record struct Release(ulong Address, ulong End, int Length, DmaDirection Direction, MappingKind Kind, long At);
}
