namespace DmaDiscipline.Runtime;

/// <summary>
/// Which machinery carries a device's DMA. Platform information for tests and reports: a driver that
/// branches on it to decide between the DMA API and physical addresses is what rule DMA007 flags.
/// </summary>
public enum DmaPath
{
    /// <summary>Bus address = physical address; bounce buffers only when an address exceeds the DMA mask.</summary>
    Direct = 0,

    /// <summary>Every streaming mapping bounces through shared memory (confidential machine).</summary>
    ForcedBounce = 1,

    /// <summary>Bus addresses are IOVAs of the device's translated domain.</summary>
    Iommu = 2,
}
