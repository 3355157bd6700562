using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// One request queue of <see cref="VirtioBlkDriver"/> (<c>struct virtio_blk_vq</c> and its blk-mq
/// hardware context): its virtqueue and its own request memory (header and status byte per tag), so
/// queues on different CPUs share no lock but the DMA API's. Driven by one thread.
/// </summary>
public sealed class VirtioBlkRequestQueue : IBlkQueue, IDisposable
{
    private const int StatusOffset = VirtioBlkReq.HeaderSize;

    private readonly Device _device;
    private readonly VirtioMmioTransport _transport;
    private readonly IVirtqueue _vq;
    private readonly BlkRequest[] _requests;
    private readonly Stack<BlkRequest> _free;
    private readonly VirtqueueBuffer[] _outBufs = new VirtqueueBuffer[2];
    private readonly VirtqueueBuffer[] _inBufs = new VirtqueueBuffer[2];

    /// <summary>Sets up requestq<c>index + 1</c> and its request memory.</summary>
    internal VirtioBlkRequestQueue(Device device, VirtioMmioTransport transport, ulong features, int index, int queueSize)
    {
        _device = device;
        _transport = transport;
        Index = index;
        bool eventIdx = (features & VirtioFeatures.EventIdx) != 0;
        _vq = (features & VirtioFeatures.RingPacked) != 0
            ? new DisciplinedPackedVirtqueue(device.Dma, transport, index, queueSize, eventIdx)
            : new DisciplinedSplitVirtqueue(device.Dma, transport, index, queueSize, eventIdx);
        QueueDepth = _vq.Num / 3;
        _requests = new BlkRequest[QueueDepth];
        _free = new Stack<BlkRequest>(QueueDepth);
        for (int i = 0; i < QueueDepth; i++)
        {
            // Header and status share one small allocation, as in the request's pdu; they are mapped separately.
            _requests[i] = new BlkRequest(device.Machine.Memory.Allocate(StatusOffset + 1));
            _free.Push(_requests[i]);
        }

        // Last: the next queue's objects are made after this one's by the same (probing) thread; two cache lines
        // between them keep what each queue's thread writes off the other's lines (the collector keeps allocation order).
        _gap = new byte[128];
    }

    private readonly byte[] _gap;

    /// <summary>The queue's number (0 for requestq1).</summary>
    public int Index { get; }

    /// <inheritdoc />
    public int QueueDepth { get; }

    /// <inheritdoc />
    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (length <= 0 || length % VirtioBlkReq.SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A block request moves whole 512-byte sectors.");
        }

        if (!_free.TryPop(out BlkRequest? request))
        {
            return false;
        }

        Span<byte> pdu = request.Pdu.Span;
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.TypeOffset..], write ? VirtioBlkReq.TypeOut : VirtioBlkReq.TypeIn);
        BinaryPrimitives.WriteUInt32LittleEndian(pdu[VirtioBlkReq.ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(pdu[VirtioBlkReq.SectorOffset..], sector);
        pdu[StatusOffset] = 0xff; // a status the device never writes: a request it did not complete reads as failed
        request.Tag = tag;

        var header = new VirtqueueBuffer(request.Pdu, 0, VirtioBlkReq.HeaderSize);
        var payload = new VirtqueueBuffer(data, 0, length);
        var status = new VirtqueueBuffer(request.Pdu, StatusOffset, 1);
        Span<VirtqueueBuffer> outBufs = _outBufs;
        Span<VirtqueueBuffer> inBufs = _inBufs;
        outBufs[0] = header;
        int outCount = 1;
        int inCount = 0;
        if (write)
        {
            outBufs[outCount++] = payload;
        }
        else
        {
            inBufs[inCount++] = payload;
        }

        inBufs[inCount++] = status;
        if (!_vq.AddSgs(outBufs[..outCount], inBufs[..inCount], request))
        {
            _free.Push(request);
            return false;
        }

        return true;
    }

    /// <inheritdoc />
    public void Kick() => _vq.Kick();

    /// <inheritdoc />
    public bool TryComplete(out int tag, out bool ok)
    {
        VirtioMmioDriver.AckInterrupts(_transport);
        if (_vq.GetBuf(out _) is not BlkRequest request)
        {
            tag = 0;
            ok = false;
            return false;
        }

        // Unmapped by the virtqueue: the status byte is the CPU's to read.
        tag = request.Tag;
        ok = request.Pdu.Span[StatusOffset] == VirtioBlkReq.StatusOk;
        _free.Push(request);
        return true;
    }

    /// <summary>After the device reset: takes back requests still queued, and frees everything of this queue.</summary>
    public void Dispose()
    {
        while (_vq.DetachUnusedBuf() is not null)
        {
        }

        _vq.Dispose();
        foreach (BlkRequest request in _requests)
        {
            _device.Machine.Memory.Free(request.Pdu);
        }
    }

    /// <summary>One request's driver-private memory (<c>struct virtblk_req</c>): header and status byte.</summary>
    private sealed class BlkRequest(KBuffer pdu)
    {
        public KBuffer Pdu { get; } = pdu;

        public int Tag { get; set; }
    }
}
