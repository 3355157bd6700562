using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace DmaDiscipline.Runtime;

/// <summary>
/// The DMA debug layer (Linux's <c>kernel/dma/debug.c</c> with the checks of Windows Driver
/// Verifier's DMA verification, extended to watch device accesses too). It observes every DMA API
/// call and every device memory access from outside the DMA machinery, tracks live mappings per
/// device, and reports each mistake under the id of the static rule that would have caught it:
/// DMA001 device access no mapping covers (a raw physical address, caught at run time even in
/// passthrough); DMA002 leak at unbind; DMA003 mapping used or unmapped without a
/// <see cref="DmaApi.MappingError"/> check; DMA004 release or sync that does not match the map
/// (length, direction, or the wrong function: a coherent buffer or a scatter-gather segment
/// released with <see cref="DmaApi.UnmapSingle"/>) and a device writing into a ToDevice mapping;
/// DMA005 CPU access to a buffer the device owns, and device-writable mappings that share a cache
/// line (dma-debug's "cacheline tracking EEXIST", double mappings included); DMA006 use or
/// release after release, of an unknown address, or of the DMA API of a removed device.
/// </summary>
/// <remarks>
/// Every release and sync is checked <em>before</em> the DMA layer acts on it, and reported after
/// both layers were updated: in <see cref="DmaDebugMode.Throw"/> a call that throws has either
/// completed in both (the mapping is gone from the DMA layer and from the debug layer) or changed
/// neither, so later correct calls are never blamed for it. A call that names no live mapping of its
/// kind is not passed to the DMA layer at all.
/// <para>
/// Thread safety: every member may be called from any thread. The tables are sharded by device, each
/// under its own lock (threads on different devices do not meet); the machine-wide cache-line table
/// and buffer ownership shared between devices are sharded (by page, by buffer) with a lock per shard,
/// and the list of violations has a lock, always taken after a device's and in that order. No lock of
/// the debug layer is held while the DMA layer acts: a release or sync is checked under the device's
/// lock, the DMA layer acts, and the result is completed under the lock again. A mapping whose release has been checked is claimed, so a second
/// release racing with it is reported as a double unmap, and a sync that raced with its release is
/// reported as use after unmap, never silently dropped.
/// </para>
/// </remarks>
public sealed class DmaDebug
{
    /// <summary>Violations kept; later ones are only counted in <see cref="Dropped"/>.</summary>
    public const int Capacity = 10_000;

    /// <summary>Largest <see cref="StackDepth"/>.</summary>
    public const int MaxStackDepth = 32;

    private readonly ConcurrentDictionary<DeviceId, DebugDeviceState> _devices = new();
    private readonly List<DmaViolation> _violations = new();
    private readonly object _violationsLock = new();

    // Machine-wide (mappings of every device): sharded by page, a lock per shard, taken after a device's.
    private readonly ActiveCacheLines _lines = new();

    // Buffer ownership can span devices (one buffer mapped for two): sharded by buffer, a lock per
    // shard, taken after a device's, so devices on different CPUs do not meet on one lock.
    private readonly Dictionary<KBuffer, List<DmaDebugEntry>>[] _owners =
        Enumerable.Range(0, 64).Select(_ => new Dictionary<KBuffer, List<DmaDebugEntry>>(ReferenceEqualityComparer.Instance)).ToArray();

    // Replaced whole, never changed in place: readers take the reference once.
    private System.Collections.Frozen.FrozenSet<DeviceId>? _filter; // frozen: a caller that casts DeviceFilter back cannot change it under the reporting threads
    private int _stackDepth = 1;
    private long _dropped;
    private long _suppressed;
    private long _filtered;

    /// <summary>Creates a debug layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined <see cref="DmaDebugMode"/>.</exception>
    public DmaDebug(DmaDebugMode mode)
    {
        if (mode is not (DmaDebugMode.Off or DmaDebugMode.Collect or DmaDebugMode.Throw))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "The debug mode is Off, Collect or Throw.");
        }

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

    /// <summary>Violations of devices outside <see cref="DeviceFilter"/>, counted but neither kept nor thrown.</summary>
    public long Filtered => Interlocked.Read(ref _filtered);

    /// <summary>
    /// Frames of the driver's call stack recorded for each mapping (default 1: the calling method),
    /// shown as <see cref="DmaViolation.MappedAt"/> innermost first, separated by <c>" &lt;- "</c>
    /// (dma-debug's stack trace of the mapping). Frames inside the runtime are never counted.
    /// Applies to mappings made after it is set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not from 1 to <see cref="MaxStackDepth"/>.</exception>
    public int StackDepth
    {
        get => Volatile.Read(ref _stackDepth);
        set
        {
            if (value is < 1 or > MaxStackDepth)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The mapping-site stack depth is 1 to {MaxStackDepth} frames.");
            }

            Volatile.Write(ref _stackDepth, value);
        }
    }

    /// <summary>
    /// The devices whose violations are reported, or null for every device (the default). Like
    /// dma-debug's <c>driver_filter</c>, the filter decides only what is reported: every device's
    /// mappings stay tracked, so changing the filter mid-run never produces false reports. The set is
    /// the debug layer's own read-only copy.
    /// </summary>
    public IReadOnlyCollection<DeviceId>? DeviceFilter => Volatile.Read(ref _filter);

    /// <summary>Number of reported violations with a rule id.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="ruleId"/> is null.</exception>
    public int CountOf(string ruleId)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        return Violations.Count(v => v.RuleId == ruleId);
    }

    /// <summary>Violations of one device.</summary>
    public IEnumerable<DmaViolation> For(DeviceId device) => Violations.Where(v => v.Device == device);

    /// <summary>Live streaming mappings and coherent buffers of a device.</summary>
    public int LiveMappings(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            return 0;
        }

        lock (state.Lock)
        {
            return state.Live;
        }
    }

    /// <summary>Reports violations of these devices only (see <see cref="DeviceFilter"/>); null reports every device again.</summary>
    /// <exception cref="ArgumentException">The set is empty (a filter that reports nothing is <see cref="DmaDebugMode.Off"/>'s job).</exception>
    public void SetDeviceFilter(IEnumerable<DeviceId>? devices)
    {
        if (devices is null)
        {
            Volatile.Write(ref _filter, null);
            return;
        }

        var filter = System.Collections.Frozen.FrozenSet.ToFrozenSet(devices); // a copy: changing the caller's collection later changes nothing
        if (filter.Count == 0)
        {
            throw new ArgumentException("A device filter names at least one device; pass null to report every device.", nameof(devices));
        }

        Volatile.Write(ref _filter, filter);
    }

    /// <summary>Forgets the reported violations (tracking of live mappings continues).</summary>
    public void ClearViolations()
    {
        lock (_violationsLock)
        {
            _violations.Clear();
            Interlocked.Exchange(ref _dropped, 0);
            Interlocked.Exchange(ref _suppressed, 0);
            Interlocked.Exchange(ref _filtered, 0);
        }
    }

    /// <summary>A printable report: counts per rule, then each violation.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        IReadOnlyList<DmaViolation> violations;
        long dropped, suppressed, filtered;
        lock (_violationsLock)
        {
            // One consistent picture: the counters are reset together with the list.
            violations = _violations.ToArray();
            dropped = Dropped;
            suppressed = Suppressed;
            filtered = Filtered;
        }

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

        if (filtered > 0)
        {
            text.Append("  (").Append(filtered).AppendLine(" violation(s) of devices outside the filter not shown)");
        }

        return text.ToString();
    }

    /// <summary>
    /// Checks a streaming mapping before it is made: device-writable memory must not share a cache
    /// line with another live device-writable mapping. Reports (and in Throw mode throws)
    /// before anything is mapped. Two overlapping mappings made at the same instant by two threads
    /// can both pass (the check and the record are not one step, as the DMA layer maps in between).
    /// </summary>
    internal void CheckMap(DeviceId device, KBuffer buffer, int offset, int length, DmaDirection direction)
    {
        ulong start = buffer.Physical.Value + (ulong)offset;
        DmaDebugEntry? other;
        other = _lines.FindConflict(start, start + (ulong)length, direction);

        if (other is not null)
        {
            Raise(Overlap(device, other, start, length, direction));
        }
    }

    /// <summary><see cref="CheckMap"/> for every CPU segment of a list, before it is mapped.</summary>
    internal void CheckMapSg(DeviceId device, ScatterList list, DmaDirection direction)
    {
        List<DmaViolation>? found = null;
        for (int i = 0; i < list.Count; i++)
        {
            ulong start = list.Buffer(i).Physical.Value + (ulong)list.Offset(i);
            ulong end = start + (ulong)list.Length(i);
            DmaDebugEntry? other;
            other = _lines.FindConflict(start, end, direction);

            if (other is not null)
            {
                Add(ref found, Overlap(device, other, start, list.Length(i), direction));
            }

            for (int j = 0; j < i; j++)
            {
                // Two segments of one list in the same cache line are the same mistake.
                ulong otherStart = list.Buffer(j).Physical.Value + (ulong)list.Offset(j);
                ulong otherEnd = otherStart + (ulong)list.Length(j);
                if (direction != DmaDirection.ToDevice && otherStart / ActiveCacheLines.LineSize <= (end - 1) / ActiveCacheLines.LineSize
                    && start / ActiveCacheLines.LineSize <= (otherEnd - 1) / ActiveCacheLines.LineSize)
                {
                    Add(ref found, new DmaViolation(RuleIds.CpuAccessWhileDeviceOwned, device, DmaAddr.Error, list.Length(i), direction,
                        $"scatter-gather segments {j} and {i} share a cache line while the device writes them (overlapping mappings are not supported)", CallSite()));
                }
            }
        }

        Raise(found);
    }

    internal void OnMap(DeviceId device, MappingKind kind, KBuffer? buffer, ulong address, int length, DmaDirection direction, (ulong Start, ulong End)[]? physicalRanges = null)
    {
        var entry = new DmaDebugEntry(device, kind, buffer, address, length, direction, CallSite(), physicalRanges);
        DebugDeviceState state = State(device);
        lock (state.Lock)
        {
            Track(state, entry);
        }
    }

    /// <summary>Tracks each DMA segment of a mapped list; the first carries the CPU segments for the cache-line check.</summary>
    internal void OnMapSg(DeviceId device, ScatterList list, int count, DmaDirection direction)
    {
        var ranges = new (ulong Start, ulong End)[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            ulong start = list.Buffer(i).Physical.Value + (ulong)list.Offset(i);
            ranges[i] = (start, start + (ulong)list.Length(i));
        }

        string mappedAt = CallSite();
        DebugDeviceState state = State(device);
        lock (state.Lock)
        {
            for (int i = 0; i < count; i++)
            {
                // A scatter-gather map is checked by its returned count, not by MappingError.
                var entry = new DmaDebugEntry(device, MappingKind.ScatterGather, count == list.Count ? list.Buffer(i) : null,
                    list.DmaAddress(i).Value, list.DmaLength(i), direction, mappedAt, i == 0 ? ranges : null)
                {
                    Checked = true,
                };
                Track(state, entry);
            }
        }
    }

    internal void OnMappingErrorCheck(DeviceId device, ulong address)
    {
        if (_devices.TryGetValue(device, out DebugDeviceState? state))
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

    /// <summary>
    /// The DMA API of a removed device was called (Driver Verifier: use of a DMA adapter after it was
    /// released). Recorded, never thrown: the caller throws <see cref="ObjectDisposedException"/> in every mode.
    /// </summary>
    internal void OnUseAfterRemoval(DeviceId device, string call) =>
        Record(new DmaViolation(RuleIds.UseAfterUnmap, device, DmaAddr.Error, 0, DmaDirection.None,
            $"{call} on the DMA API of a device that was removed (use of a released DMA adapter)", null));

    /// <summary>
    /// Checks a release (unmap, coherent free, VFIO unmap) before the DMA layer acts: which live
    /// mapping it names, whether the DMA layer may act, and what to report once it has. A mapping
    /// the verdict lets go ahead is claimed until <see cref="CompleteRelease"/>: a second release
    /// checked meanwhile (another thread) is a double release and never reaches the DMA layer.
    /// </summary>
    internal DmaDebugVerdict CheckRelease(DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction)
    {
        DebugDeviceState state = State(device);
        lock (state.Lock)
        {
            return CheckReleaseLocked(state, device, kind, address, length, direction);
        }
    }

    private static DmaDebugVerdict CheckReleaseLocked(DebugDeviceState state, DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction)
    {
        string call = CallName(kind);
        DmaDebugEntry? entry = state.FindForRelease(address, kind, length, direction, out bool releasedBefore, out bool releasing);
        List<DmaViolation>? found = null;
        if (entry is null)
        {
            Add(ref found, new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                releasing ? $"{call} of an address another thread is releasing at the same time (double unmap or free)"
                : releasedBefore ? $"{call} of an address already unmapped (double unmap or free)"
                : $"{call} of an address this device never mapped", null));
            return new DmaDebugVerdict(state, null, proceed: false, found);
        }

        if (entry.Kind != kind)
        {
            // dma-debug: "device driver frees DMA memory with wrong function". The right release is
            // still owed, so the mapping stays live (and is a DMA002 leak if it never comes).
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} of a {Describe(entry.Kind)}: released with the wrong function (it needs {CallName(entry.Kind)}); nothing was released"));
            return new DmaDebugVerdict(state, entry, proceed: false, found);
        }

        if (!entry.Checked && !entry.ReportedUnchecked)
        {
            entry.ReportedUnchecked = true;
            Add(ref found, entry.Violation(RuleIds.UncheckedMapping, entry.Address, entry.Length, entry.Direction,
                $"{call} of a mapping whose MappingError was never checked"));
        }

        if (!DebugDeviceState.IsWholeRegion(kind) && entry.Length != length)
        {
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with length {length}, but the mapping is {entry.Length} bytes"));
        }

        if (!DebugDeviceState.IsWholeRegion(kind) && entry.Direction != direction)
        {
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with direction {direction}, but the mapping is {entry.Direction}"));
        }

        entry.Releasing = true;
        return new DmaDebugVerdict(state, entry, proceed: true, found);
    }

    /// <summary>Updates the debug state after the DMA layer acted on a checked release (<paramref name="refused"/>: it did not), then reports.</summary>
    internal void CompleteRelease(DmaDebugVerdict verdict, bool refused)
    {
        Finish(verdict, refused);
        Raise(verdict.Violations);
    }

    /// <summary>Completes the releases of one call (every segment of a list) together, then reports them together.</summary>
    internal void CompleteReleases(DmaDebugVerdict[] verdicts, bool refused)
    {
        List<DmaViolation>? found = null;
        foreach (DmaDebugVerdict verdict in verdicts)
        {
            Finish(verdict, refused);
            foreach (DmaViolation violation in verdict.Violations ?? Enumerable.Empty<DmaViolation>())
            {
                Add(ref found, violation);
            }
        }

        Raise(found);
    }

    /// <summary>A coherent buffer freed a second time: nothing is looked up (its bus address may already name a newer buffer).</summary>
    internal void OnDoubleFree(DeviceId device, ulong address, int length) =>
        Raise(new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, DmaDirection.Bidirectional,
            "FreeCoherent of a coherent buffer already freed (double free)", null));

    /// <summary>A release the DMA layer already carried out (a VFIO unmap): check and complete at once.</summary>
    internal void OnUnmap(DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction, bool refused) =>
        CompleteRelease(CheckRelease(device, kind, address, length, direction), refused);

    /// <summary>Checks a sync before the DMA layer acts: the range must lie inside one live mapping of this device.</summary>
    internal DmaDebugVerdict CheckSync(DeviceId device, ulong address, int length, DmaDirection direction, bool forCpu)
    {
        DebugDeviceState state = State(device);
        lock (state.Lock)
        {
            return CheckSyncLocked(state, device, address, length, direction, forCpu);
        }
    }

    private static DmaDebugVerdict CheckSyncLocked(DebugDeviceState state, DeviceId device, ulong address, int length, DmaDirection direction, bool forCpu)
    {
        string call = forCpu ? "SyncForCpu" : "SyncForDevice";
        DmaDebugEntry? entry = state.Containing(address, (ulong)length);
        List<DmaViolation>? found = null;
        if (entry is null && state.Containing(address, 1) is { } overrun)
        {
            // The sync starts inside a live mapping but runs past its end: a length error, not an unknown address.
            CheckChecked(overrun, call, ref found);
            Add(ref found, overrun.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} of {length} bytes runs past the end of the {overrun.Length}-byte mapping at 0x{overrun.Address:x}"));
            return new DmaDebugVerdict(state, null, proceed: false, found);
        }

        if (entry is null)
        {
            bool recent = state.WasUnmapped(address);
            Add(ref found, new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                recent ? $"{call} of an address already unmapped" : $"{call} of a range no live mapping of this device covers", null));
            return new DmaDebugVerdict(state, null, proceed: false, found);
        }

        CheckChecked(entry, call, ref found);
        if (entry.Direction != direction)
        {
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with direction {direction}, but the mapping is {entry.Direction}"));
        }

        return new DmaDebugVerdict(state, entry, proceed: true, found);
    }

    /// <summary>Passes buffer ownership after the DMA layer synced (unless it <paramref name="refused"/>), then reports.</summary>
    internal void CompleteSync(DmaDebugVerdict verdict, bool forCpu, bool refused)
    {
        List<DmaViolation>? found = verdict.Violations;
        PassOwnership(verdict, forCpu, refused, ref found);
        Raise(found);
    }

    /// <summary><see cref="CompleteSync"/> for every segment of a list: all ownership passes first, then one report.</summary>
    internal void CompleteSyncs(DmaDebugVerdict[] verdicts, bool forCpu, bool[] refused)
    {
        List<DmaViolation>? found = null;
        for (int i = 0; i < verdicts.Length; i++)
        {
            foreach (DmaViolation violation in verdicts[i].Violations ?? Enumerable.Empty<DmaViolation>())
            {
                Add(ref found, violation);
            }

            PassOwnership(verdicts[i], forCpu, refused[i], ref found);
        }

        Raise(found);
    }

    /// <summary>
    /// After the DMA layer synced: the device or the CPU owns the buffer from now on. A sync whose
    /// mapping another thread released between the check and now passes nothing, and if the DMA
    /// layer refused it for that reason it is reported as use after unmap (never dropped silently).
    /// </summary>
    private void PassOwnership(DmaDebugVerdict verdict, bool forCpu, bool refused, ref List<DmaViolation>? found)
    {
        if (!verdict.Proceed || verdict.Entry is not { } entry)
        {
            return;
        }

        lock (verdict.State.Lock)
        {
            if (entry.Released)
            {
                if (refused)
                {
                    Add(ref found, new DmaViolation(RuleIds.UseAfterUnmap, entry.Device, new DmaAddr(entry.Address), entry.Length, entry.Direction,
                        $"{(forCpu ? "SyncForCpu" : "SyncForDevice")} of a mapping another thread unmapped during the call", entry.MappedAt));
                }

                return;
            }

            if (refused || entry.Buffer is null || DebugDeviceState.IsWholeRegion(entry.Kind) || entry.Direction == DmaDirection.ToDevice)
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
    }

    internal void OnCpuAccess(KBuffer buffer)
    {
        DmaDebugEntry? entry;
        lock (OwnersOf(buffer))
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

    /// <summary>Depth of device work (a transport processing a queue) on this thread; see <see cref="CheckDeviceAccess"/>.</summary>
    [ThreadStatic]
    private static int t_deviceWork;

    /// <summary>The first Throw-mode violation of device accesses in this thread's device work, thrown when it ends.</summary>
    [ThreadStatic]
    private static DmaDebugException? t_deferred;

    /// <summary>
    /// A device access, seen before it is translated; false when Throw mode refuses it inside device
    /// work (<see cref="BeginDeviceWork"/>): the exception is kept for <see cref="EndDeviceWork"/> and the
    /// device sees the transaction fail, so a queue's processing is never cut short halfway through a
    /// request (the request completes with the device's error, then the driver's call throws). Outside
    /// device work (a test calling <see cref="Device.Bus"/> itself) it throws at once.
    /// </summary>
    internal bool CheckDeviceAccess(DeviceId device, ulong address, int length, DmaAccess access)
    {
        if (t_deviceWork == 0)
        {
            OnDeviceAccess(device, address, length, access);
            return true;
        }

        try
        {
            OnDeviceAccess(device, address, length, access);
            return true;
        }
        catch (DmaDebugException refused)
        {
            t_deferred ??= refused;
            return false;
        }
    }

    /// <summary>The calling thread starts device work (nested: an interrupt handler may notify another queue).</summary>
    internal static void BeginDeviceWork() => t_deviceWork++;

    /// <summary>Ends device work; at the outermost end, throws the first device-access violation Throw mode refused during it.</summary>
    internal static void EndDeviceWork(bool rethrow)
    {
        if (--t_deviceWork != 0)
        {
            return;
        }

        DmaDebugException? deferred = t_deferred;
        t_deferred = null;
        if (rethrow && deferred is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(deferred);
        }
    }

    /// <summary>A device access, seen before it is translated: reported (and in Throw mode refused) before any byte moves.</summary>
    internal void OnDeviceAccess(DeviceId device, ulong address, int length, DmaAccess access)
    {
        DebugDeviceState state = State(device);
        List<DmaViolation>? found = null;
        lock (state.Lock)
        {
            OnDeviceAccessLocked(state, device, address, length, access, ref found);
        }

        Raise(found);
    }

    private void OnDeviceAccessLocked(DebugDeviceState state, DeviceId device, ulong address, int length, DmaAccess access, ref List<DmaViolation>? found)
    {
        ulong end = address + (ulong)length;
        ulong page = address >> PhysicalMemory.PageShift;
        ulong lastPage = (end - 1) >> PhysicalMemory.PageShift;
        for (; page <= lastPage; page++)
        {
            ulong from = Math.Max(address, page << PhysicalMemory.PageShift);
            ulong to = Math.Min(end, (page + 1) << PhysicalMemory.PageShift);
            DmaDebugEntry? entry = state.Covering(page, from, to, access);
            if (entry is not null)
            {
                CheckChecked(entry, access == DmaAccess.Write ? "device write" : "device read", ref found);
                if (access == DmaAccess.Write && entry.Direction == DmaDirection.ToDevice && !entry.ReportedDeviceWrite)
                {
                    // A translated domain also faults this (read-only entry); identity and direct DMA let it through.
                    entry.ReportedDeviceWrite = true;
                    Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, from, (int)(to - from), DmaDirection.FromDevice,
                        "device wrote into a ToDevice mapping: the driver mapped it with the wrong direction"));
                }

                continue;
            }

            if (!state.ReportedPages.Add(page))
            {
                Interlocked.Increment(ref _suppressed);
                continue;
            }

            string what = access == DmaAccess.Write ? "wrote" : "read";
            Add(ref found, state.WasUnmapped(from)
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
        foreach (DebugDeviceState state in _devices.Values)
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
        if (_devices.TryGetValue(holder.Device, out DebugDeviceState? state))
        {
            lock (state.Lock)
            {
                mappedAt = state.At(holder.Address.Value).FirstOrDefault(e => e.Kind == holder.Kind)?.MappedAt;
            }
        }

        Raise(new DmaViolation(RuleIds.Leak, holder.Device, holder.Address, holder.Length, holder.Direction,
            $"{buffer} freed while {holder} still maps it: the free was refused, release the mapping first", mappedAt));
    }

    /// <summary>Reports every mapping still live at driver unbind (DMA002); all are recorded before Throw mode throws the first.</summary>
    internal void OnUnbind(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            return;
        }

        List<DmaDebugEntry> live;
        lock (state.Lock)
        {
            live = state.All();
        }

        List<DmaViolation>? found = null;
        foreach (DmaDebugEntry entry in live)
        {
            Add(ref found, entry.Violation(RuleIds.Leak, entry.Address, entry.Length, entry.Direction,
                entry.Kind switch
                {
                    MappingKind.Coherent => "coherent buffer still allocated at driver unbind",
                    MappingKind.Vfio => "VFIO container mapping still live when the device left the container",
                    _ => $"{entry.Kind} mapping still live at driver unbind",
                }));
        }

        Raise(found);
    }

    /// <summary>
    /// Forgets a removed device's tracked mappings (after <see cref="OnUnbind"/> reported them), so a
    /// device plugged in later under the same id starts clean and the buffers are no longer device-owned.
    /// </summary>
    internal void OnRemove(DeviceId device)
    {
        if (_devices.TryRemove(device, out DebugDeviceState? state))
        {
            lock (state.Lock)
            {
                foreach (DmaDebugEntry entry in state.All())
                {
                    entry.Released = true;
                    _lines.Remove(entry);

                    ReleaseOwnership(entry);
                }
            }
        }
    }

    /// <summary>
    /// A map that completed on another thread after its device was removed (and after <see cref="OnRemove"/>
    /// forgot the device's mappings) undid itself in the DMA layer: its entry goes too, so nothing of a
    /// removed device stays tracked.
    /// </summary>
    internal void ForgetAfterRemoval(DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction)
    {
        if (!_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            return;
        }

        lock (state.Lock)
        {
            DmaDebugEntry? entry = state.At(address).FirstOrDefault(e => e.Kind == kind && e.Length == length && e.Direction == direction && !e.Released && !e.Releasing);
            if (entry is not null)
            {
                entry.Released = true;
                state.Remove(entry);
                _lines.Remove(entry);
                ReleaseOwnership(entry);
            }
        }
    }

    private static string CallName(MappingKind kind) => kind switch
    {
        MappingKind.Coherent => "FreeCoherent",
        MappingKind.Vfio => "VFIO UnmapDma",
        MappingKind.ScatterGather => "UnmapSg",
        _ => "UnmapSingle",
    };

    private static string Describe(MappingKind kind) => kind switch
    {
        MappingKind.Coherent => "coherent buffer",
        MappingKind.Vfio => "VFIO mapping",
        MappingKind.ScatterGather => "scatter-gather segment",
        _ => "single mapping",
    };

    private static void Add(ref List<DmaViolation>? list, DmaViolation violation) => (list ??= new List<DmaViolation>(2)).Add(violation);

    private DmaViolation Overlap(DeviceId device, DmaDebugEntry other, ulong physical, int length, DmaDirection direction)
    {
        bool same = other.Device == device && other.PhysicalRanges.Length == 1 && other.PhysicalRanges[0] == (physical, physical + (ulong)length);
        string what = same
            ? $"double mapping: the same memory is already mapped for this device ({other})"
            : $"overlapping mapping: it shares a cache line with a live device-writable mapping of {other.Device} ({other}); overlapping mappings are not supported (cacheline tracking EEXIST)";
        return new DmaViolation(RuleIds.CpuAccessWhileDeviceOwned, device, new DmaAddr(other.Address), length, direction, what, CallSite());
    }

    private string CallSite()
    {
        // The first frames outside the runtime are the driver code that made the mapping.
        int depth = StackDepth;
        var trace = new StackTrace(2, fNeedFileInfo: false);
        StringBuilder? site = null;
        string? first = null;
        int taken = 0;
        for (int i = 0; i < trace.FrameCount && taken < depth; i++)
        {
            var method = trace.GetFrame(i)?.GetMethod();
            if (method?.DeclaringType is not { } type || type.Assembly == typeof(DmaDebug).Assembly)
            {
                if (taken == 0)
                {
                    continue;
                }

                break; // back inside the runtime (a callback): the driver's part of the stack ended
            }

            string frame = $"{type.FullName}.{method.Name}";
            if (taken++ == 0)
            {
                first = frame;
            }
            else
            {
                (site ??= new StringBuilder(first)).Append(" <- ").Append(frame);
            }
        }

        return site?.ToString() ?? first ?? "<runtime>";
    }

    private static void CheckChecked(DmaDebugEntry entry, string use, ref List<DmaViolation>? found)
    {
        if (!entry.Checked && !entry.ReportedUnchecked)
        {
            entry.ReportedUnchecked = true;
            Add(ref found, entry.Violation(RuleIds.UncheckedMapping, entry.Address, entry.Length, entry.Direction,
                $"{use} of a mapping whose MappingError was never checked"));
        }
    }

    /// <summary>Starts tracking a new mapping (the caller holds the device's lock).</summary>
    private void Track(DebugDeviceState state, DmaDebugEntry entry)
    {
        if (DebugDeviceState.IsWholeRegion(entry.Kind))
        {
            entry.Checked = true; // a coherent allocation or VFIO map fails as a whole, with nothing to check
        }

        state.Add(entry);
        _lines.Add(entry);

        if (entry.Buffer is not null && entry.DeviceWrites && !DebugDeviceState.IsWholeRegion(entry.Kind))
        {
            TakeOwnership(entry);
        }
    }

    /// <summary>Ends a checked release: the claim is dropped, and unless the DMA layer refused, the mapping is forgotten.</summary>
    private void Finish(DmaDebugVerdict verdict, bool refused)
    {
        if (!verdict.Proceed || verdict.Entry is not { } entry)
        {
            return;
        }

        lock (verdict.State.Lock)
        {
            entry.Releasing = false;
            if (!refused && !entry.Released)
            {
                entry.Released = true;
                verdict.State.Remove(entry);
                _lines.Remove(entry);

                ReleaseOwnership(entry);
            }
        }
    }

    /// <summary>
    /// Drops a checked release or sync without reporting it: its device was removed while the call was
    /// under way, and the removal (which released the mapping) is what the caller is told of
    /// (<see cref="OnUseAfterRemoval"/>). A release's claim is dropped; a sync claimed nothing.
    /// </summary>
    internal void Abandon(DmaDebugVerdict verdict, bool release)
    {
        if (release)
        {
            Finish(verdict, refused: true);
        }
    }

    /// <summary>The ownership shard of a buffer (its own lock).</summary>
    private Dictionary<KBuffer, List<DmaDebugEntry>> OwnersOf(KBuffer buffer) =>
        _owners[System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(buffer) & (_owners.Length - 1)];

    /// <summary>The device owns the entry's buffer from now on (the caller holds the entry's device lock).</summary>
    private void TakeOwnership(DmaDebugEntry entry)
    {
        KBuffer buffer = entry.Buffer!;
        Dictionary<KBuffer, List<DmaDebugEntry>> shard = OwnersOf(buffer);
        lock (shard)
        {
            entry.DeviceOwns = true;
            if (!shard.TryGetValue(buffer, out List<DmaDebugEntry>? owners))
            {
                owners = new List<DmaDebugEntry>(1);
                shard.Add(buffer, owners);
            }

            owners.Add(entry);
            buffer.DeviceOwners = owners.Count;
            buffer.DebugOwner = entry;
        }
    }

    /// <summary>The device no longer owns the entry's buffer through it (the caller holds the entry's device lock).</summary>
    private void ReleaseOwnership(DmaDebugEntry entry)
    {
        if (!entry.DeviceOwns || entry.Buffer is not { } buffer)
        {
            return;
        }

        Dictionary<KBuffer, List<DmaDebugEntry>> shard = OwnersOf(buffer);
        lock (shard)
        {
            entry.DeviceOwns = false;
            if (!shard.TryGetValue(buffer, out List<DmaDebugEntry>? owners))
            {
                return;
            }

            owners.Remove(entry);
            buffer.DeviceOwners = owners.Count;
            if (owners.Count == 0)
            {
                shard.Remove(buffer);
                buffer.DebugOwner = null;
            }
            else if (ReferenceEquals(buffer.DebugOwner, entry))
            {
                // Another live mapping still gives a device the buffer: report against that one from now on.
                buffer.DebugOwner = owners[^1];
            }
        }
    }

    /// <summary>Keeps a violation (if its device passes the filter) without throwing.</summary>
    private bool Record(DmaViolation violation)
    {
        if (Volatile.Read(ref _filter) is { } filter && !filter.Contains(violation.Device))
        {
            Interlocked.Increment(ref _filtered);
            return false;
        }

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

        return true;
    }

    private void Raise(DmaViolation violation)
    {
        if (Record(violation) && Mode == DmaDebugMode.Throw)
        {
            throw new DmaDebugException(violation);
        }
    }

    /// <summary>Records every violation of one call, then (Throw mode) throws the first one recorded.</summary>
    private void Raise(List<DmaViolation>? violations)
    {
        if (violations is null)
        {
            return;
        }

        DmaViolation? first = null;
        foreach (DmaViolation violation in violations)
        {
            if (Record(violation))
            {
                first ??= violation;
            }
        }

        if (first is not null && Mode == DmaDebugMode.Throw)
        {
            throw new DmaDebugException(first);
        }
    }

    private DebugDeviceState State(DeviceId device) => _devices.GetOrAdd(device, static _ => new DebugDeviceState());
}
