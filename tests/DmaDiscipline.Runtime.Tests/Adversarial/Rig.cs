using DmaDiscipline.Runtime.Tests.Virtio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Vfio;

namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>A fresh machine for one bad-input case: a device with its DMA API, a buffer, and on demand a running virtio device and a VFIO container.</summary>
internal sealed class Rig
{
    public const int Page = PhysicalMemory.PageSize;

    private VirtioHarness? _virtio;

    public Rig(DmaDebugMode mode)
    {
        Machine = Machines.With(debug: mode);
        Nic = Machine.AddDevice(Machines.Gpu);
        Buffer = Machine.Memory.Allocate(2 * Page);
    }

    public Machine Machine { get; }

    public Device Nic { get; }

    public DmaApi Dma => Nic.Dma;

    public KBuffer Buffer { get; }

    /// <summary>A running virtio-blk device (split ring, 8 entries) on this machine.</summary>
    public VirtioHarness Virtio => _virtio ??= new VirtioHarness(new VirtioBlkDevice(), machine: Machine);

    public DeviceVirtqueue Queue => Virtio.Transport.GetQueue(0)!;

    public ScatterList List()
    {
        var list = new ScatterList(2);
        list.Add(Buffer, 0, 64);
        return list;
    }

    public VfioContainer Vfio()
    {
        var container = new VfioContainer(Machine);
        Device assigned = Machine.AddDevice(Machines.Disk);
        container.AddDevice(new VirtioMmioTransport(assigned, new VirtioBlkDevice()));
        return container;
    }

    /// <summary>A domain this machine's IOMMU never created.</summary>
    public static IommuDomain ForeignDomain() => Machines.With().Iommu!.CreateDomain(DomainKind.Translated);
}
