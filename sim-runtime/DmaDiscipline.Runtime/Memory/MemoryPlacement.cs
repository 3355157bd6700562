namespace DmaDiscipline.Runtime;

/// <summary>Where <see cref="PhysicalMemory.Allocate(int, MemoryPlacement)"/> puts a buffer in the physical address space.</summary>
public enum MemoryPlacement
{
    /// <summary>Wherever the machine's <see cref="PhysicalMemoryOptions.DefaultPlacement"/> says.</summary>
    Default = 0,

    /// <summary>Below 4 GiB (the analogue of <c>GFP_DMA32</c>): reachable with a 32-bit DMA mask.</summary>
    Below4G = 1,

    /// <summary>At or above 4 GiB, so a 32-bit device cannot reach it without an IOMMU or bounce buffers.</summary>
    Above4G = 2,
}
