using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Userspace;

/// <summary>
/// A userspace virtio-blk driver (SPDK's shape): it opens a VFIO container, takes the device from
/// the kernel, maps its own memory — ring, request headers, and the data pages it is given, each
/// registered once — at IOVAs it chooses, and drives the device with those IOVAs only. The
/// container's translated domain is the device's whole view of memory: this is where IOMMU
/// protection is not an option but the point, since the driver is not trusted like the kernel.
/// </summary>
public sealed class VfioVirtioBlkDriver : IBlkDriver
{
    /// <summary>Where the driver puts its ring in the I/O address space.</summary>
    public const ulong RingIova = 0x1000_0000;

    /// <summary>Where the request headers and status bytes go.</summary>
    public const ulong PduIova = 0x1010_0000;

    /// <summary>Where registered data pages start.</summary>
    public const ulong DataIovaBase = 0x2000_0000;

    private const int PduSlot = 32;
    private const int StatusOffset = VirtioBlkReq.HeaderSize;

    private readonly PhysicalMemory _memory;
    private readonly VfioContainer _container;
    private readonly VfioDevice _vfio;
    private readonly KBuffer _ring;
    private readonly KBuffer _pdus;
    private readonly UserspaceSplitVirtqueue _vq;
    private readonly Dictionary<KBuffer, ulong> _registered = new(ReferenceEqualityComparer.Instance);
    private readonly int[] _tags;
    private readonly Stack<int> _free = new();
    private readonly IovaSegment[] _segments = new IovaSegment[3];
    private ulong _nextDataIova = DataIovaBase;
    private bool _disposed;

    /// <summary>Opens a container, takes the device into it, maps the driver's memory and brings the device up.</summary>
    /// <exception cref="InvalidOperationException">VFIO refused the device (no IOMMU, the device bypasses it, a kernel driver still holds it).</exception>
    /// <exception cref="VirtioSetupException">The device refused the features.</exception>
    public VfioVirtioBlkDriver(Device device, VirtioMmioTransport transport, int queueSize = 128)
    {
        ArgumentNullException.ThrowIfNull(device);
        _memory = device.Machine.Memory;
        _container = new VfioContainer(device.Machine);
        _ring = _memory.Allocate(PhysicalMemory.PageSize);
        _pdus = _memory.Allocate(PhysicalMemory.PageSize);
        try
        {
            _vfio = _container.AddDevice(transport);
            VirtioMmioDriver.Negotiate(_vfio, VirtioDeviceType.Block, VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform);
            _container.MapDma(_ring, 0, RingIova, PhysicalMemory.PageSize, VfioDmaFlags.ReadWrite);
            _container.MapDma(_pdus, 0, PduIova, PhysicalMemory.PageSize, VfioDmaFlags.ReadWrite);
            _vq = new UserspaceSplitVirtqueue(_vfio, VirtioBlkConfig.RequestQueue, queueSize, _ring, RingIova);
            QueueDepth = Math.Min(_vq.Num / 3, PhysicalMemory.PageSize / PduSlot);
            _tags = new int[QueueDepth];
            for (int i = QueueDepth - 1; i >= 0; i--)
            {
                _free.Push(i);
            }

            VirtioMmioDriver.DriverOk(_vfio);
        }
        catch
        {
            _container.Dispose();
            _memory.Free(_ring);
            _memory.Free(_pdus);
            throw;
        }
    }

    /// <inheritdoc />
    public int QueueDepth { get; }

    /// <summary>Data pages registered (mapped into the container) so far.</summary>
    public int RegisteredBuffers => _registered.Count;

    /// <inheritdoc />
    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (length <= 0 || length % VirtioBlkReq.SectorSize != 0 || length > data.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A block request moves whole 512-byte sectors of the buffer.");
        }

        if (!_free.TryPop(out int slot))
        {
            return false;
        }

        ulong dataIova = Register(data);
        Span<byte> pdu = _pdus.Span.Slice(slot * PduSlot, PduSlot);
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.TypeOffset..], write ? VirtioBlkReq.TypeOut : VirtioBlkReq.TypeIn);
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(pdu[VirtioBlkReq.SectorOffset..], sector);
        pdu[StatusOffset] = 0xff;
        _tags[slot] = tag;
        ulong pduIova = PduIova + (ulong)(slot * PduSlot);
        _segments[0] = new IovaSegment(pduIova, VirtioBlkReq.HeaderSize, DeviceWrites: false);
        _segments[1] = new IovaSegment(dataIova, length, DeviceWrites: !write);
        _segments[2] = new IovaSegment(pduIova + StatusOffset, 1, DeviceWrites: true);
        if (!_vq.Add(_segments, slot))
        {
            _free.Push(slot);
            return false;
        }

        return true;
    }

    /// <inheritdoc />
    public void Kick() => _vq.Kick();

    /// <inheritdoc />
    public bool TryComplete(out int tag, out bool ok)
    {
        int slot = _vq.GetBuf(out _);
        if (slot < 0)
        {
            tag = 0;
            ok = false;
            return false;
        }

        tag = _tags[slot];
        ok = _pdus.Span[(slot * PduSlot) + StatusOffset] == VirtioBlkReq.StatusOk;
        _free.Push(slot);
        return true;
    }

    /// <summary>Resets the device, closes the container (which unmaps everything and gives the device back), frees the memory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_vfio);
        _container.Dispose();
        _memory.Free(_ring);
        _memory.Free(_pdus);
    }

    /// <summary>Maps a data page into the container the first time it is used (memory registration), at the next free IOVA.</summary>
    private ulong Register(KBuffer data)
    {
        if (!_registered.TryGetValue(data, out ulong iova))
        {
            int length = (int)(((ulong)data.Length + PhysicalMemory.PageMask) & ~PhysicalMemory.PageMask);
            iova = _nextDataIova;
            _container.MapDma(data, 0, iova, length, VfioDmaFlags.ReadWrite);
            _nextDataIova += (ulong)length;
            _registered.Add(data, iova);
        }

        return iova;
    }
}
