using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// One receive/transmit queue pair of <see cref="VirtioNetDriver"/> (<c>struct receive_queue</c> and
/// <c>struct send_queue</c> of <c>virtio_net.c</c>): its two virtqueues, its own receive buffers or
/// page pool and its own transmit slots or coherent copy-break area — every DMA mapping it uses is
/// its own, so pairs on different CPUs share no lock but the DMA API's. Driven by one thread.
/// </summary>
public sealed class VirtioNetQueuePair : INetQueue, IDisposable
{
    /// <summary>Receive buffer size: header plus the largest Ethernet frame, inside one 2 KiB bounce slot.</summary>
    public const int RxBufferLength = 1536;

    private const int MaxFrame = RxBufferLength - VirtioNetHdr.Size;

    private readonly Device _device;
    private readonly VirtioMmioTransport _transport;
    private readonly IVirtqueue _rx;
    private readonly IVirtqueue _tx;
    private readonly PagePool? _rxPool;
    private readonly CoherentBuffer? _txCopyBreak;
    private readonly Stack<KBuffer> _rxFree = new();
    private readonly Stack<object> _txFree = new();
    private readonly List<KBuffer> _owned = new();
    private int _rxAdded;

    /// <summary>Sets up receiveq<c>index + 1</c> and transmitq<c>index + 1</c> and fills the receive ring (before or after DRIVER_OK).</summary>
    internal VirtioNetQueuePair(Device device, VirtioMmioTransport transport, ulong features, int index, VirtioNetDriverOptions options)
    {
        _device = device;
        _transport = transport;
        Index = index;
        bool eventIdx = (features & VirtioFeatures.EventIdx) != 0;
        DmaApi dma = device.Dma;
        try
        {
            _rx = CreateQueue(dma, features, VirtioNetConfig.ReceiveQueueOf(index), options.QueueSize, eventIdx);
            _tx = CreateQueue(dma, features, VirtioNetConfig.TransmitQueueOf(index), options.QueueSize, eventIdx);
            PhysicalMemory memory = device.Machine.Memory;
            if (options.PagePool)
            {
                _rxPool = new PagePool(dma, memory, _rx.Num, RxBufferLength, DmaDirection.FromDevice);
                _txCopyBreak = dma.AllocCoherent(_tx.Num * RxBufferLength);
                for (int i = _tx.Num - 1; i >= 0; i--)
                {
                    _txFree.Push(new TxSlot(i * RxBufferLength));
                }
            }
            else
            {
                for (int i = 0; i < _rx.Num; i++)
                {
                    KBuffer page = memory.Allocate(RxBufferLength);
                    _owned.Add(page);
                    _rxFree.Push(page);
                }

                for (int i = 0; i < _tx.Num; i++)
                {
                    KBuffer page = memory.Allocate(RxBufferLength);
                    _owned.Add(page);
                    _txFree.Push(page);
                }
            }

            Refill();
        }
        catch
        {
            Dispose();
            throw;
        }

        // Last: the next queue's objects are made after this one's by the same (probing) thread; two cache lines
        // between them keep what each queue's thread writes off the other's lines (the collector keeps allocation order).
        _gap = new byte[128];
    }

    private readonly byte[] _gap;

    /// <summary>The pair's number (0 for receiveq1/transmitq1).</summary>
    public int Index { get; }

    /// <inheritdoc />
    public int MaxFrameLength => MaxFrame;

    /// <summary>Frames the device returned with a length outside the buffer (dropped).</summary>
    public long RxErrors { get; private set; }

    /// <summary>Frames that could not be sent (no slot or a mapping failure).</summary>
    public long TxDropped { get; private set; }

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > MaxFrame || frame.IsEmpty)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), frame.Length, $"A frame is 1 to {MaxFrame} bytes.");
        }

        FreeOldXmit();
        if (!_txFree.TryPop(out object? slot))
        {
            TxDropped++;
            return false;
        }

        int length = VirtioNetHdr.Size + frame.Length;
        bool added;
        if (slot is TxSlot copyBreak)
        {
            // Coherent memory: CPU and device share it without syncs.
            WritePacket(_txCopyBreak!.Span.Slice(copyBreak.Offset, RxBufferLength), frame);
            added = _tx.AddPremapped(new DmaAddr(_txCopyBreak.DmaAddress.Value + (ulong)copyBreak.Offset), length, deviceWrites: false, copyBreak);
        }
        else
        {
            var page = (KBuffer)slot;
            WritePacket(page.Span, frame);
            var sg = new VirtqueueBuffer(page, 0, length);
            added = _tx.AddSgs(new ReadOnlySpan<VirtqueueBuffer>(in sg), ReadOnlySpan<VirtqueueBuffer>.Empty, page);
        }

        if (!added)
        {
            _txFree.Push(slot);
            TxDropped++;
            return false;
        }

        _tx.Kick();
        return true;
    }

    /// <inheritdoc />
    public int Receive(Span<byte> frame)
    {
        object? token = _rx.GetBuf(out int len);
        if (token is null)
        {
            return -1;
        }

        int result = -1;
        if (token is PagePoolBuffer buffer)
        {
            if (len >= VirtioNetHdr.Size && len <= RxBufferLength)
            {
                _rxPool!.SyncForCpu(buffer, len);
                result = CopyFrame(buffer.Span[..len], frame);
                _rxPool.SyncForDevice(buffer, len);
            }
            else
            {
                RxErrors++;
            }

            _rxPool!.Return(buffer);
        }
        else
        {
            // The virtqueue unmapped it: the CPU owns the page again.
            var page = (KBuffer)token;
            if (len >= VirtioNetHdr.Size && len <= RxBufferLength)
            {
                result = CopyFrame(page.Span[..len], frame);
            }
            else
            {
                RxErrors++;
            }

            _rxFree.Push(page);
        }

        Refill();
        return result;
    }

    /// <inheritdoc />
    public void Poll()
    {
        VirtioMmioDriver.AckInterrupts(_transport);
        FreeOldXmit();
        Refill();
        KickRx();
    }

    /// <summary>Notifies receiveq of buffers added since the last notification.</summary>
    internal void KickRx()
    {
        if (_rxAdded > 0)
        {
            _rxAdded = 0;
            _rx.Kick();
        }
    }

    /// <summary>After the device reset: takes every buffer back, unmaps and frees everything of this pair.</summary>
    public void Dispose()
    {
        if (_rx is not null)
        {
            while (_rx.DetachUnusedBuf() is not null)
            {
            }

            _rx.Dispose();
        }

        if (_tx is not null)
        {
            while (_tx.DetachUnusedBuf() is not null)
            {
            }

            _tx.Dispose();
        }

        _rxPool?.Dispose();
        if (_txCopyBreak is not null)
        {
            _device.Dma.FreeCoherent(_txCopyBreak);
        }

        foreach (KBuffer page in _owned)
        {
            _device.Machine.Memory.Free(page);
        }

        _owned.Clear();
    }

    private static void WritePacket(Span<byte> page, ReadOnlySpan<byte> frame)
    {
        page[..VirtioNetHdr.Size].Clear(); // no checksum offload, no GSO
        frame.CopyTo(page[VirtioNetHdr.Size..]);
    }

    private static int CopyFrame(ReadOnlySpan<byte> packet, Span<byte> frame)
    {
        ReadOnlySpan<byte> payload = packet[VirtioNetHdr.Size..];
        int n = Math.Min(payload.Length, frame.Length);
        payload[..n].CopyTo(frame);
        return payload.Length;
    }

    private IVirtqueue CreateQueue(DmaApi dma, ulong features, int index, int size, bool eventIdx) =>
        (features & VirtioFeatures.RingPacked) != 0
            ? new DisciplinedPackedVirtqueue(dma, _transport, index, size, eventIdx)
            : new DisciplinedSplitVirtqueue(dma, _transport, index, size, eventIdx);

    /// <summary>Reclaims transmitted buffers (<c>free_old_xmit</c>); the virtqueue already unmapped per-packet ones.</summary>
    private void FreeOldXmit()
    {
        while (_tx.GetBuf(out _) is { } done)
        {
            _txFree.Push(done);
        }
    }

    /// <summary>Keeps the receive ring full (<c>try_fill_recv</c>).</summary>
    private void Refill()
    {
        while (_rx.NumFree > 0)
        {
            bool added;
            if (_rxPool is not null)
            {
                if (_rxPool.Rent() is not { } buffer)
                {
                    return;
                }

                added = _rx.AddPremapped(buffer.Dma, RxBufferLength, deviceWrites: true, buffer);
                if (!added)
                {
                    _rxPool.Return(buffer);
                }
            }
            else
            {
                if (!_rxFree.TryPop(out KBuffer? page))
                {
                    return;
                }

                var sg = new VirtqueueBuffer(page, 0, RxBufferLength);
                added = _rx.AddSgs(ReadOnlySpan<VirtqueueBuffer>.Empty, new ReadOnlySpan<VirtqueueBuffer>(in sg), page);
                if (!added)
                {
                    _rxFree.Push(page); // mapping failed: try again at the next poll
                }
            }

            if (!added)
            {
                return;
            }

            _rxAdded++;
        }
    }

    /// <summary>A transmit slot of the coherent copy-break area.</summary>
    private sealed record TxSlot(int Offset);
}
