using DmaDiscipline.Runtime;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>
/// One device a scenario plugs in: its hardware facts (does its DMA pass the IOMMU, does it offer
/// ACCESS_PLATFORM, its addressing limit) and who drives it.
/// </summary>
/// <param name="Id">PCI requester id.</param>
/// <param name="Label">Name in logs ("assigned", "hypervisor-internal", …).</param>
/// <param name="BehindIommu">Whether its transactions really go through the IOMMU.</param>
/// <param name="AccessPlatform">Whether it offers VIRTIO_F_ACCESS_PLATFORM.</param>
/// <param name="Userspace">Driven by the userspace driver through the VFIO container instead of a kernel driver.</param>
/// <param name="DmaMask">The device's addressing limit.</param>
/// <param name="Ats">
/// Whether it implements PCIe ATS (an address translation cache its domain invalidates with the IOTLB),
/// as the NICs and NVMe drives a driver engineer meets do; on by default in the matrix.
/// </param>
internal sealed record DeviceSlot(DeviceId Id, string Label, bool BehindIommu = true, bool AccessPlatform = true, bool Userspace = false, ulong DmaMask = ulong.MaxValue, bool Ats = true);
