using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using Corpus.Shared;

namespace Corpus.Blk;

/// <summary>
/// A synchronous virtio-blk driver that stages every transfer through small chunks of its own (one descriptor per
/// chunk), waits for the device in the same call, copies the data out (reads) or scrubs the chunks (writes), and
/// queues the completion for <see cref="TryComplete"/>. The command header and status live in one coherent buffer.
/// Defects: the chunks are handed to the device by physical address (DMA001, in both transfer loops).
/// </summary>
public sealed class StagedDisk : IBlkDriver
{
    private const int ChunkBytes = 1024;
    private const int MaxChunks = 8;
    private const int StatusAt = VirtioBlkReq.HeaderSize;

    private readonly Device _dev;
    private readonly VirtioMmioTransport _mmio;
    private readonly TinyRing _vq;
    private readonly CoherentBuffer _cmd;
    private readonly Queue<(int Tag, bool Ok)> _done = new();

    public StagedDisk(Device dev, VirtioMmioTransport mmio)
    {
        _dev = dev;
        _mmio = mmio;
        Handshake.Begin(mmio, VirtioDeviceType.Block);
        _vq = new TinyRing(dev, mmio, VirtioBlkConfig.RequestQueue, 16);
        Handshake.Finish(mmio);
        _cmd = dev.Dma.AllocCoherent(StatusAt + 1);
    }

    public int QueueDepth => 4;

    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag)
    {
        if (length <= 0 || length > ChunkBytes * MaxChunks || length % ChunkBytes != 0 || _done.Count >= QueueDepth)
        {
            return false;
        }

        KBuffer[] chunks = new KBuffer[length / ChunkBytes];
        for (int c = 0; c < chunks.Length; c++)
        {
            chunks[c] = _dev.Machine.Memory.Allocate(ChunkBytes);
        }

        bool ok = write ? WriteChunks(sector, data, chunks) : ReadChunks(sector, data, chunks);
        foreach (KBuffer chunk in chunks)
        {
            _dev.Machine.Memory.Free(chunk);
        }

        _done.Enqueue((tag, ok));
        return true;
    }

    public void Kick()
    {
        // Every request already ran to completion in Submit.
    }

    public bool TryComplete(out int tag, out bool ok)
    {
        Handshake.Ack(_mmio);
        if (_done.TryDequeue(out var next))
        {
            tag = next.Tag;
            ok = next.Ok;
            return true;
        }

        tag = -1;
        ok = false;
        return false;
    }

    private bool ReadChunks(ulong sector, KBuffer data, KBuffer[] chunks)
    {
        Header(VirtioBlkReq.TypeIn, sector);
        Span<RingSlot> chain = stackalloc RingSlot[MaxChunks + 2];
        int n = 0;
        Put(chain, n++, _cmd.DmaAddress.Value, VirtioBlkReq.HeaderSize, VirtqDescFlags.None);
        for (int i = 0; i < chunks.Length; i++)
        {
            Put(chain, n++, chunks[i].PhysicalAddress.Value, chunks[i].Length, VirtqDescFlags.Write);
        }

        Put(chain, n++, _cmd.DmaAddress.Value + StatusAt, 1, VirtqDescFlags.Write);
        bool answered = RunChain(chain[..n]);
        for (int k = 0; k < chunks.Length; k++)
        {
            chunks[k].Span.CopyTo(data.Span[(k * ChunkBytes)..]);
        }

        return answered && _cmd.Span[StatusAt] == VirtioBlkReq.StatusOk;
    }

    private bool WriteChunks(ulong sector, KBuffer data, KBuffer[] chunks)
    {
        for (int k = 0; k < chunks.Length; k++)
        {
            data.Span.Slice(k * ChunkBytes, ChunkBytes).CopyTo(chunks[k].Span);
        }

        Header(VirtioBlkReq.TypeOut, sector);
        Span<RingSlot> chain = stackalloc RingSlot[MaxChunks + 2];
        int n = 0;
        Put(chain, n++, _cmd.DmaAddress.Value, VirtioBlkReq.HeaderSize, VirtqDescFlags.None);
        for (int i = 0; i < chunks.Length; i++)
        {
            Put(chain, n++, chunks[i].PhysicalAddress.Value, chunks[i].Length, VirtqDescFlags.None);
        }

        Put(chain, n++, _cmd.DmaAddress.Value + StatusAt, 1, VirtqDescFlags.Write);
        bool answered = RunChain(chain[..n]);
        for (int k = 0; k < chunks.Length; k++)
        {
            chunks[k].Span.Clear(); // no sector data lingers in the staging chunks
        }

        return answered && _cmd.Span[StatusAt] == VirtioBlkReq.StatusOk;
    }

    private void Header(uint type, ulong sector)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_cmd.Span, type);
        BinaryPrimitives.WriteUInt32LittleEndian(_cmd.Span[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(_cmd.Span[VirtioBlkReq.SectorOffset..], sector);
        _cmd.Span[StatusAt] = 0xff;
    }

    private static void Put(Span<RingSlot> chain, int at, ulong addr, int len, VirtqDescFlags flags)
    {
        chain[at].Addr = addr;
        chain[at].Len = (uint)len;
        chain[at].Flags = flags;
    }

    /// <summary>Posts the chain and waits for it: the device answers a notify before it returns.</summary>
    private bool RunChain(ReadOnlySpan<RingSlot> chain)
    {
        if (_vq.Post(chain) < 0)
        {
            return false;
        }

        _vq.Notify();
        return _vq.TakeUsed(out _, out _);
    }

    public void Dispose()
    {
        _mmio.Write(VirtioMmio.Status, 0);
        _vq.Dispose();
        _dev.Dma.FreeCoherent(_cmd);
    }
}
