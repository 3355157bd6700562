namespace DmaDiscipline.Runtime;

/// <summary>What an IOMMU domain does with a device's bus addresses (Linux's <c>IOMMU_DOMAIN_*</c> types).</summary>
public enum DomainKind
{
    /// <summary>Passthrough: bus address equals physical address (<c>IOMMU_DOMAIN_IDENTITY</c>).</summary>
    Identity = 0,

    /// <summary>Bus addresses are I/O virtual addresses looked up in the domain's page table (<c>IOMMU_DOMAIN_DMA</c>).</summary>
    Translated = 1,

    /// <summary>Every device access faults (<c>IOMMU_DOMAIN_BLOCKED</c>).</summary>
    Blocked = 2,
}
