using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using Corpus.Shared;

namespace Corpus.Net;

/// <summary>
/// A virtio-net driver whose transmit is synchronous: small frames go through one long-lived spool page, mapped per
/// frame for exactly the bytes sent (a length computed at the map), posted, waited for, unmapped; frames above the
/// copy-break go through a second page on their own path. Defects: the spool is mapped before the copy-break test,
/// so every large frame leaves it mapped (DMA002); the frame is copied into the spool after the map with no hand-over
/// to the device (DMA005: a bounce buffer sends stale bytes); the unmap names another direction than the map's
/// (DMA004).
/// </summary>
public sealed class SpoolNic : INetDriver
{
    private const int Mtu = 1514;
    private const int CopyBreak = 1024;
    private const int SpoolBytes = VirtioNetHdr.Size + Mtu;
    private const int RxBytes = VirtioNetHdr.Size + Mtu;

    private readonly Device _nic;
    private readonly VirtioMmioTransport _io;
    private readonly TinyRing _rxq;
    private readonly TinyRing _txq;
    private readonly KBuffer _spool;
    private readonly KBuffer _large;
    private readonly KBuffer[] _rxBufs;
    private readonly DmaAddr[] _rxBus;

    public SpoolNic(Device nic, VirtioMmioTransport io)
    {
        _nic = nic;
        _io = io;
        Handshake.Begin(io, VirtioDeviceType.Net);
        _rxq = new TinyRing(nic, io, VirtioNetConfig.ReceiveQueue, 32);
        _txq = new TinyRing(nic, io, VirtioNetConfig.TransmitQueue, 16);
        Handshake.Finish(io);
        _spool = nic.Machine.Memory.Allocate(SpoolBytes);
        _large = nic.Machine.Memory.Allocate(SpoolBytes);
        _rxBufs = new KBuffer[_rxq.Size];
        _rxBus = new DmaAddr[_rxq.Size];
        for (int i = 0; i < _rxBufs.Length; i++)
        {
            _rxBufs[i] = nic.Machine.Memory.Allocate(RxBytes);
            Repost(i);
        }

        _rxq.Notify();
    }

    public int MaxFrameLength => Mtu;

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > Mtu)
        {
            return false;
        }

        int len = VirtioNetHdr.Size + frame.Length;
        DmaAddr bus = _nic.Dma.MapSingle(_spool, 0, Math.Min(len, _spool.Length), DmaDirection.ToDevice);
        if (_nic.Dma.MappingError(bus))
        {
            return false;
        }

        if (frame.Length > CopyBreak)
        {
            return SendLarge(frame);
        }

        _spool.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(_spool.Span[VirtioNetHdr.Size..]);
        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = bus.Value;
        d[0].Len = (uint)len;
        bool sent = Transmit(d);
        _nic.Dma.UnmapSingle(bus, len, DmaDirection.Bidirectional);
        return sent;
    }

    private bool SendLarge(ReadOnlySpan<byte> frame)
    {
        int len = VirtioNetHdr.Size + frame.Length;
        _large.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(_large.Span[VirtioNetHdr.Size..]);
        DmaAddr bus = _nic.Dma.MapSingle(_large, 0, len, DmaDirection.ToDevice);
        if (_nic.Dma.MappingError(bus))
        {
            return false;
        }

        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = bus.Value;
        d[0].Len = (uint)len;
        bool sent = Transmit(d);
        _nic.Dma.UnmapSingle(bus, len, DmaDirection.ToDevice);
        return sent;
    }

    private bool Transmit(ReadOnlySpan<RingSlot> chain)
    {
        if (_txq.Post(chain) < 0)
        {
            return false;
        }

        _txq.Notify();
        return _txq.TakeUsed(out _, out _);
    }

    public int Receive(Span<byte> frame)
    {
        Handshake.Ack(_io);
        if (!_rxq.TakeUsed(out int id, out int got))
        {
            return -1;
        }

        int n = Math.Max(0, got - VirtioNetHdr.Size);
        _nic.Dma.UnmapSingle(_rxBus[id], RxBytes, DmaDirection.FromDevice);
        _rxBufs[id].Span.Slice(VirtioNetHdr.Size, n).CopyTo(frame);
        Repost(id);
        _rxq.Notify();
        return n;
    }

    public void Poll() => Handshake.Ack(_io);

    private void Repost(int i)
    {
        DmaAddr bus = _nic.Dma.MapSingle(_rxBufs[i], 0, RxBytes, DmaDirection.FromDevice);
        if (_nic.Dma.MappingError(bus))
        {
            throw new InvalidOperationException("no DMA mapping for a receive buffer");
        }

        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = bus.Value;
        d[0].Len = RxBytes;
        d[0].Flags = VirtqDescFlags.Write;
        int id = _rxq.Post(d);
        _rxBus[id] = bus;
    }

    public void Dispose()
    {
        _io.Write(VirtioMmio.Status, 0);
        for (int i = 0; i < _rxBufs.Length; i++)
        {
            _nic.Dma.UnmapSingle(_rxBus[i], RxBytes, DmaDirection.FromDevice);
            _nic.Machine.Memory.Free(_rxBufs[i]);
        }

        _nic.Machine.Memory.Free(_spool);
        _nic.Machine.Memory.Free(_large);
        _rxq.Dispose();
        _txq.Dispose();
    }
}
