namespace DmaDiscipline.Runtime;

/// <summary>
/// A live mapping as the debug layer tracks it (Linux's <c>struct dma_debug_entry</c>). Its mutable
/// state is changed under its device's lock (<see cref="DebugDeviceState.Lock"/>); ownership and the
/// CPU-access report under the debug layer's ownership lock.
/// </summary>
internal sealed class DmaDebugEntry
{
    private static readonly (ulong Start, ulong End)[] NoRanges = [];

    public DmaDebugEntry(DeviceId device, MappingKind kind, KBuffer? buffer, ulong address, int length, DmaDirection direction, string mappedAt, (ulong Start, ulong End)[]? physicalRanges = null)
    {
        Device = device;
        Kind = kind;
        Buffer = buffer;
        Address = address;
        Length = length;
        Direction = direction;
        MappedAt = mappedAt;
        PhysicalRanges = physicalRanges ?? NoRanges;
    }

    public DeviceId Device { get; }

    public MappingKind Kind { get; }

    public KBuffer? Buffer { get; }

    public ulong Address { get; }

    public int Length { get; }

    public DmaDirection Direction { get; }

    public string MappedAt { get; }

    /// <summary>
    /// The CPU memory the mapping gives the device, as physical [start, end) ranges: one for a single
    /// mapping, every CPU segment for a scatter-gather list (held by its first DMA segment's entry),
    /// none for coherent and VFIO memory, which no streaming mapping can share.
    /// </summary>
    public (ulong Start, ulong End)[] PhysicalRanges { get; }

    /// <summary>The driver called <see cref="DmaApi.MappingError"/> on this address.</summary>
    public bool Checked { get; set; }

    /// <summary>The device owns the buffer (mapped or synced for the device, FromDevice/Bidirectional).</summary>
    public bool DeviceOwns { get; set; }

    public bool ReportedUnchecked { get; set; }

    public bool ReportedCpuAccess { get; set; }

    public bool ReportedDeviceWrite { get; set; }

    /// <summary>A release of this mapping was checked and the DMA layer is acting on it (claimed against a racing second release).</summary>
    public bool Releasing { get; set; }

    /// <summary>The mapping was released (or its device removed): no longer tracked, it passes no ownership.</summary>
    public bool Released { get; set; }

    /// <summary>When the entry was added, on its device's release clock (see <see cref="DebugDeviceState.FindForRelease"/>).</summary>
    public long Created { get; set; }

    public ulong End => Address + (ulong)Length;

    /// <summary>Whether the device may write through the mapping (what makes shared cache lines dangerous).</summary>
    public bool DeviceWrites => Direction is DmaDirection.FromDevice or DmaDirection.Bidirectional;

    public bool Covers(ulong address, ulong end) => address >= Address && end <= End;

    public DmaViolation Violation(string ruleId, ulong address, int length, DmaDirection direction, string message) =>
        new(ruleId, Device, new DmaAddr(address), length, direction, message, MappedAt);

    public override string ToString() =>
        $"{Kind} mapping 0x{Address:x}+{Length} {Direction} made at {MappedAt}";
}
