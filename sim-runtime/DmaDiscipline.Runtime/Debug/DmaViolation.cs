namespace DmaDiscipline.Runtime;

/// <summary>
/// One DMA debug report. <see cref="RuleId"/> is the id of the static rule that would have caught the
/// mistake before it ran (DMA001–DMA008), so a run's report and a build's warnings speak one language.
/// </summary>
/// <param name="RuleId">DMA001 … DMA008.</param>
/// <param name="Device">The device whose mapping or access it concerns.</param>
/// <param name="Address">The bus address involved.</param>
/// <param name="Length">The length the call or access used.</param>
/// <param name="Direction">The direction the call used (<see cref="DmaDirection.None"/> for device accesses).</param>
/// <param name="Message">What went wrong, in a driver engineer's words.</param>
/// <param name="MappedAt">Where the mapping involved was made (calling method), when there is one.</param>
public sealed record DmaViolation(string RuleId, DeviceId Device, DmaAddr Address, int Length, DmaDirection Direction, string Message, string? MappedAt)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{RuleId} [{Device}] {Message} (address 0x{Address.Value:x}, {Length} bytes, {Direction}{(MappedAt is null ? string.Empty : ", mapped at " + MappedAt)})";
}
