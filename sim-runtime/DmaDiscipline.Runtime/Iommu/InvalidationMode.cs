namespace DmaDiscipline.Runtime;

/// <summary>When a translated domain invalidates the IOTLB after an unmap (Linux's <c>iommu.strict</c>).</summary>
public enum InvalidationMode
{
    /// <summary>Unmap invalidates the IOTLB before it returns: the device cannot reach the page afterwards.</summary>
    Strict = 0,

    /// <summary>
    /// Unmap clears the page table but queues the IOTLB invalidation in a flush queue, flushed when
    /// the batch is full or on request. Until then a cached translation still lets the device reach
    /// the unmapped page: a real security window, traded for fewer invalidations.
    /// </summary>
    Lazy = 1,
}
