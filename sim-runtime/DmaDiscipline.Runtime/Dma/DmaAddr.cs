namespace DmaDiscipline.Runtime;

/// <summary>
/// A bus address: what a device puts on the bus to reach memory. Depending on the device's IOMMU
/// domain it is an I/O virtual address (translated), equal to a physical address (identity or no
/// IOMMU) or the physical address of a bounce slot. Only the <see cref="DmaApi"/> makes valid ones.
/// </summary>
/// <param name="Value">The bus address.</param>
public readonly record struct DmaAddr(ulong Value)
{
    /// <summary>
    /// The value a failed mapping returns, like Linux's <c>DMA_MAPPING_ERROR</c> (all ones). Test it
    /// with <see cref="DmaApi.MappingError"/>, not by comparison, so the debug layer sees the check.
    /// </summary>
    internal static DmaAddr Error => new(ulong.MaxValue);

    /// <inheritdoc />
    public override string ToString() => Value == ulong.MaxValue ? "dma <mapping error>" : $"dma 0x{Value:x}";
}
