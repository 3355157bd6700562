namespace DmaDiscipline.Runtime.Virtio;

/// <summary>Where in a ring a descriptor was found, formatted only when an error is reported.</summary>
/// <param name="Index">The descriptor's index in the Descriptor Table / Ring, or in its indirect table.</param>
/// <param name="Head">The chain's head index (split) or first ring slot (packed).</param>
/// <param name="Indirect">Whether the descriptor is in an indirect table.</param>
internal readonly record struct DescLocation(int Index, int Head, bool Indirect)
{
    /// <inheritdoc />
    public override string ToString() =>
        Indirect ? $"indirect descriptor {Index} (chain head {Head})" : $"descriptor {Index} (chain head {Head})";
}
