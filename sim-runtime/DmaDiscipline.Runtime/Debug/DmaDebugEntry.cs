namespace DmaDiscipline.Runtime;

/// <summary>A live mapping as the debug layer tracks it (Linux's <c>struct dma_debug_entry</c>).</summary>
internal sealed class DmaDebugEntry
{
    public DmaDebugEntry(DeviceId device, MappingKind kind, KBuffer? buffer, ulong address, int length, DmaDirection direction, string mappedAt)
    {
        Device = device;
        Kind = kind;
        Buffer = buffer;
        Address = address;
        Length = length;
        Direction = direction;
        MappedAt = mappedAt;
    }

    public DeviceId Device { get; }

    public MappingKind Kind { get; }

    public KBuffer? Buffer { get; }

    public ulong Address { get; }

    public int Length { get; }

    public DmaDirection Direction { get; }

    public string MappedAt { get; }

    /// <summary>The driver called <see cref="DmaApi.MappingError"/> on this address.</summary>
    public bool Checked { get; set; }

    /// <summary>The device owns the buffer (mapped or synced for the device, FromDevice/Bidirectional).</summary>
    public bool DeviceOwns { get; set; }

    public bool ReportedUnchecked { get; set; }

    public bool ReportedCpuAccess { get; set; }

    public ulong End => Address + (ulong)Length;

    public bool Covers(ulong address, ulong end) => address >= Address && end <= End;

    public DmaViolation Violation(string ruleId, ulong address, int length, DmaDirection direction, string message) =>
        new(ruleId, Device, new DmaAddr(address), length, direction, message, MappedAt);

    public override string ToString() =>
        $"{Kind} mapping 0x{Address:x}+{Length} {Direction} made at {MappedAt}";
}
