using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using Corpus.Shared;

namespace Corpus.Net;

/// <summary>
/// A bridge port: frames from the host stack go out in freshly allocated buffers, frames from the wire come in
/// through a pool of receive buffers kept topped up. In-flight buffers are tracked per descriptor id in a dictionary.
/// Each side posts with the descriptor flags of its own table entry (not a constant), so nothing at the post says
/// which way the device moves the bytes. Defects: both sides hand the device physical addresses (DMA001).
/// </summary>
public sealed class TapBridge : INetDriver
{
    private const int Mtu = 1500;
    private const int EthHeader = 14;
    private const int RxBytes = VirtioNetHdr.Size + EthHeader + Mtu;

    // Descriptor flags per side of the bridge: the wire side is device-written, the host side device-read.
    private static readonly VirtqDescFlags FromWire = VirtqDescFlags.Write;
    private static readonly VirtqDescFlags ToWire = VirtqDescFlags.None;

    private readonly Device _nic;
    private readonly VirtioMmioTransport _bar;
    private readonly TinyRing _wire;
    private readonly TinyRing _host;
    private readonly Dictionary<int, KBuffer> _wireBufs = new();
    private readonly Dictionary<int, KBuffer> _hostBufs = new();

    public TapBridge(Device nic, VirtioMmioTransport bar)
    {
        _nic = nic;
        _bar = bar;
        Handshake.Begin(bar, VirtioDeviceType.Net);
        _wire = new TinyRing(nic, bar, VirtioNetConfig.ReceiveQueue, 32);
        _host = new TinyRing(nic, bar, VirtioNetConfig.TransmitQueue, 32);
        Handshake.Finish(bar);
        TopUp();
    }

    public int MaxFrameLength => EthHeader + Mtu;

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        Reclaim();
        if (frame.Length > MaxFrameLength)
        {
            return false;
        }

        KBuffer buf = _nic.Machine.Memory.Allocate(VirtioNetHdr.Size + frame.Length);
        buf.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(buf.Span[VirtioNetHdr.Size..]);
        Span<RingSlot> d = stackalloc RingSlot[1];
        d[0].Addr = buf.PhysicalAddress.Value;
        d[0].Len = (uint)buf.Length;
        d[0].Flags = ToWire;
        int id = _host.Post(d);
        if (id < 0)
        {
            _nic.Machine.Memory.Free(buf);
            return false;
        }

        _hostBufs[id] = buf;
        _host.Notify();
        return true;
    }

    public int Receive(Span<byte> frame)
    {
        Handshake.Ack(_bar);
        if (!_wire.TakeUsed(out int id, out int got))
        {
            return -1;
        }

        _wireBufs.Remove(id, out KBuffer? buf);
        int n = Math.Clamp(got - VirtioNetHdr.Size, 0, frame.Length);
        buf!.Span.Slice(VirtioNetHdr.Size, n).CopyTo(frame);
        _nic.Machine.Memory.Free(buf);
        return n;
    }

    public void Poll()
    {
        Handshake.Ack(_bar);
        Reclaim();
        TopUp();
    }

    private void Reclaim()
    {
        while (_host.TakeUsed(out int id, out _))
        {
            if (_hostBufs.Remove(id, out KBuffer? sent))
            {
                _nic.Machine.Memory.Free(sent);
            }
        }
    }

    private void TopUp()
    {
        Span<RingSlot> d = stackalloc RingSlot[1];
        int added = 0;
        while (_wire.FreeDescs > 0)
        {
            KBuffer buf = _nic.Machine.Memory.Allocate(RxBytes);
            d[0].Addr = buf.PhysicalAddress.Value;
            d[0].Len = (uint)buf.Length;
            d[0].Flags = FromWire;
            int id = _wire.Post(d);
            if (id < 0)
            {
                _nic.Machine.Memory.Free(buf);
                break;
            }

            _wireBufs.Add(id, buf);
            added++;
        }

        if (added > 0)
        {
            _wire.Notify();
        }
    }

    public void Dispose()
    {
        _bar.Write(VirtioMmio.Status, 0);
        foreach (KBuffer buf in _wireBufs.Values.Concat(_hostBufs.Values))
        {
            _nic.Machine.Memory.Free(buf);
        }

        _wireBufs.Clear();
        _hostBufs.Clear();
        _wire.Dispose();
        _host.Dispose();
    }
}
