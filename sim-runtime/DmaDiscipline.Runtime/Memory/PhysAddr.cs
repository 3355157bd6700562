namespace DmaDiscipline.Runtime;

/// <summary>
/// A CPU physical address. It names a byte of <see cref="PhysicalMemory"/> as the CPU sees it and is
/// never device-visible: a driver must hand devices a <see cref="DmaAddr"/> obtained from its
/// <see cref="DmaApi"/>, because only the platform knows whether the device sees physical memory
/// directly, through an IOMMU, or only through bounce buffers.
/// </summary>
/// <param name="Value">The physical address.</param>
public readonly record struct PhysAddr(ulong Value)
{
    /// <summary>The page frame number (address divided by the 4 KiB page size).</summary>
    public ulong PageFrame => Value >> PhysicalMemory.PageShift;

    /// <summary>The offset of the address inside its 4 KiB page.</summary>
    public int PageOffset => (int)(Value & PhysicalMemory.PageMask);

    /// <inheritdoc />
    public override string ToString() => $"phys 0x{Value:x}";
}
