using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>A fresh machine for one cell: the scenario's platform with its devices plugged in.</summary>
internal sealed class TestBed
{
    /// <summary>Disk size of every virtio-blk device (8 MiB).</summary>
    public const long DiskSectors = 16384;

    private TestBed(Machine machine, IReadOnlyList<BoundDevice> devices)
    {
        Machine = machine;
        Devices = devices;
    }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The devices, in the scenario's slot order.</summary>
    public IReadOnlyList<BoundDevice> Devices { get; }

    /// <summary>
    /// Builds the scenario's machine with devices of one kind; <paramref name="debug"/> overrides the DMA
    /// debug mode. With <paramref name="queues"/> above 1 the devices offer that many queue pairs
    /// (VIRTIO_NET_F_MQ) or request queues (VIRTIO_BLK_F_MQ); with 1 they are single-queue devices.
    /// </summary>
    public static TestBed Create(PlatformScenario scenario, DeviceKind kind, DmaDebugMode? debug = null, int queues = 1)
    {
        var machine = new Machine(debug is { } mode ? scenario.Machine with { Debug = mode } : scenario.Machine);
        var devices = new List<BoundDevice>();
        foreach (DeviceSlot slot in scenario.Slots)
        {
            Device device = machine.AddDevice(slot.Id, new DeviceOptions
            {
                Name = $"{(kind == DeviceKind.Net ? "virtio-net" : "virtio-blk")} ({slot.Label})",
                BehindIommu = slot.BehindIommu,
                DmaMask = slot.DmaMask,
                Ats = slot.Ats,
            });
            VirtioDeviceModel model = kind == DeviceKind.Net
                ? new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Loopback, MaxQueuePairs = queues })
                : CommittedDisk(new VirtioBlkDevice(new VirtioBlkOptions { CapacitySectors = DiskSectors, NumQueues = queues }));
            var transport = new VirtioMmioTransport(device, model, new VirtioTransportOptions { OfferAccessPlatform = slot.AccessPlatform });
            devices.Add(new BoundDevice(slot, device, model, transport));
        }

        return new TestBed(machine, devices);
    }

    /// <summary>
    /// Writes every page of the disk's backing array once, here, before anything is measured. A fresh
    /// array's pages are mapped by the host on their first write, and that write was the workload's:
    /// about a thousand page faults per blk cell inside its measured run (10–15 µs each on the 2-core
    /// test VM: a third of a one-queue cell's CPU time when the collector handed the cell fresh memory,
    /// nothing when it reused the last cell's), which a disk does not have and which made blk's
    /// figures bimodal.
    /// </summary>
    private static VirtioBlkDevice CommittedDisk(VirtioBlkDevice device)
    {
        device.Disk.Clear();
        return device;
    }
}
