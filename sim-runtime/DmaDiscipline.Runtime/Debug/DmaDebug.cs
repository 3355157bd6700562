using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace DmaDiscipline.Runtime;

/// <summary>
/// The DMA debug layer (Linux's <c>kernel/dma/debug.c</c>, extended to watch device accesses too).
/// It observes every DMA API call and every device memory access from outside the DMA machinery,
/// tracks live mappings per device, and reports each mistake under the id of the static rule that
/// would have caught it: DMA001 device access no mapping covers (a raw physical address, caught at
/// run time even in passthrough), DMA002 leak at unbind, DMA003 mapping used or unmapped without a
/// <see cref="DmaApi.MappingError"/> check, DMA004 length or direction other than the map's,
/// DMA005 CPU access to a buffer the device owns, DMA006 use or unmap after unmap and unknown addresses.
/// Thread safety: every member may be called from any thread. The tables are sharded by device, each
/// under its own lock (threads on different devices do not meet); buffer ownership shared between
/// devices and the list of violations have a lock each, taken after a device's.
/// </summary>
public sealed class DmaDebug
{
    /// <summary>Violations kept; later ones are only counted in <see cref="Dropped"/>.</summary>
    public const int Capacity = 10_000;

    private const int RecentUnmaps = 256;

    private readonly ConcurrentDictionary<DeviceId, DeviceState> _devices = new();
    private readonly List<DmaViolation> _violations = new();
    private readonly object _violationsLock = new();

    // Buffer ownership can span devices (one buffer mapped for two): its own lock, taken after a device's.
    private readonly object _ownership = new();
    private readonly Dictionary<KBuffer, List<DmaDebugEntry>> _owners = new(ReferenceEqualityComparer.Instance);
    private long _dropped;
    private long _suppressed;

    /// <summary>Creates a debug layer.</summary>
    public DmaDebug(DmaDebugMode mode)
    {
        Mode = mode;
    }

    /// <summary>Off, collect or throw.</summary>
    public DmaDebugMode Mode { get; }

    /// <summary>Whether calls are tracked at all.</summary>
    public bool IsEnabled => Mode != DmaDebugMode.Off;

    /// <summary>Reported violations, oldest first (a snapshot).</summary>
    public IReadOnlyList<DmaViolation> Violations
    {
        get
        {
            lock (_violationsLock)
            {
                return _violations.ToArray();
            }
        }
    }

    /// <summary>Violations past <see cref="Capacity"/>, counted but not kept.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Repeated device-access reports for a page already reported, suppressed to keep the report readable.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>Number of reported violations with a rule id.</summary>
    public int CountOf(string ruleId) => Violations.Count(v => v.RuleId == ruleId);

    /// <summary>Violations of one device.</summary>
    public IEnumerable<DmaViolation> For(DeviceId device) => Violations.Where(v => v.Device == device);

    /// <summary>Live streaming mappings and coherent buffers of a device.</summary>
    public int LiveMappings(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DeviceState? state))
        {
            return 0;
        }

        lock (state.Lock)
        {
            return state.Live;
        }
    }

    /// <summary>Forgets the reported violations (tracking of live mappings continues).</summary>
    public void ClearViolations()
    {
        lock (_violationsLock)
        {
            _violations.Clear();
            Interlocked.Exchange(ref _dropped, 0);
            Interlocked.Exchange(ref _suppressed, 0);
        }
    }

    /// <summary>A printable report: counts per rule, then each violation.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        IReadOnlyList<DmaViolation> violations = Violations;
        long dropped = Dropped;
        long suppressed = Suppressed;
        if (violations.Count == 0)
        {
            text.AppendLine("DMA-API debug: no violations.");
            return text.ToString();
        }

        text.Append("DMA-API debug: ").Append(violations.Count + dropped).AppendLine(" violation(s)");
        foreach (var group in violations.GroupBy(v => v.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("  ").Append(group.Key).Append(": ").Append(group.Count()).AppendLine();
        }

        foreach (DmaViolation violation in violations)
        {
            text.Append("  ").AppendLine(violation.ToString());
        }

        if (dropped > 0)
        {
            text.Append("  … ").Append(dropped).AppendLine(" more not kept");
        }

        if (suppressed > 0)
        {
            text.Append("  (").Append(suppressed).AppendLine(" repeated device-access reports suppressed)");
        }

        return text.ToString();
    }

    internal void OnMap(DeviceId device, MappingKind kind, KBuffer? buffer, ulong address, int length, DmaDirection direction)
    {
        var entry = new DmaDebugEntry(device, kind, buffer, address, length, direction, CallSite());
        if (IsWholeRegion(kind))
        {
            entry.Checked = true; // a coherent allocation or VFIO map fails as a whole, with nothing to check
        }

        DeviceState state = State(device);
        lock (state.Lock)
        {
            state.Add(entry);
            if (buffer is not null && direction is DmaDirection.FromDevice or DmaDirection.Bidirectional && !IsWholeRegion(kind))
            {
                TakeOwnership(entry);
            }
        }
    }

    /// <summary>Coherent buffers and VFIO mappings are released whole, by address alone: no length or direction to compare, no ownership to pass.</summary>
    private static bool IsWholeRegion(MappingKind kind) => kind is MappingKind.Coherent or MappingKind.Vfio;

    internal void OnMappingErrorCheck(DeviceId device, ulong address)
    {
        if (_devices.TryGetValue(device, out DeviceState? state))
        {
            lock (state.Lock)
            {
                foreach (DmaDebugEntry entry in state.At(address))
                {
                    entry.Checked = true;
                }
            }
        }
    }

    /// <summary>A failed mapping's address was given to unmap or sync.</summary>
    internal void OnFailedMappingUsed(DeviceId device, int length, DmaDirection direction, string call) =>
        Raise(new DmaViolation(RuleIds.UncheckedMapping, device, DmaAddr.Error, length, direction,
            $"{call} of a failed mapping: MappingError was not checked, and a failed mapping holds nothing to release", null));

    /// <summary>Checks an unmap against the tracked mapping; <paramref name="refused"/> says the DMA layer rejected it.</summary>
    internal void OnUnmap(DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction, bool refused)
    {
        DeviceState state = State(device);
        lock (state.Lock)
        {
            OnUnmapLocked(state, device, kind, address, length, direction, refused);
        }
    }

    private void OnUnmapLocked(DeviceState state, DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction, bool refused)
    {
        DmaDebugEntry? entry = state.Find(address, kind);
        string call = kind switch
        {
            MappingKind.Coherent => "FreeCoherent",
            MappingKind.Vfio => "VFIO UnmapDma",
            MappingKind.ScatterGather => "UnmapSg",
            _ => "UnmapSingle",
        };
        if (entry is null)
        {
            bool recent = state.WasUnmapped(address);
            Raise(new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                recent ? $"{call} of an address already unmapped (double unmap or free)" : $"{call} of an address this device never mapped", null));
            return;
        }

        CheckChecked(entry, call);
        if (!IsWholeRegion(kind) && entry.Length != length)
        {
            Raise(entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with length {length}, but the mapping is {entry.Length} bytes"));
        }

        if (!IsWholeRegion(kind) && entry.Direction != direction)
        {
            Raise(entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with direction {direction}, but the mapping is {entry.Direction}"));
        }

        if (!refused)
        {
            state.Remove(entry);
            ReleaseOwnership(entry);
        }
    }

    internal void OnSync(DeviceId device, ulong address, int length, DmaDirection direction, bool forCpu, bool refused)
    {
        DeviceState state = State(device);
        lock (state.Lock)
        {
            OnSyncLocked(state, device, address, length, direction, forCpu, refused);
        }
    }

    private void OnSyncLocked(DeviceState state, DeviceId device, ulong address, int length, DmaDirection direction, bool forCpu, bool refused)
    {
        string call = forCpu ? "SyncForCpu" : "SyncForDevice";
        DmaDebugEntry? entry = state.Containing(address, (ulong)length);
        if (entry is null && state.Containing(address, 1) is { } overrun)
        {
            // The sync starts inside a live mapping but runs past its end: a length error, not an unknown address.
            CheckChecked(overrun, call);
            Raise(overrun.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} of {length} bytes runs past the end of the {overrun.Length}-byte mapping at 0x{overrun.Address:x}"));
            return;
        }

        if (entry is null)
        {
            bool recent = state.WasUnmapped(address);
            Raise(new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                recent ? $"{call} of an address already unmapped" : $"{call} of a range no live mapping of this device covers", null));
            return;
        }

        CheckChecked(entry, call);
        if (entry.Direction != direction)
        {
            Raise(entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with direction {direction}, but the mapping is {entry.Direction}"));
        }

        if (refused || entry.Buffer is null || IsWholeRegion(entry.Kind) || entry.Direction == DmaDirection.ToDevice)
        {
            return;
        }

        if (forCpu && entry.DeviceOwns)
        {
            ReleaseOwnership(entry);
        }
        else if (!forCpu && !entry.DeviceOwns)
        {
            TakeOwnership(entry);
        }
    }

    internal void OnCpuAccess(KBuffer buffer)
    {
        DmaDebugEntry? entry;
        lock (_ownership)
        {
            entry = buffer.DebugOwner as DmaDebugEntry;
            if (entry is null || entry.ReportedCpuAccess)
            {
                return;
            }

            entry.ReportedCpuAccess = true;
        }

        Raise(entry.Violation(RuleIds.CpuAccessWhileDeviceOwned, entry.Address, entry.Length, entry.Direction,
            $"CPU took the Span of {buffer} while the device owns it (mapped {entry.Direction}, no SyncForCpu or unmap yet)"));
    }

    internal void OnDeviceAccess(DeviceId device, ulong address, int length, DmaAccess access)
    {
        DeviceState state = State(device);
        lock (state.Lock)
        {
            OnDeviceAccessLocked(state, device, address, length, access);
        }
    }

    private void OnDeviceAccessLocked(DeviceState state, DeviceId device, ulong address, int length, DmaAccess access)
    {
        ulong end = address + (ulong)length;
        ulong page = address >> PhysicalMemory.PageShift;
        ulong lastPage = (end - 1) >> PhysicalMemory.PageShift;
        for (; page <= lastPage; page++)
        {
            ulong from = Math.Max(address, page << PhysicalMemory.PageShift);
            ulong to = Math.Min(end, (page + 1) << PhysicalMemory.PageShift);
            DmaDebugEntry? entry = state.Covering(page, from, to);
            if (entry is not null)
            {
                CheckChecked(entry, access == DmaAccess.Write ? "device write" : "device read");
                continue;
            }

            if (!state.ReportedPages.Add(page))
            {
                Interlocked.Increment(ref _suppressed);
                continue;
            }

            string what = access == DmaAccess.Write ? "wrote" : "read";
            Raise(state.WasUnmapped(from)
                ? new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(from), (int)(to - from), DmaDirection.None,
                    $"device {what} an address after the driver unmapped it", null)
                : new DmaViolation(RuleIds.RawPhysicalAddress, device, new DmaAddr(from), (int)(to - from), DmaDirection.None,
                    $"device {what} an address that no live mapping covers: a raw physical address or a forged bus address", null));
        }
    }

    /// <summary>
    /// Physical memory was handed to a new owner: an access there by a direct-mapped device is no
    /// longer "after unmap" of the old buffer, so a raw address into it reads as DMA001.
    /// </summary>
    internal void OnAllocate(ulong physical, int length)
    {
        foreach (DeviceState state in _devices.Values)
        {
            lock (state.Lock)
            {
                state.ForgetUnmapped(physical, physical + (ulong)length);
            }
        }
    }

    /// <summary>
    /// The driver freed memory that a live mapping still pins; the free was refused (the memory stays
    /// the buffer's). Reported as the mapping not released first (DMA002), against that mapping.
    /// </summary>
    internal void OnFreeWhilePinned(KBuffer buffer, PinHolder holder)
    {
        string? mappedAt = null;
        if (_devices.TryGetValue(holder.Device, out DeviceState? state))
        {
            lock (state.Lock)
            {
                mappedAt = state.Find(holder.Address.Value, holder.Kind)?.MappedAt;
            }
        }

        Raise(new DmaViolation(RuleIds.Leak, holder.Device, holder.Address, holder.Length, holder.Direction,
            $"{buffer} freed while {holder} still maps it: the free was refused, release the mapping first", mappedAt));
    }

    internal void OnUnbind(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DeviceState? state))
        {
            return;
        }

        List<DmaDebugEntry> live;
        lock (state.Lock)
        {
            live = state.All();
        }

        foreach (DmaDebugEntry entry in live)
        {
            Raise(entry.Violation(RuleIds.Leak, entry.Address, entry.Length, entry.Direction,
                entry.Kind switch
                {
                    MappingKind.Coherent => "coherent buffer still allocated at driver unbind",
                    MappingKind.Vfio => "VFIO container mapping still live when the device left the container",
                    _ => $"{entry.Kind} mapping still live at driver unbind",
                }));
        }
    }

    /// <summary>
    /// Forgets a removed device's tracked mappings (after <see cref="OnUnbind"/> reported them), so a
    /// device plugged in later under the same id starts clean and the buffers are no longer device-owned.
    /// </summary>
    internal void OnRemove(DeviceId device)
    {
        if (_devices.TryRemove(device, out DeviceState? state))
        {
            lock (state.Lock)
            {
                foreach (DmaDebugEntry entry in state.All())
                {
                    ReleaseOwnership(entry);
                }
            }
        }
    }

    private static string CallSite()
    {
        // The first frame outside the runtime is the driver code that made the mapping.
        var trace = new StackTrace(2, fNeedFileInfo: false);
        for (int i = 0; i < trace.FrameCount; i++)
        {
            var method = trace.GetFrame(i)?.GetMethod();
            if (method?.DeclaringType is { } type && type.Assembly != typeof(DmaDebug).Assembly)
            {
                return $"{type.FullName}.{method.Name}";
            }
        }

        return "<runtime>";
    }

    private void CheckChecked(DmaDebugEntry entry, string use)
    {
        if (!entry.Checked && !entry.ReportedUnchecked)
        {
            entry.ReportedUnchecked = true;
            Raise(entry.Violation(RuleIds.UncheckedMapping, entry.Address, entry.Length, entry.Direction,
                $"{use} of a mapping whose MappingError was never checked"));
        }
    }

    /// <summary>The device owns the entry's buffer from now on (the caller holds the entry's device lock).</summary>
    private void TakeOwnership(DmaDebugEntry entry)
    {
        KBuffer buffer = entry.Buffer!;
        lock (_ownership)
        {
            entry.DeviceOwns = true;
            if (!_owners.TryGetValue(buffer, out List<DmaDebugEntry>? owners))
            {
                owners = new List<DmaDebugEntry>(1);
                _owners.Add(buffer, owners);
            }

            owners.Add(entry);
            buffer.DeviceOwners = owners.Count;
            buffer.DebugOwner = entry;
        }
    }

    private void ReleaseOwnership(DmaDebugEntry entry)
    {
        if (!entry.DeviceOwns || entry.Buffer is not { } buffer)
        {
            return;
        }

        lock (_ownership)
        {
            entry.DeviceOwns = false;
            if (!_owners.TryGetValue(buffer, out List<DmaDebugEntry>? owners))
            {
                return;
            }

            owners.Remove(entry);
            buffer.DeviceOwners = owners.Count;
            if (owners.Count == 0)
            {
                _owners.Remove(buffer);
                buffer.DebugOwner = null;
            }
            else if (ReferenceEquals(buffer.DebugOwner, entry))
            {
                // Another live mapping still gives a device the buffer: report against that one from now on.
                buffer.DebugOwner = owners[^1];
            }
        }
    }

    private void Raise(DmaViolation violation)
    {
        lock (_violationsLock)
        {
            if (_violations.Count < Capacity)
            {
                _violations.Add(violation);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }

        if (Mode == DmaDebugMode.Throw)
        {
            throw new DmaDebugException(violation);
        }
    }

    private DeviceState State(DeviceId device) => _devices.GetOrAdd(device, static _ => new DeviceState());

    /// <summary>Live entries of one device, indexed by start address and by bus page.</summary>
    private sealed class DeviceState
    {
        private readonly Dictionary<ulong, List<DmaDebugEntry>> _byAddress = new();
        private readonly Dictionary<ulong, List<DmaDebugEntry>> _byPage = new();
        private readonly (ulong Address, ulong End)[] _recent = new (ulong, ulong)[RecentUnmaps];
        private int _recentNext;

        /// <summary>Guards this device's tables.</summary>
        public object Lock { get; } = new();

        public int Live { get; private set; }

        public HashSet<ulong> ReportedPages { get; } = new();

        public void Add(DmaDebugEntry entry)
        {
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

            _recent[_recentNext] = (entry.Address, entry.End);
            _recentNext = (_recentNext + 1) % RecentUnmaps;
            Live--;
        }

        public IEnumerable<DmaDebugEntry> At(ulong address) =>
            _byAddress.TryGetValue(address, out var list) ? list : Enumerable.Empty<DmaDebugEntry>();

        public List<DmaDebugEntry> All() => _byAddress.Values.SelectMany(list => list).ToList();

        public DmaDebugEntry? Find(ulong address, MappingKind kind) =>
            At(address).FirstOrDefault(e => e.Kind == kind) ?? At(address).FirstOrDefault();

        public DmaDebugEntry? Containing(ulong address, ulong length) =>
            _byPage.TryGetValue(address >> PhysicalMemory.PageShift, out var list)
                ? list.FirstOrDefault(e => e.Covers(address, address + length))
                : null;

        public DmaDebugEntry? Covering(ulong page, ulong from, ulong to)
        {
            if (!_byPage.TryGetValue(page, out var list))
            {
                return null;
            }

            foreach (DmaDebugEntry entry in list)
            {
                if (entry.Covers(from, to))
                {
                    return entry;
                }
            }

            return null;
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
            foreach ((ulong start, ulong end) in _recent)
            {
                if (address >= start && address < end)
                {
                    return true;
                }
            }

            return false;
        }

        private static List<DmaDebugEntry> Bucket(Dictionary<ulong, List<DmaDebugEntry>> index, ulong key)
        {
            if (!index.TryGetValue(key, out var list))
            {
                list = new List<DmaDebugEntry>(1);
                index.Add(key, list);
            }

            return list;
        }
    }
}
