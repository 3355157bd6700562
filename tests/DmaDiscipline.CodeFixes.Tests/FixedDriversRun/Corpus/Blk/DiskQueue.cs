using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using Corpus.Shared;

namespace Corpus.Blk;

/// <summary>
/// A virtio-blk driver that maps each request's data as a scatter-gather list of sectors (one descriptor per bus
/// segment the platform returns) beside a Bidirectional command buffer, and throws when the DMA API refuses. Defect: it promises a deeper queue than its ring holds, and when the
/// ring is full it gives up without unmapping the list (DMA002).
/// </summary>
public sealed class DiskQueue : IBlkDriver
{
    private readonly Device _hw;
    private readonly VirtioMmioTransport _port;
    private readonly TinyRing _q;
    private readonly Dictionary<int, (ScatterList List, DmaDirection Way, KBuffer Cmd, DmaAddr Bus, int Tag)> _pending = new();

    public DiskQueue(Device hw, VirtioMmioTransport port)
    {
        _hw = hw;
        _port = port;
        Handshake.Begin(port, VirtioDeviceType.Block);
        _q = new TinyRing(hw, port, VirtioBlkConfig.RequestQueue, 32);
        Handshake.Finish(port);
    }

    public int QueueDepth => _q.Size / 2; // optimistic: the ring fills before the queue does

    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        KBuffer cmd = _hw.Machine.Memory.Allocate(VirtioBlkReq.HeaderSize + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(cmd.Span, write ? VirtioBlkReq.TypeOut : VirtioBlkReq.TypeIn);
        BinaryPrimitives.WriteUInt64LittleEndian(cmd.Span[VirtioBlkReq.SectorOffset..], sector);
        cmd.Span[VirtioBlkReq.HeaderSize] = 0xff;
        DmaAddr bus = _hw.Dma.MapSingle(cmd, 0, cmd.Length, DmaDirection.Bidirectional);
        if (_hw.Dma.MappingError(bus))
        {
            _hw.Machine.Memory.Free(cmd);
            throw new InsufficientMemoryException("virtio-blk: no DMA mapping for the command");
        }

        // The data as sectors: the platform may merge them into fewer bus segments.
        DmaDirection way = write ? DmaDirection.ToDevice : DmaDirection.FromDevice;
        var list = new ScatterList(length / VirtioBlkReq.SectorSize);
        for (int at = 0; at < length; at += VirtioBlkReq.SectorSize)
        {
            list.Add(data, at, VirtioBlkReq.SectorSize);
        }

        int segments = _hw.Dma.MapSg(list, way);
        if (segments == 0)
        {
            _hw.Dma.UnmapSingle(bus, cmd.Length, DmaDirection.Bidirectional);
            _hw.Machine.Memory.Free(cmd);
            throw new InsufficientMemoryException("virtio-blk: no DMA mapping for the data");
        }

        Span<RingSlot> descs = stackalloc RingSlot[segments + 2];
        descs[0].Addr = bus.Value;
        descs[0].Len = VirtioBlkReq.HeaderSize;
        for (int i = 0; i < segments; i++)
        {
            descs[1 + i].Addr = list.DmaAddress(i).Value;
            descs[1 + i].Len = (uint)list.DmaLength(i);
            descs[1 + i].Flags = write ? VirtqDescFlags.None : VirtqDescFlags.Write;
        }

        descs[segments + 1].Addr = bus.Value + VirtioBlkReq.HeaderSize;
        descs[segments + 1].Len = 1;
        descs[segments + 1].Flags = VirtqDescFlags.Write;
        int head = _q.Post(descs);
        if (head < 0)
        {
            _hw.Dma.UnmapSingle(bus, cmd.Length, DmaDirection.Bidirectional);
            _hw.Machine.Memory.Free(cmd);
            return false;
        }

        _pending[head] = (list, way, cmd, bus, tag);
        return true;
    }

    public void Kick() => _q.Notify();

    public bool TryComplete(out int tag, out bool ok)
    {
        Handshake.Ack(_port);
        tag = 0;
        ok = false;
        if (!_q.TakeUsed(out int head, out _) || !_pending.Remove(head, out var request))
        {
            return false;
        }

        _hw.Dma.UnmapSg(request.List, request.Way);
        _hw.Dma.UnmapSingle(request.Bus, request.Cmd.Length, DmaDirection.Bidirectional);
        ok = request.Cmd.Span[VirtioBlkReq.HeaderSize] == VirtioBlkReq.StatusOk;
        _hw.Machine.Memory.Free(request.Cmd);
        tag = request.Tag;
        return true;
    }

    public void Dispose()
    {
        _port.Write(VirtioMmio.Status, 0);
        foreach (var request in _pending.Values)
        {
            _hw.Dma.UnmapSg(request.List, request.Way);
            _hw.Dma.UnmapSingle(request.Bus, request.Cmd.Length, DmaDirection.Bidirectional);
            _hw.Machine.Memory.Free(request.Cmd);
        }

        _pending.Clear();
        _q.Dispose();
    }
}
