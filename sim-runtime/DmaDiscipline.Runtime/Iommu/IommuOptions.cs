namespace DmaDiscipline.Runtime;

/// <summary>Configuration of the IOMMU hardware and of its driver's policy.</summary>
public sealed record IommuOptions
{
    /// <summary>IOTLB entries per domain, as each translating thread sees them (a power of two; default 256): a thread looks up and fills a cache of its own of this size (see <see cref="IoTlb"/>).</summary>
    public int IoTlbEntries { get; init; } = 256;

    /// <summary>Strict or lazy invalidation for DMA-API domains (default strict).</summary>
    public InvalidationMode Invalidation { get; init; } = InvalidationMode.Strict;

    /// <summary>Unmapped ranges queued before a lazy domain flushes its IOTLB (default 256, Linux's <c>IOVA_FQ_SIZE</c>).</summary>
    public int FlushBatchSize { get; init; } = 256;

    /// <summary>Default domain kind for devices the firmware table puts behind the IOMMU (Linux's <c>iommu.passthrough</c>).</summary>
    public DomainKind DefaultDomain { get; init; } = DomainKind.Translated;
}
