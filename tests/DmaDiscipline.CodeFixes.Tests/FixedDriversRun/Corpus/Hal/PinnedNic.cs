using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using Corpus.Shared;
using MiniHal;

namespace Corpus.Hal;

/// <summary>
/// A virtio-net driver on MiniHal's pin/unpin layer. Transmit is synchronous: pin, post, notify, wait for the
/// device, unpin. Defects: an empty frame returns with the buffer pinned (DMA002), the frame
/// is copied into the buffer after it was pinned with no hand-over to the device (DMA005: a bounce buffer sends stale
/// bytes), and the header is scrubbed before the unpin (DMA005).
/// </summary>
public sealed class PinnedNic : INetDriver
{
    private const int Mtu = 1514;
    private const int BufBytes = VirtioNetHdr.Size + Mtu;

    private readonly Device _nic;
    private readonly VirtioMmioTransport _io;
    private readonly Pinner _pins;
    private readonly TinyRing _rxq;
    private readonly TinyRing _txq;
    private readonly KBuffer _txBuf;
    private readonly KBuffer[] _rxBufs;
    private readonly BusHandle[] _rxPins;

    public PinnedNic(Device nic, VirtioMmioTransport io)
    {
        _nic = nic;
        _io = io;
        _pins = new Pinner(nic);
        Handshake.Begin(io, VirtioDeviceType.Net);
        _rxq = new TinyRing(nic, io, VirtioNetConfig.ReceiveQueue, 32);
        _txq = new TinyRing(nic, io, VirtioNetConfig.TransmitQueue, 32);
        Handshake.Finish(io);
        _txBuf = nic.Machine.Memory.Allocate(BufBytes);
        _txBuf.Span.Clear();
        _rxBufs = new KBuffer[_rxq.Size];
        _rxPins = new BusHandle[_rxq.Size];
        for (int i = 0; i < _rxBufs.Length; i++)
        {
            _rxBufs[i] = nic.Machine.Memory.Allocate(BufBytes);
        }

        for (int i = 0; i < _rxBufs.Length; i++)
        {
            Repost(i);
        }

        _rxq.Notify();
    }

    public int MaxFrameLength => Mtu;

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        int len = VirtioNetHdr.Size + frame.Length;
        if (len > BufBytes)
        {
            return false;
        }

        BusHandle pin = _pins.Pin(_txBuf, len, PinDirection.ToDevice);
        if (_pins.Failed(pin))
        {
            return false;
        }

        if (frame.IsEmpty)
        {
            return false; // a runt: nothing to send
        }

        frame.CopyTo(_txBuf.Span[VirtioNetHdr.Size..]);
        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = pin.Bus;
        d[0].Len = (uint)len;
        if (_txq.Post(d) < 0)
        {
            _pins.Unpin(pin, len, PinDirection.ToDevice);
            return false;
        }

        _txq.Notify();
        bool sent = _txq.TakeUsed(out _, out _);
        _txBuf.Span[..VirtioNetHdr.Size].Clear();
        _pins.Unpin(pin, len, PinDirection.ToDevice);
        return sent;
    }

    public int Receive(Span<byte> frame)
    {
        Handshake.Ack(_io);
        if (!_rxq.TakeUsed(out int id, out int got))
        {
            return -1;
        }

        int n = Math.Max(0, got - VirtioNetHdr.Size);
        _pins.Unpin(_rxPins[id], BufBytes, PinDirection.FromDevice);
        _rxBufs[id].Span.Slice(VirtioNetHdr.Size, n).CopyTo(frame);
        Repost(id);
        _rxq.Notify();
        return n;
    }

    public void Poll() => Handshake.Ack(_io);

    private void Repost(int i)
    {
        BusHandle pin = _pins.Pin(_rxBufs[i], BufBytes, PinDirection.FromDevice);
        if (_pins.Failed(pin))
        {
            throw new InvalidOperationException("no DMA mapping for a receive buffer");
        }

        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = pin.Bus;
        d[0].Len = BufBytes;
        d[0].Flags = VirtqDescFlags.Write;
        int id = _rxq.Post(d);
        _rxPins[id] = pin;
    }

    public void Dispose()
    {
        _io.Write(VirtioMmio.Status, 0);
        for (int i = 0; i < _rxBufs.Length; i++)
        {
            _pins.Unpin(_rxPins[i], BufBytes, PinDirection.FromDevice);
            _nic.Machine.Memory.Free(_rxBufs[i]);
        }

        _nic.Machine.Memory.Free(_txBuf);
        _rxq.Dispose();
        _txq.Dispose();
    }
}
