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
    public DmaDebugVerdict(DebugDeviceState state, DmaDebugEntry? entry, bool proceed, List<DmaViolation>? violations)
    {
        State = state;
        Entry = entry;
        Proceed = proceed;
        Violations = violations;
    }

    /// <summary>
    /// The device's tables the check read, completed under the same lock (not looked up again: a
    /// device removed meanwhile must not get a fresh table from the completion).
    /// </summary>
    public DebugDeviceState State { get; }

    /// <summary>The live mapping the call names; null when it names none.</summary>
    public DmaDebugEntry? Entry { get; }

    /// <summary>False when the call names no live mapping of its kind: the DMA layer must not act on it.</summary>
    public bool Proceed { get; }

    public List<DmaViolation>? Violations { get; }
}
