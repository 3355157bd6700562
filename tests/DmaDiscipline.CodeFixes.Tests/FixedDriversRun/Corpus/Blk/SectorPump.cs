using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using Corpus.Shared;

namespace Corpus.Blk;

/// <summary>
/// A virtio-blk driver that maps through the DMA API but slips: the command page (header the CPU fills, status byte
/// the device writes) is one Bidirectional mapping kept in a request struct with the data mapping; the data mapping
/// is never checked (DMA003), and the full-ring path unmaps the command page in the wrong direction (DMA004). Its queueing helper
/// returns a negative errno.
/// </summary>
public sealed class SectorPump : IBlkDriver
{
    private const int StatusAt = VirtioBlkReq.HeaderSize;
    private const int Enomem = -12;
    private const int Enospc = -28;

    private readonly DmaApi _dma;
    private readonly Device _dev;
    private readonly VirtioMmioTransport _mmio;
    private readonly TinyRing _vq;
    private readonly KBuffer[] _cmd;
    private readonly Stack<int> _idle = new();
    private readonly InFlight[] _byHead;

    private struct InFlight
    {
        public DmaAddr Cmd;
        public DmaAddr Data;
        public int DataLength;
        public bool ToDisk;
        public int Slot;
        public int Tag;
        public bool Live;
    }

    public SectorPump(Device dev, VirtioMmioTransport mmio)
    {
        _dev = dev;
        _dma = dev.Dma;
        _mmio = mmio;
        Handshake.Begin(mmio, VirtioDeviceType.Block);
        _vq = new TinyRing(dev, mmio, VirtioBlkConfig.RequestQueue, 64);
        Handshake.Finish(mmio);
        QueueDepth = _vq.Size / 3;
        _cmd = new KBuffer[QueueDepth];
        _byHead = new InFlight[_vq.Size];
        for (int s = 0; s < QueueDepth; s++)
        {
            _cmd[s] = dev.Machine.Memory.Allocate(StatusAt + 1);
            _idle.Push(s);
        }
    }

    public int QueueDepth { get; }

    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag) => Enqueue(write, sector, data, length, tag) == 0;

    private int Enqueue(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        if (_vq.FreeDescs < 3 || !_idle.TryPop(out int slot))
        {
            return Enospc;
        }

        Span<byte> header = _cmd[slot].Span;
        BinaryPrimitives.WriteUInt32LittleEndian(header, write ? VirtioBlkReq.TypeOut : VirtioBlkReq.TypeIn);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        header[StatusAt] = 0xff;
        DmaAddr cmd = _dma.MapSingle(_cmd[slot], 0, StatusAt + 1, DmaDirection.Bidirectional);
        if (_dma.MappingError(cmd))
        {
            _idle.Push(slot);
            return Enomem;
        }

        DmaDirection way = write ? DmaDirection.ToDevice : DmaDirection.FromDevice;
        DmaAddr payload = _dma.MapSingle(data, 0, length, way);
        Span<RingSlot> chain = stackalloc RingSlot[3];
        chain[0].Addr = cmd.Value;
        chain[0].Len = VirtioBlkReq.HeaderSize;
        chain[1].Addr = payload.Value;
        chain[1].Len = (uint)length;
        chain[1].Flags = write ? VirtqDescFlags.None : VirtqDescFlags.Write;
        chain[2].Addr = cmd.Value + StatusAt;
        chain[2].Len = 1;
        chain[2].Flags = VirtqDescFlags.Write;
        int head = _vq.Post(chain);
        if (head < 0)
        {
            _dma.UnmapSingle(payload, length, way);
            _dma.UnmapSingle(cmd, StatusAt + 1, DmaDirection.ToDevice);
            _idle.Push(slot);
            return Enospc;
        }

        _byHead[head] = new InFlight { Cmd = cmd, Data = payload, DataLength = length, ToDisk = write, Slot = slot, Tag = tag, Live = true };
        return 0;
    }

    public void Kick() => _vq.Notify();

    public bool TryComplete(out int tag, out bool ok)
    {
        Handshake.Ack(_mmio);
        if (!_vq.TakeUsed(out int head, out _))
        {
            tag = -1;
            ok = false;
            return false;
        }

        InFlight done = _byHead[head];
        _byHead[head].Live = false;
        _dma.UnmapSingle(done.Cmd, StatusAt + 1, DmaDirection.Bidirectional);
        _dma.UnmapSingle(done.Data, done.DataLength, done.ToDisk ? DmaDirection.ToDevice : DmaDirection.FromDevice);
        ok = _cmd[done.Slot].Span[StatusAt] == VirtioBlkReq.StatusOk;
        tag = done.Tag;
        _idle.Push(done.Slot);
        return true;
    }

    public void Dispose()
    {
        _mmio.Write(VirtioMmio.Status, 0);
        foreach (InFlight left in _byHead)
        {
            if (left.Live)
            {
                _dma.UnmapSingle(left.Cmd, StatusAt + 1, DmaDirection.Bidirectional);
                _dma.UnmapSingle(left.Data, left.DataLength, left.ToDisk ? DmaDirection.ToDevice : DmaDirection.FromDevice);
            }
        }

        _vq.Dispose();
        foreach (KBuffer page in _cmd)
        {
            _dev.Machine.Memory.Free(page);
        }
    }
}
