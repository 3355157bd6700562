namespace DmaDiscipline.Runtime;

/// <summary>
/// One live mapping as the DMA layer itself records it (not the debug layer's record): where it
/// starts on the bus, how long, which way, how it was made, and what it pins — the
/// <see cref="KBuffer"/> of a single mapping, the <see cref="ScatterList"/> of a scatter-gather
/// segment, the <see cref="CoherentBuffer"/> of a coherent allocation.
/// </summary>
internal readonly record struct LiveMapping(ulong Address, int Length, DmaDirection Direction, MappingKind Kind, object? Owner)
{
    public ulong End => Address + (ulong)Length;

    public ulong FirstPage => Address >> PhysicalMemory.PageShift;

    public ulong LastPage => (End - 1) >> PhysicalMemory.PageShift;

    public bool Covers(ulong address, ulong end) => address >= Address && end <= End && end > address;

    /// <summary>Whether the mapping pins <paramref name="buffer"/>.</summary>
    public bool Pins(KBuffer buffer) => Owner switch
    {
        KBuffer single => ReferenceEquals(single, buffer),
        CoherentBuffer coherent => ReferenceEquals(coherent.Buffer, buffer),
        ScatterList list => Contains(list, buffer),
        _ => false,
    };

    private static bool Contains(ScatterList list, KBuffer buffer)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list.Buffer(i), buffer))
            {
                return true;
            }
        }

        return false;
    }
}
