using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Legacy;

/// <summary>
/// THE BUG, kept on purpose: virtio-blk on <see cref="LegacySplitVirtqueue"/>. Header, data pages
/// and status byte reach the device by their physical addresses.
/// </summary>
public sealed class LegacyVirtioBlkDriver : IBlkDriver
{
    private const int StatusOffset = VirtioBlkReq.HeaderSize;

    private readonly Device _device;
    private readonly VirtioMmioTransport _transport;
    private readonly LegacySplitVirtqueue _vq;
    private readonly KBuffer[] _pdus;
    private readonly int[] _tags;
    private readonly Stack<int> _free = new();
    private bool _disposed;

    /// <summary>Probes the device and brings it up.</summary>
    public LegacyVirtioBlkDriver(Device device, VirtioMmioTransport transport, int queueSize = 128)
    {
        _device = device;
        _transport = transport;
        VirtioMmioDriver.Negotiate(transport, VirtioDeviceType.Block, VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform);
        _vq = new LegacySplitVirtqueue(device.Machine.Memory, transport, VirtioBlkConfig.RequestQueue, queueSize);
        QueueDepth = _vq.Num / 3;
        _pdus = new KBuffer[QueueDepth];
        _tags = new int[QueueDepth];
        for (int i = 0; i < QueueDepth; i++)
        {
            _pdus[i] = device.Machine.Memory.Allocate(StatusOffset + 1);
            _free.Push(i);
        }

        VirtioMmioDriver.DriverOk(transport);
    }

    /// <inheritdoc />
    public int QueueDepth { get; }

    /// <inheritdoc />
    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        if (!_free.TryPop(out int slot))
        {
            return false;
        }

        Span<byte> pdu = _pdus[slot].Span;
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.TypeOffset..], write ? VirtioBlkReq.TypeOut : VirtioBlkReq.TypeIn);
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(pdu[VirtioBlkReq.SectorOffset..], sector);
        pdu[StatusOffset] = 0xff;
        _tags[slot] = tag;
        bool added = _vq.Add([(_pdus[slot], 0, VirtioBlkReq.HeaderSize), (data, 0, length), (_pdus[slot], StatusOffset, 1)], write ? 2 : 1, slot);
        if (!added)
        {
            _free.Push(slot);
        }

        return added;
    }

    /// <inheritdoc />
    public void Kick() => _vq.Kick();

    /// <inheritdoc />
    public bool TryComplete(out int tag, out bool ok)
    {
        VirtioMmioDriver.AckInterrupts(_transport);
        if (_vq.GetBuf(out _) is not int slot)
        {
            tag = 0;
            ok = false;
            return false;
        }

        tag = _tags[slot];
        ok = _pdus[slot].Span[StatusOffset] == VirtioBlkReq.StatusOk;
        _free.Push(slot);
        return true;
    }

    /// <summary>Resets the device and frees everything.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_transport);
        _vq.Dispose();
        foreach (KBuffer pdu in _pdus)
        {
            _device.Machine.Memory.Free(pdu);
        }
    }
}
