using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A virtio-net driver that never hands the device anything but addresses from the DMA API
/// (<c>drivers/net/virtio_net.c</c> in miniature, polling like NAPI). Two receive paths: per-packet
/// mapping (map at refill, unmap at completion) and a page pool whose buffers stay mapped and are
/// recycled with syncs. Transmit copies each frame behind a zeroed <c>virtio_net_hdr</c> into a
/// driver buffer; per-packet mode maps it per send, page-pool mode copies it into a slot of a
/// coherent copy-break area (no DMA API call per packet at all, and nothing to bounce).
/// </summary>
public sealed class VirtioNetDriver : INetDriver
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
    private bool _disposed;

    /// <summary>Probes the device and brings it up: negotiation, both queues, receive buffers, DRIVER_OK.</summary>
    /// <exception cref="VirtioSetupException">The device refused the features or is not a network device.</exception>
    public VirtioNetDriver(Device device, VirtioMmioTransport transport, VirtioNetDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new VirtioNetDriverOptions();
        _device = device;
        _transport = transport;
        if (options.DmaMask != ulong.MaxValue && !device.Dma.SetMaskAndCoherent(options.DmaMask))
        {
            throw new VirtioSetupException($"{device}: no usable DMA mask 0x{options.DmaMask:x}");
        }

        ulong wanted = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.EventIdx | (options.Packed ? VirtioFeatures.RingPacked : 0);
        Features = VirtioMmioDriver.Negotiate(transport, VirtioDeviceType.Net, wanted);
        bool eventIdx = (Features & VirtioFeatures.EventIdx) != 0;
        DmaApi dma = device.Dma;
        try
        {
            _rx = CreateQueue(dma, VirtioNetConfig.ReceiveQueue, options.QueueSize, eventIdx);
            _tx = CreateQueue(dma, VirtioNetConfig.TransmitQueue, options.QueueSize, eventIdx);
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
            VirtioMmioDriver.DriverOk(transport);
            _rx.Kick();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The features both sides agreed on.</summary>
    public ulong Features { get; }

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
        if (_rxAdded > 0)
        {
            _rxAdded = 0;
            _rx.Kick();
        }
    }

    /// <summary>Resets the device, takes every buffer back, unmaps and frees everything.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_transport);
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

    private IVirtqueue CreateQueue(DmaApi dma, int index, int size, bool eventIdx) =>
        (Features & VirtioFeatures.RingPacked) != 0
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
