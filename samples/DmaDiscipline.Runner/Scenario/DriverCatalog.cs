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
            (d, _, _) => new LegacyVirtioNetDriver(d.Device, d.Transport)),
        new("legacy-blk", DriverFamily.Legacy, DeviceKind.Blk, "virtio-blk writing physical addresses",
            (d, _, _) => new LegacyVirtioBlkDriver(d.Device, d.Transport)),
        new("net", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, split ring, map/unmap per packet",
            (d, s, q) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { QueuePairs = q, DmaMask = s.DriverDmaMask }), MultiQueue: true),
        new("net-pp", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, split ring, page-pool RX (recycled mappings) and coherent copy-break TX",
            (d, s, q) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { QueuePairs = q, PagePool = true, DmaMask = s.DriverDmaMask }), MultiQueue: true),
        new("net-packed", DriverFamily.Disciplined, DeviceKind.Net, "virtio-net, packed ring, map/unmap per packet",
            (d, s, q) => new VirtioNetDriver(d.Device, d.Transport, new VirtioNetDriverOptions { QueuePairs = q, Packed = true, DmaMask = s.DriverDmaMask }), MultiQueue: true),
        new("blk", DriverFamily.Disciplined, DeviceKind.Blk, "virtio-blk, split ring, map/unmap per request",
            (d, s, q) => new VirtioBlkDriver(d.Device, d.Transport, new VirtioBlkDriverOptions { Queues = q, DmaMask = s.DriverDmaMask }), MultiQueue: true),
        new("blk-packed", DriverFamily.Disciplined, DeviceKind.Blk, "virtio-blk, packed ring, map/unmap per request",
            (d, s, q) => new VirtioBlkDriver(d.Device, d.Transport, new VirtioBlkDriverOptions { Queues = q, Packed = true, DmaMask = s.DriverDmaMask }), MultiQueue: true),
        new("vfio-blk", DriverFamily.Userspace, DeviceKind.Blk, "userspace virtio-blk through a VFIO container, its own IOVAs",
            (d, _, _) => new VfioVirtioBlkDriver(d.Device, d.Transport)),
    ];

    /// <summary>The driver with a catalogue name, or null.</summary>
    public static DriverKind? Find(string name) => All.FirstOrDefault(d => string.Equals(d.BaseName, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The rows for a run with several queue counts: each driver once per count it can run (a
    /// single-queue driver only at 1), its queue-count variants after it.
    /// </summary>
    public static IReadOnlyList<DriverKind> WithQueues(IEnumerable<DriverKind> drivers, IReadOnlyList<int> queueCounts) =>
        drivers.SelectMany(d => queueCounts.Where(q => q == 1 || d.MultiQueue).Select(d.WithQueues)).ToList();
}
