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
/// </remarks>
public sealed class DmaDebug
{
    /// <summary>Violations kept; later ones are only counted in <see cref="Dropped"/>.</summary>
    public const int Capacity = 10_000;

    /// <summary>Largest <see cref="StackDepth"/>.</summary>
    public const int MaxStackDepth = 32;

    private readonly Dictionary<DeviceId, DebugDeviceState> _devices = new();
    private readonly List<DmaViolation> _violations = new();
    private readonly ActiveCacheLines _lines = new();
    private HashSet<DeviceId>? _filter;
    private int _stackDepth = 1;

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

    /// <summary>Reported violations, oldest first.</summary>
    public IReadOnlyList<DmaViolation> Violations => _violations;

    /// <summary>Violations past <see cref="Capacity"/>, counted but not kept.</summary>
    public long Dropped { get; private set; }

    /// <summary>Repeated device-access reports for a page already reported, suppressed to keep the report readable.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Violations of devices outside <see cref="DeviceFilter"/>, counted but neither kept nor thrown.</summary>
    public long Filtered { get; private set; }

    /// <summary>
    /// Frames of the driver's call stack recorded for each mapping (default 1: the calling method),
    /// shown as <see cref="DmaViolation.MappedAt"/> innermost first, separated by <c>" &lt;- "</c>
    /// (dma-debug's stack trace of the mapping). Frames inside the runtime are never counted.
    /// Applies to mappings made after it is set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not from 1 to <see cref="MaxStackDepth"/>.</exception>
    public int StackDepth
    {
        get => _stackDepth;
        set
        {
            if (value is < 1 or > MaxStackDepth)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The mapping-site stack depth is 1 to {MaxStackDepth} frames.");
            }

            _stackDepth = value;
        }
    }

    /// <summary>
    /// The devices whose violations are reported, or null for every device (the default). Like
    /// dma-debug's <c>driver_filter</c>, the filter decides only what is reported: every device's
    /// mappings stay tracked, so changing the filter mid-run never produces false reports.
    /// </summary>
    public IReadOnlyCollection<DeviceId>? DeviceFilter => _filter;

    /// <summary>Number of reported violations with a rule id.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="ruleId"/> is null.</exception>
    public int CountOf(string ruleId)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        return _violations.Count(v => v.RuleId == ruleId);
    }

    /// <summary>Violations of one device.</summary>
    public IEnumerable<DmaViolation> For(DeviceId device) => _violations.Where(v => v.Device == device);

    /// <summary>Live streaming mappings and coherent buffers of a device.</summary>
    public int LiveMappings(DeviceId device) => _devices.TryGetValue(device, out DebugDeviceState? state) ? state.Live : 0;

    /// <summary>Reports violations of these devices only (see <see cref="DeviceFilter"/>); null reports every device again.</summary>
    /// <exception cref="ArgumentException">The set is empty (a filter that reports nothing is <see cref="DmaDebugMode.Off"/>'s job).</exception>
    public void SetDeviceFilter(IEnumerable<DeviceId>? devices)
    {
        if (devices is null)
        {
            _filter = null;
            return;
        }

        var filter = new HashSet<DeviceId>(devices);
        if (filter.Count == 0)
        {
            throw new ArgumentException("A device filter names at least one device; pass null to report every device.", nameof(devices));
        }

        _filter = filter;
    }

    /// <summary>Forgets the reported violations (tracking of live mappings continues).</summary>
    public void ClearViolations()
    {
        _violations.Clear();
        Dropped = 0;
        Suppressed = 0;
        Filtered = 0;
    }

    /// <summary>A printable report: counts per rule, then each violation.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        if (_violations.Count == 0)
        {
            text.AppendLine("DMA-API debug: no violations.");
            return text.ToString();
        }

        text.Append("DMA-API debug: ").Append(_violations.Count + Dropped).AppendLine(" violation(s)");
        foreach (var group in _violations.GroupBy(v => v.RuleId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("  ").Append(group.Key).Append(": ").Append(group.Count()).AppendLine();
        }

        foreach (DmaViolation violation in _violations)
        {
            text.Append("  ").AppendLine(violation.ToString());
        }

        if (Dropped > 0)
        {
            text.Append("  … ").Append(Dropped).AppendLine(" more not kept");
        }

        if (Suppressed > 0)
        {
            text.Append("  (").Append(Suppressed).AppendLine(" repeated device-access reports suppressed)");
        }

        if (Filtered > 0)
        {
            text.Append("  (").Append(Filtered).AppendLine(" violation(s) of devices outside the filter not shown)");
        }

        return text.ToString();
    }

    /// <summary>
    /// Checks a streaming mapping before it is made: device-writable memory must not share a cache
    /// line with another live device-writable mapping. Reports (and in Throw mode throws)
    /// before anything is mapped.
    /// </summary>
    internal void CheckMap(DeviceId device, KBuffer buffer, int offset, int length, DmaDirection direction)
    {
        ulong start = buffer.Physical.Value + (ulong)offset;
        if (_lines.FindConflict(start, start + (ulong)length, direction) is { } other)
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
            if (_lines.FindConflict(start, end, direction) is { } other)
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
        if (DebugDeviceState.IsWholeRegion(kind))
        {
            entry.Checked = true; // a coherent allocation or VFIO map fails as a whole, with nothing to check
        }

        State(device).Add(entry);
        _lines.Add(entry);
        if (buffer is not null && direction is DmaDirection.FromDevice or DmaDirection.Bidirectional && !DebugDeviceState.IsWholeRegion(kind))
        {
            entry.DeviceOwns = true;
            buffer.DeviceOwners++;
            buffer.DebugOwner = entry;
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

        for (int i = 0; i < count; i++)
        {
            // A scatter-gather map is checked by its returned count, not by MappingError.
            OnMap(device, MappingKind.ScatterGather, count == list.Count ? list.Buffer(i) : null, list.DmaAddress(i).Value, list.DmaLength(i), direction, i == 0 ? ranges : null);
            OnMappingErrorCheck(device, list.DmaAddress(i).Value);
        }
    }

    internal void OnMappingErrorCheck(DeviceId device, ulong address)
    {
        if (_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            foreach (DmaDebugEntry entry in state.At(address))
            {
                entry.Checked = true;
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
    /// mapping it names, whether the DMA layer may act, and what to report once it has.
    /// </summary>
    internal DmaDebugVerdict CheckRelease(DeviceId device, MappingKind kind, ulong address, int length, DmaDirection direction)
    {
        DebugDeviceState state = State(device);
        string call = CallName(kind);
        DmaDebugEntry? entry = state.FindForRelease(address, kind, length, direction, out bool releasedBefore);
        List<DmaViolation>? found = null;
        if (entry is null)
        {
            Add(ref found, new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                releasedBefore ? $"{call} of an address already unmapped (double unmap or free)" : $"{call} of an address this device never mapped", null));
            return new DmaDebugVerdict(device, null, proceed: false, found);
        }

        if (entry.Kind != kind)
        {
            // dma-debug: "device driver frees DMA memory with wrong function". The right release is
            // still owed, so the mapping stays live (and is a DMA002 leak if it never comes).
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} of a {Describe(entry.Kind)}: released with the wrong function (it needs {CallName(entry.Kind)}); nothing was released"));
            return new DmaDebugVerdict(device, entry, proceed: false, found);
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

        return new DmaDebugVerdict(device, entry, proceed: true, found);
    }

    /// <summary>Updates the debug state after the DMA layer acted on a checked release (<paramref name="refused"/>: it did not), then reports.</summary>
    internal void CompleteRelease(DmaDebugVerdict verdict, bool refused)
    {
        if (verdict.Proceed && !refused && verdict.Entry is { } entry)
        {
            Forget(State(verdict.Device), entry);
        }

        Raise(verdict.Violations);
    }

    /// <summary>Completes the releases of one call (every segment of a list) together, then reports them together.</summary>
    internal void CompleteReleases(DmaDebugVerdict[] verdicts, bool refused)
    {
        List<DmaViolation>? found = null;
        foreach (DmaDebugVerdict verdict in verdicts)
        {
            if (verdict.Proceed && !refused && verdict.Entry is { } entry)
            {
                Forget(State(verdict.Device), entry);
            }

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
        string call = forCpu ? "SyncForCpu" : "SyncForDevice";
        DmaDebugEntry? entry = state.Containing(address, (ulong)length);
        List<DmaViolation>? found = null;
        if (entry is null && state.Containing(address, 1) is { } overrun)
        {
            // The sync starts inside a live mapping but runs past its end: a length error, not an unknown address.
            CheckChecked(overrun, call, ref found);
            Add(ref found, overrun.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} of {length} bytes runs past the end of the {overrun.Length}-byte mapping at 0x{overrun.Address:x}"));
            return new DmaDebugVerdict(device, null, proceed: false, found);
        }

        if (entry is null)
        {
            bool recent = state.WasUnmapped(address);
            Add(ref found, new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(address), length, direction,
                recent ? $"{call} of an address already unmapped" : $"{call} of a range no live mapping of this device covers", null));
            return new DmaDebugVerdict(device, null, proceed: false, found);
        }

        CheckChecked(entry, call, ref found);
        if (entry.Direction != direction)
        {
            Add(ref found, entry.Violation(RuleIds.LengthOrDirectionMismatch, address, length, direction,
                $"{call} with direction {direction}, but the mapping is {entry.Direction}"));
        }

        return new DmaDebugVerdict(device, entry, proceed: true, found);
    }

    /// <summary>Passes buffer ownership after the DMA layer synced (unless it <paramref name="refused"/>), then reports.</summary>
    internal void CompleteSync(DmaDebugVerdict verdict, bool forCpu, bool refused)
    {
        PassOwnership(verdict, forCpu, refused);
        Raise(verdict.Violations);
    }

    /// <summary><see cref="CompleteSync"/> for every segment of a list: all ownership passes first, then one report.</summary>
    internal void CompleteSyncs(DmaDebugVerdict[] verdicts, bool forCpu, bool[] refused)
    {
        List<DmaViolation>? found = null;
        for (int i = 0; i < verdicts.Length; i++)
        {
            PassOwnership(verdicts[i], forCpu, refused[i]);
            foreach (DmaViolation violation in verdicts[i].Violations ?? Enumerable.Empty<DmaViolation>())
            {
                Add(ref found, violation);
            }
        }

        Raise(found);
    }

    private void PassOwnership(DmaDebugVerdict verdict, bool forCpu, bool refused)
    {
        if (verdict.Proceed && !refused && verdict.Entry is { Buffer: not null } entry
            && !DebugDeviceState.IsWholeRegion(entry.Kind) && entry.Direction != DmaDirection.ToDevice)
        {
            if (forCpu && entry.DeviceOwns)
            {
                ReleaseOwnership(entry);
            }
            else if (!forCpu && !entry.DeviceOwns)
            {
                entry.DeviceOwns = true;
                entry.Buffer.DeviceOwners++;
                entry.Buffer.DebugOwner = entry;
            }
        }
    }

    internal void OnCpuAccess(KBuffer buffer)
    {
        if (buffer.DebugOwner is not DmaDebugEntry entry || entry.ReportedCpuAccess)
        {
            return;
        }

        entry.ReportedCpuAccess = true;
        Raise(entry.Violation(RuleIds.CpuAccessWhileDeviceOwned, entry.Address, entry.Length, entry.Direction,
            $"CPU took the Span of {buffer} while the device owns it (mapped {entry.Direction}, no SyncForCpu or unmap yet)"));
    }

    /// <summary>A device access, seen before it is translated: reported (and in Throw mode refused) before any byte moves.</summary>
    internal void OnDeviceAccess(DeviceId device, ulong address, int length, DmaAccess access)
    {
        DebugDeviceState state = State(device);
        ulong end = address + (ulong)length;
        ulong page = address >> PhysicalMemory.PageShift;
        ulong lastPage = (end - 1) >> PhysicalMemory.PageShift;
        List<DmaViolation>? found = null;
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
                Suppressed++;
                continue;
            }

            string what = access == DmaAccess.Write ? "wrote" : "read";
            Add(ref found, state.WasUnmapped(from)
                ? new DmaViolation(RuleIds.UseAfterUnmap, device, new DmaAddr(from), (int)(to - from), DmaDirection.None,
                    $"device {what} an address after the driver unmapped it", null)
                : new DmaViolation(RuleIds.RawPhysicalAddress, device, new DmaAddr(from), (int)(to - from), DmaDirection.None,
                    $"device {what} an address that no live mapping covers: a raw physical address or a forged bus address", null));
        }

        Raise(found);
    }

    /// <summary>
    /// Physical memory was handed to a new owner: an access there by a direct-mapped device is no
    /// longer "after unmap" of the old buffer, so a raw address into it reads as DMA001.
    /// </summary>
    internal void OnAllocate(ulong physical, int length)
    {
        foreach (DebugDeviceState state in _devices.Values)
        {
            state.ForgetUnmapped(physical, physical + (ulong)length);
        }
    }

    /// <summary>Reports every mapping still live at driver unbind (DMA002); all are recorded before Throw mode throws the first.</summary>
    internal void OnUnbind(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            return;
        }

        List<DmaViolation>? found = null;
        foreach (DmaDebugEntry entry in state.All())
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
        if (_devices.Remove(device, out DebugDeviceState? state))
        {
            foreach (DmaDebugEntry entry in state.All())
            {
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
        var trace = new StackTrace(2, fNeedFileInfo: false);
        StringBuilder? site = null;
        string? first = null;
        int taken = 0;
        for (int i = 0; i < trace.FrameCount && taken < _stackDepth; i++)
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

    private void Forget(DebugDeviceState state, DmaDebugEntry entry)
    {
        state.Remove(entry);
        _lines.Remove(entry);
        ReleaseOwnership(entry);
    }

    private void ReleaseOwnership(DmaDebugEntry entry)
    {
        if (entry.DeviceOwns && entry.Buffer is not null)
        {
            entry.DeviceOwns = false;
            entry.Buffer.DeviceOwners--;
            if (ReferenceEquals(entry.Buffer.DebugOwner, entry))
            {
                // Another live mapping may still give a device the buffer: report against that one from now on.
                entry.Buffer.DebugOwner = entry.Buffer.DeviceOwners == 0 ? null : OtherOwner(entry.Buffer);
            }
        }
    }

    private DmaDebugEntry? OtherOwner(KBuffer buffer)
    {
        foreach (DebugDeviceState state in _devices.Values)
        {
            foreach (DmaDebugEntry entry in state.All())
            {
                if (entry.DeviceOwns && ReferenceEquals(entry.Buffer, buffer))
                {
                    return entry;
                }
            }
        }

        return null;
    }

    /// <summary>Keeps a violation (if its device passes the filter) without throwing.</summary>
    private bool Record(DmaViolation violation)
    {
        if (_filter is not null && !_filter.Contains(violation.Device))
        {
            Filtered++;
            return false;
        }

        if (_violations.Count < Capacity)
        {
            _violations.Add(violation);
        }
        else
        {
            Dropped++;
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

    private DebugDeviceState State(DeviceId device)
    {
        if (!_devices.TryGetValue(device, out DebugDeviceState? state))
        {
            state = new DebugDeviceState();
            _devices.Add(device, state);
        }

        return state;
    }
}
