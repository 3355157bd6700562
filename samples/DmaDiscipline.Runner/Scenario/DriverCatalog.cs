using DmaDiscipline.Samples.Drivers.Disciplined;
using DmaDiscipline.Samples.Drivers.Legacy;
using DmaDiscipline.Samples.Drivers.Userspace;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>The drivers of the matrix, in row order.</summary>
internal static class DriverCatalog
{
    /// <summary>Every driver.</summary>
    public static IReadOnlyList<DriverKind> All { get; } =
    [
        new("legacy-net", DriverFamily.Legacy, DeviceKind.Net, "virtio-net writing physical addresses (pre-DMA-API virtio_ring)",
            (d, _) => new LegacyVirtioNetDriver(d.Device, d.Transport)),
        new("legacy-blk", DriverFamily.Legacy, DeviceKind.Blk, "virtio-blk writing physical addresses",
            (d, _) => new LegacyVirtioBlkDriver(d.Device, d.Transport)),
        new("net", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, split ring, map/unmap per packet",
            (d, s) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { DmaMask = s.DriverDmaMask })),
        new("net-pp", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, split ring, page-pool RX (recycled mappings) and coherent copy-break TX",
            (d, s) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { PagePool = true, DmaMask = s.DriverDmaMask })),
        new("net-packed", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, packed ring, map/unmap per packet",
            (d, s) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { Packed = true, DmaMask = s.DriverDmaMask })),
        new("blk", DriverFamily.Disciplined, DeviceKind.Blk, "virtio-blk, split ring, map/unmap per request",
            (d, s) => new VirtioBlkDriver(d.Device, d.Transport, new VirtioBlkDriverOptions { DmaMask = s.DriverDmaMask })),
        new("blk-packed", DriverFamily.Disciplined, DeviceKind.Blk, "virtio-blk, packed ring, map/unmap per request",
            (d, s) => new VirtioBlkDriver(d.Device, d.Transport, new VirtioBlkDriverOptions { Packed = true, DmaMask = s.DriverDmaMask })),
        new("vfio-blk", DriverFamily.Userspace, DeviceKind.Blk, "userspace virtio-blk through a VFIO container, its own IOVAs",
            (d, _) => new VfioVirtioBlkDriver(d.Device, d.Transport)),
    ];

    /// <summary>The driver with a name, or null.</summary>
    public static DriverKind? Find(string name) => All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
