namespace DmaDiscipline.Runtime;

/// <summary>
/// What the debug layer found when it checked a release or sync before the DMA layer acted on it:
/// the tracked mapping the call names (if any), whether the DMA layer may go ahead, and the
/// violations to report once both layers are updated. Checking first and reporting last is what
/// keeps <see cref="DmaDebugMode.Throw"/> consistent: a call that throws has either completed in
/// both layers or changed neither.
/// </summary>
internal readonly struct DmaDebugVerdict
{
    public DmaDebugVerdict(DeviceId device, DmaDebugEntry? entry, bool proceed, List<DmaViolation>? violations)
    {
        Device = device;
        Entry = entry;
        Proceed = proceed;
        Violations = violations;
    }

    public DeviceId Device { get; }

    /// <summary>The live mapping the call names; null when it names none.</summary>
    public DmaDebugEntry? Entry { get; }

    /// <summary>False when the call names no live mapping of its kind: the DMA layer must not act on it.</summary>
    public bool Proceed { get; }

    public List<DmaViolation>? Violations { get; }
}
