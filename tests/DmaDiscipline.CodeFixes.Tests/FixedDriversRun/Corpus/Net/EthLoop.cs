using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using Corpus.Shared;

namespace Corpus.Net;

/// <summary>
/// A virtio-net driver written the pre-DMA-API way: transmit copies each frame into a page of its own
/// and hands the device that page's physical address; receive posts pages the device writes into, by
/// physical address too. Defects: DMA001 at both [BusAddress] slot assignments.
/// </summary>
public sealed class EthLoop : INetDriver
{
    private const int Frame = 1514;
    private const int PageBytes = VirtioNetHdr.Size + Frame;

    private readonly Device _dev;
    private readonly VirtioMmioTransport _regs;
    private readonly TinyRing _rx;
    private readonly TinyRing _tx;
    private readonly KBuffer?[] _rxPages;
    private readonly KBuffer?[] _txPages;

    public EthLoop(Device dev, VirtioMmioTransport regs)
    {
        _dev = dev;
        _regs = regs;
        Handshake.Begin(regs, VirtioDeviceType.Net);
        _rx = new TinyRing(dev, regs, VirtioNetConfig.ReceiveQueue, 64);
        _tx = new TinyRing(dev, regs, VirtioNetConfig.TransmitQueue, 64);
        _rxPages = new KBuffer?[_rx.Size];
        _txPages = new KBuffer?[_tx.Size];
        Handshake.Finish(regs);
        FillRx();
    }

    public int MaxFrameLength => Frame;

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        ReapTx();
        if (_tx.FreeDescs == 0 || frame.Length > Frame)
        {
            return false;
        }

        KBuffer page = _dev.Machine.Memory.Allocate(PageBytes);
        page.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(page.Span[VirtioNetHdr.Size..]);
        Span<RingSlot> one = stackalloc RingSlot[1];
        one[0].Addr = page.PhysicalAddress.Value;
        one[0].Len = (uint)(VirtioNetHdr.Size + frame.Length);
        one[0].Flags = VirtqDescFlags.None;
        int head = _tx.Post(one);
        if (head < 0)
        {
            _dev.Machine.Memory.Free(page);
            return false;
        }

        _txPages[head] = page;
        _tx.Notify();
        return true;
    }

    public int Receive(Span<byte> frame)
    {
        Handshake.Ack(_regs);
        if (!_rx.TakeUsed(out int head, out int written))
        {
            return -1;
        }

        KBuffer page = _rxPages[head]!;
        _rxPages[head] = null;
        int length = Math.Max(0, written - VirtioNetHdr.Size);
        page.Span.Slice(VirtioNetHdr.Size, length).CopyTo(frame);
        _dev.Machine.Memory.Free(page);
        return length;
    }

    public void Poll()
    {
        Handshake.Ack(_regs);
        ReapTx();
        FillRx();
    }

    private void ReapTx()
    {
        while (_tx.TakeUsed(out int head, out _))
        {
            if (_txPages[head] is { } sent)
            {
                _txPages[head] = null;
                _dev.Machine.Memory.Free(sent);
            }
        }
    }

    private void FillRx()
    {
        bool posted = false;
        while (_rx.FreeDescs > 0)
        {
            KBuffer page = _dev.Machine.Memory.Allocate(PageBytes);
            Span<RingSlot> slot = stackalloc RingSlot[1];
            slot[0].Addr = page.PhysicalAddress.Value;
            slot[0].Len = PageBytes;
            slot[0].Flags = VirtqDescFlags.Write;
            int head = _rx.Post(slot);
            if (head < 0)
            {
                _dev.Machine.Memory.Free(page);
                break;
            }

            _rxPages[head] = page;
            posted = true;
        }

        if (posted)
        {
            _rx.Notify();
        }
    }

    public void Dispose()
    {
        _regs.Write(VirtioMmio.Status, 0);
        foreach (KBuffer?[] pages in new[] { _rxPages, _txPages })
        {
            for (int i = 0; i < pages.Length; i++)
            {
                if (pages[i] is { } page)
                {
                    _dev.Machine.Memory.Free(page);
                    pages[i] = null;
                }
            }
        }

        _rx.Dispose();
        _tx.Dispose();
    }
}
