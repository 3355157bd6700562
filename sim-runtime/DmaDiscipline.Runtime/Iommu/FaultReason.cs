namespace DmaDiscipline.Runtime;

/// <summary>Why a device's DMA transaction was blocked.</summary>
public enum FaultReason
{
    /// <summary>No translation for the address (VT-d fault reason 6: the page table entry is not present).</summary>
    NotPresent = 0,

    /// <summary>The entry lacks read or write permission for this access (VT-d fault reasons 5 and 6).</summary>
    Permission = 1,

    /// <summary>The device is attached to a blocked domain, or to none although it sits behind the IOMMU.</summary>
    Blocked = 2,

    /// <summary>The address is beyond physical memory or the domain's address width.</summary>
    OutOfRange = 3,

    /// <summary>Confidential machine: the page is private to the guest and not shared with devices.</summary>
    NotShared = 4,
}
