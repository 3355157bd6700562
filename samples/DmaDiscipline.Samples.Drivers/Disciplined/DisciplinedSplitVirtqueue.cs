using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A split virtqueue that goes through the DMA API for everything the device touches (the shape
/// of <c>virtio_ring.c</c> since 4.x): the rings live in one <see cref="DmaApi.AllocCoherent"/>
/// buffer, every buffer added is mapped with <see cref="DmaApi.MapSingle"/>, checked with
/// <see cref="DmaApi.MappingError"/> and unmapped when the device returns it. Premapped buffers
/// (a page pool's) are written as given and left mapped.
/// </summary>
public sealed class DisciplinedSplitVirtqueue : IVirtqueue
{
    private readonly DmaApi _dma;
    private readonly VirtioMmioTransport _transport;
    private readonly CoherentBuffer _ring;
    private readonly int _availOffset;
    private readonly int _usedOffset;
    private readonly DescExtra[] _descExtra;
    private readonly object?[] _data;
    private readonly bool _eventIdx;
    private ushort _freeHead;
    private ushort _availIdxShadow;
    private ushort _lastUsedIdx;
    private ushort _addedSinceKick;

    /// <summary>Sets up queue <paramref name="index"/> with <paramref name="num"/> entries (a power of two, at most QueueNumMax).</summary>
    /// <exception cref="InvalidOperationException">The device does not offer the queue or it is too small.</exception>
    public DisciplinedSplitVirtqueue(DmaApi dma, VirtioMmioTransport transport, int index, int num, bool eventIdx)
    {
        _dma = dma;
        _transport = transport;
        Index = index;
        _transport.Write(VirtioMmio.QueueSel, (uint)index);
        uint max = _transport.Read(VirtioMmio.QueueNumMax);
        if (max == 0 || _transport.Read(VirtioMmio.QueueReady) != 0)
        {
            throw new InvalidOperationException($"virtio-mmio: queue {index} is not available.");
        }

        Num = (int)Math.Min((uint)num, max);
        _eventIdx = eventIdx;
        _availOffset = VirtqDesc.TableSize(Num);
        _usedOffset = Align(_availOffset + VirtqAvail.Size(Num), VirtqUsed.Alignment);
        _ring = dma.AllocCoherent(_usedOffset + VirtqUsed.Size(Num));
        _ring.Span.Clear();

        // A polling driver: used buffer notifications off (virtqueue_disable_cb), as the packed ring's
        // driver has them. Without EVENT_IDX, VRING_AVAIL_F_NO_INTERRUPT; with it, used_event stays 0, which
        // the device passes once per 65,536 buffers (Linux writes 0 there too). A used_event that followed
        // every buffer taken asked for an interrupt per packet: each queue's run set the device-wide
        // InterruptStatus, each queue's poll acked it, and with two queues that line went back and forth
        // between their cores (the split ring's two-queue cells spent more per operation than the packed ring's).
        if (!_eventIdx)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(Avail[VirtqAvail.FlagsOffset..], VirtqAvail.FlagNoInterrupt);
        }
        _descExtra = new DescExtra[Num];
        _data = new object?[Num];
        for (int i = 0; i < Num - 1; i++)
        {
            _descExtra[i].Next = (ushort)(i + 1);
        }

        NumFree = Num;
        _transport.Write(VirtioMmio.QueueNum, (uint)Num);
        _transport.SetQueueDesc(_ring.DmaAddress.Value);
        _transport.SetQueueDriver(_ring.DmaAddress.Value + (ulong)_availOffset);
        _transport.SetQueueDevice(_ring.DmaAddress.Value + (ulong)_usedOffset);
        _transport.Write(VirtioMmio.QueueReady, 1);
        // Last: the next queue's objects are made after this one's by the same (probing) thread; two cache lines
        // between them keep what each queue's thread writes off the other's lines (the collector keeps allocation order).
        _gap = new byte[128];
    }

    private readonly byte[] _gap;

    /// <summary>Queue index on the device.</summary>
    public int Index { get; }

    /// <summary>Ring size.</summary>
    public int Num { get; }

    /// <summary>Free descriptors (<c>num_free</c>).</summary>
    public int NumFree { get; private set; }

    /// <summary>Kicks skipped because the device asked not to be notified (event index or NO_NOTIFY).</summary>
    public long SuppressedKicks { get; private set; }

    private Span<byte> Desc => _ring.Span[.._availOffset];

    private Span<byte> Avail => _ring.Span.Slice(_availOffset, VirtqAvail.Size(Num));

    private Span<byte> Used => _ring.Span.Slice(_usedOffset, VirtqUsed.Size(Num));

    /// <summary>
    /// Exposes a request to the device (<c>virtqueue_add_sgs</c>): device-readable buffers first,
    /// then device-writable ones, each mapped for its direction. On a mapping failure everything
    /// mapped so far is unmapped and nothing is exposed.
    /// </summary>
    /// <returns>False when the ring is full or a mapping failed.</returns>
    public bool AddSgs(ReadOnlySpan<VirtqueueBuffer> outBufs, ReadOnlySpan<VirtqueueBuffer> inBufs, object data)
    {
        int total = outBufs.Length + inBufs.Length;
        if (total == 0 || total > NumFree)
        {
            return false;
        }

        ushort head = _freeHead;
        ushort i = head;
        ushort prev = head;
        int mapped = 0;
        for (int n = 0; n < total; n++)
        {
            bool write = n >= outBufs.Length;
            VirtqueueBuffer sg = write ? inBufs[n - outBufs.Length] : outBufs[n];
            DmaDirection direction = write ? DmaDirection.FromDevice : DmaDirection.ToDevice;
            DmaAddr addr = _dma.MapSingle(sg.Buffer, sg.Offset, sg.Length, direction);
            if (_dma.MappingError(addr))
            {
                UnmapRelease(head, mapped);
                return false;
            }

            VirtqDescFlags flags = (write ? VirtqDescFlags.Write : VirtqDescFlags.None) | (n + 1 < total ? VirtqDescFlags.Next : VirtqDescFlags.None);
            SetDesc(i, addr, sg.Length, direction, unmap: true, flags);
            mapped++;
            prev = i;
            i = _descExtra[i].Next;
        }

        Publish(head, i, total, data);
        return true;
    }

    /// <summary>
    /// Exposes one buffer the caller already mapped and keeps mapped
    /// (<c>virtqueue_add_inbuf_premapped</c>): the page pool's receive path and premapped transmit buffers.
    /// </summary>
    public bool AddPremapped(DmaAddr addr, int length, bool deviceWrites, object data)
    {
        if (NumFree == 0)
        {
            return false;
        }

        ushort head = _freeHead;
        SetDesc(head, addr, length, deviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice, unmap: false, deviceWrites ? VirtqDescFlags.Write : VirtqDescFlags.None);
        Publish(head, _descExtra[head].Next, 1, data);
        return true;
    }

    /// <summary>Notifies the device if it wants to be notified (<c>virtqueue_kick</c>). Returns whether it was notified.</summary>
    public bool Kick()
    {
        ushort newIdx = _availIdxShadow;
        ushort oldIdx = (ushort)(newIdx - _addedSinceKick);
        _addedSinceKick = 0;
        bool needKick = _eventIdx
            ? NeedEvent(BinaryPrimitives.ReadUInt16LittleEndian(Used[VirtqUsed.AvailEventOffset(Num)..]), newIdx, oldIdx)
            : (BinaryPrimitives.ReadUInt16LittleEndian(Used) & VirtqUsed.FlagNoNotify) == 0;
        if (!needKick)
        {
            SuppressedKicks++;
            return false;
        }

        _transport.Write(VirtioMmio.QueueNotify, (uint)Index);
        return true;
    }

    /// <summary>
    /// Takes the next buffer the device returned (<c>virtqueue_get_buf</c>): its chain is unmapped
    /// (unless premapped) and freed. Returns null when the device has returned nothing new.
    /// </summary>
    public object? GetBuf(out int len)
    {
        len = 0;
        Span<byte> used = Used;
        ushort usedIdx = BinaryPrimitives.ReadUInt16LittleEndian(used[VirtqUsed.IdxOffset..]);
        if (usedIdx == _lastUsedIdx)
        {
            return null;
        }

        int slot = VirtqUsed.RingEntryOffset(_lastUsedIdx & (Num - 1));
        uint id = BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemIdOffset)..]);
        len = (int)BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemLenOffset)..]);
        if (id >= Num || _data[id] is null)
        {
            throw new InvalidOperationException($"virtio: queue {Index}: device returned id {id}, which is not a head in use (ring corruption).");
        }

        object data = _data[id]!;
        _data[id] = null;
        DetachBuf((ushort)id);
        _lastUsedIdx++;
        return data;
    }

    /// <summary>
    /// Takes back a buffer the device never used (<c>virtqueue_detach_unused_buf</c>), for teardown
    /// after the device was reset. Null when none is left.
    /// </summary>
    public object? DetachUnusedBuf()
    {
        for (ushort head = 0; head < Num; head++)
        {
            if (_data[head] is { } data)
            {
                _data[head] = null;
                DetachBuf(head);
                return data;
            }
        }

        return null;
    }

    /// <summary>Frees the ring memory. The device must have been reset first; unused buffers detached.</summary>
    public void Dispose()
    {
        if (!_ring.IsFreed)
        {
            _dma.FreeCoherent(_ring);
        }
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    /// <summary><c>vring_need_event</c>: did the device ask for a notification between old and new?</summary>
    private static bool NeedEvent(ushort eventIdx, ushort newIdx, ushort oldIdx) =>
        (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);

    private void SetDesc(ushort i, DmaAddr addr, int len, DmaDirection direction, bool unmap, VirtqDescFlags flags)
    {
        ref DescExtra extra = ref _descExtra[i];
        extra.Addr = addr;
        extra.Len = len;
        extra.Direction = direction;
        extra.Unmap = unmap;
        extra.Flags = flags;
        VirtqDescWriter.WriteSplit(Desc, i, addr.Value, len, flags, extra.Next);
    }

    private void Publish(ushort head, ushort nextFree, int count, object data)
    {
        _freeHead = nextFree;
        NumFree -= count;
        _data[head] = data;
        Span<byte> avail = Avail;
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.RingEntryOffset(_availIdxShadow & (Num - 1))..], head);
        _availIdxShadow++;
        _addedSinceKick++;
        Interlocked.MemoryBarrier(); // virtio_wmb: the ring entry must be visible before the new idx
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.IdxOffset..], _availIdxShadow);
    }

    private void DetachBuf(ushort head)
    {
        ushort i = head;
        int count = 1;
        while (true)
        {
            ref DescExtra extra = ref _descExtra[i];
            if (extra.Unmap)
            {
                _dma.UnmapSingle(extra.Addr, extra.Len, extra.Direction);
                extra.Unmap = false;
            }

            if ((extra.Flags & VirtqDescFlags.Next) == 0)
            {
                break;
            }

            i = extra.Next;
            count++;
        }

        _descExtra[i].Next = _freeHead;
        _freeHead = head;
        NumFree += count;
    }

    /// <summary>Undoes the mappings of a partly built chain (the <c>unmap_release</c> path).</summary>
    private void UnmapRelease(ushort head, int mapped)
    {
        ushort i = head;
        for (int n = 0; n < mapped; n++)
        {
            ref DescExtra extra = ref _descExtra[i];
            _dma.UnmapSingle(extra.Addr, extra.Len, extra.Direction);
            extra.Unmap = false;
            i = extra.Next;
        }
    }
}
