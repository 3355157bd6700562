namespace DmaDiscipline.Runtime.Vfio;

/// <summary>One mapping a userspace driver made in its container (<c>VFIO_IOMMU_MAP_DMA</c>).</summary>
/// <param name="Iova">The I/O virtual address the driver chose.</param>
/// <param name="Length">Bytes mapped (whole pages).</param>
/// <param name="Memory">The driver's (pinned) memory.</param>
/// <param name="Offset">Offset of the first mapped byte in <paramref name="Memory"/>.</param>
/// <param name="Flags">Access granted to the device.</param>
public sealed record VfioDmaMapping(ulong Iova, int Length, KBuffer Memory, int Offset, VfioDmaFlags Flags);
