using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using Corpus.Shared;

namespace Corpus.Net;

/// <summary>
/// A virtio-net driver with one receive area carved into fixed strides, allocated as plain pages and handed to the
/// device by physical address (DMA001 on a KBuffer field: ring-like memory), and a transmit path that maps each
/// frame properly but then writes a bus address forged from the physical one into the descriptor (DMA008).
/// </summary>
public sealed class FrameRelay : INetDriver
{
    private const int Stride = 2048;
    private const int Slots = 32;

    private readonly Device _d;
    private readonly VirtioMmioTransport _t;
    private readonly TinyRing _inbound;
    private readonly TinyRing _outbound;
    private readonly PhysicalMemory _ram;
    private KBuffer _area;
    private readonly (KBuffer Page, DmaAddr Bus, int Len)?[] _sent;

    public FrameRelay(Device d, VirtioMmioTransport t)
    {
        _d = d;
        _t = t;
        _ram = d.Machine.Memory;
        Handshake.Begin(t, VirtioDeviceType.Net);
        _inbound = new TinyRing(d, t, VirtioNetConfig.ReceiveQueue, Slots);
        _outbound = new TinyRing(d, t, VirtioNetConfig.TransmitQueue, Slots);
        Handshake.Finish(t);
        _sent = new (KBuffer, DmaAddr, int)?[_outbound.Size];
        _area = _ram.Allocate(Stride * Slots);
        for (int k = 0; k < Slots; k++)
        {
            Offer(k);
        }

        _inbound.Notify();
    }

    public int MaxFrameLength => Stride - VirtioNetHdr.Size;

    private void Offer(int k)
    {
        Span<RingSlot> s = stackalloc RingSlot[1];
        s[0].Addr = _ram.VirtToPhys(_area, k * Stride).Value;
        s[0].Len = Stride;
        s[0].Flags = VirtqDescFlags.Write;
        _inbound.Post(s);
    }

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        Reclaim();
        KBuffer page = _ram.Allocate(VirtioNetHdr.Size + frame.Length);
        page.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(page.Span[VirtioNetHdr.Size..]);
        DmaAddr bus = _d.Dma.MapSingle(page, 0, page.Length, DmaDirection.ToDevice);
        if (_d.Dma.MappingError(bus))
        {
            _ram.Free(page);
            return false;
        }

        Span<RingSlot> s = stackalloc RingSlot[1];
        s[0].Addr = new DmaAddr(page.PhysicalAddress.Value).Value;
        s[0].Len = (uint)page.Length;
        int head = _outbound.Post(s);
        if (head < 0)
        {
            _d.Dma.UnmapSingle(bus, page.Length, DmaDirection.ToDevice);
            _ram.Free(page);
            return false;
        }

        _sent[head] = (page, bus, page.Length);
        _outbound.Notify();
        return true;
    }

    public int Receive(Span<byte> frame)
    {
        Handshake.Ack(_t);
        if (!_inbound.TakeUsed(out int k, out int len))
        {
            return -1;
        }

        int n = Math.Max(0, len - VirtioNetHdr.Size);
        _area.Span.Slice(k * Stride + VirtioNetHdr.Size, n).CopyTo(frame);
        Offer(k);
        _inbound.Notify();
        return n;
    }

    public void Poll()
    {
        Handshake.Ack(_t);
        Reclaim();
    }

    private void Reclaim()
    {
        while (_outbound.TakeUsed(out int head, out _))
        {
            if (_sent[head] is { } done)
            {
                _d.Dma.UnmapSingle(done.Bus, done.Len, DmaDirection.ToDevice);
                _ram.Free(done.Page);
                _sent[head] = null;
            }
        }
    }

    public void Dispose()
    {
        _t.Write(VirtioMmio.Status, 0);
        Reclaim();
        for (int i = 0; i < _sent.Length; i++)
        {
            if (_sent[i] is { } left)
            {
                _d.Dma.UnmapSingle(left.Bus, left.Len, DmaDirection.ToDevice);
                _ram.Free(left.Page);
            }
        }

        _ram.Free(_area);
        _inbound.Dispose();
        _outbound.Dispose();
    }
}
