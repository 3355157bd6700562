using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A packed virtqueue (virtio 1.1, <c>virtqueue_add_packed</c> and friends) on the DMA API: the
/// descriptor ring and both event suppression areas live in one coherent buffer, buffers are
/// mapped per request and unmapped when the device marks them used. Buffer ids name chains of
/// <c>desc_extra</c> entries, so the driver never trusts what the device wrote back into the ring
/// for anything but the id and the length.
/// </summary>
public sealed class DisciplinedPackedVirtqueue : IVirtqueue
{
    private readonly DmaApi _dma;
    private readonly VirtioMmioTransport _transport;
    private readonly CoherentBuffer _ring;
    private readonly int _driverOffset;
    private readonly int _deviceOffset;
    private readonly DescExtra[] _descExtra;
    private readonly object?[] _data;
    private readonly ushort[] _descNum;
    private readonly ushort[] _descLast;
    private readonly bool _eventIdx;
    private ushort _freeHead;
    private ushort _nextAvailIdx;
    private bool _availWrapCounter = true;
    private ushort _lastUsedIdx;
    private bool _usedWrapCounter = true;
    private ushort _numAdded;

    /// <summary>Sets up queue <paramref name="index"/> with <paramref name="num"/> entries (at most QueueNumMax).</summary>
    /// <exception cref="InvalidOperationException">The device does not offer the queue.</exception>
    public DisciplinedPackedVirtqueue(DmaApi dma, VirtioMmioTransport transport, int index, int num, bool eventIdx)
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
        _driverOffset = PvirtqDesc.RingSize(Num);
        _deviceOffset = _driverOffset + PvirtqEventSuppress.Size;
        _ring = dma.AllocCoherent(_deviceOffset + PvirtqEventSuppress.Size);
        _ring.Span.Clear();
        _descExtra = new DescExtra[Num];
        _data = new object?[Num];
        _descNum = new ushort[Num];
        _descLast = new ushort[Num];
        for (int i = 0; i < Num - 1; i++)
        {
            _descExtra[i].Next = (ushort)(i + 1);
        }

        NumFree = Num;

        // A polling driver: used buffer notifications off (virtqueue_disable_cb).
        BinaryPrimitives.WriteUInt16LittleEndian(_ring.Span[(_driverOffset + PvirtqEventSuppress.FlagsOffset)..], PvirtqEventSuppress.RingEventFlagsDisable);
        _transport.Write(VirtioMmio.QueueNum, (uint)Num);
        _transport.SetQueueDesc(_ring.DmaAddress.Value);
        _transport.SetQueueDriver(_ring.DmaAddress.Value + (ulong)_driverOffset);
        _transport.SetQueueDevice(_ring.DmaAddress.Value + (ulong)_deviceOffset);
        _transport.Write(VirtioMmio.QueueReady, 1);
        // Last: the next queue's objects are made after this one's by the same (probing) thread; two cache lines
        // between them keep what each queue's thread writes off the other's lines (the collector keeps allocation order).
        _gap = new byte[128];
    }

    private readonly byte[] _gap;

    /// <summary>Queue index on the device.</summary>
    public int Index { get; }

    /// <inheritdoc />
    public int Num { get; }

    /// <inheritdoc />
    public int NumFree { get; private set; }

    /// <summary>Kicks skipped because the device asked not to be notified.</summary>
    public long SuppressedKicks { get; private set; }

    private Span<byte> Desc => _ring.Span[.._driverOffset];

    /// <inheritdoc />
    public bool AddSgs(ReadOnlySpan<VirtqueueBuffer> outBufs, ReadOnlySpan<VirtqueueBuffer> inBufs, object data)
    {
        int total = outBufs.Length + inBufs.Length;
        if (total == 0 || total > NumFree)
        {
            return false;
        }

        // Map everything first: a failure must leave the ring untouched.
        ushort id = _freeHead;
        ushort curr = id;
        for (int n = 0; n < total; n++)
        {
            bool write = n >= outBufs.Length;
            VirtqueueBuffer sg = write ? inBufs[n - outBufs.Length] : outBufs[n];
            DmaDirection direction = write ? DmaDirection.FromDevice : DmaDirection.ToDevice;
            DmaAddr addr = _dma.MapSingle(sg.Buffer, sg.Offset, sg.Length, direction);
            if (_dma.MappingError(addr))
            {
                UnmapRelease(id, n);
                return false;
            }

            ref DescExtra extra = ref _descExtra[curr];
            extra.Addr = addr;
            extra.Len = sg.Length;
            extra.Direction = direction;
            extra.Unmap = true;
            extra.Flags = (write ? VirtqDescFlags.Write : VirtqDescFlags.None) | (n + 1 < total ? VirtqDescFlags.Next : VirtqDescFlags.None);
            curr = extra.Next;
        }

        Publish(id, total, data);
        return true;
    }

    /// <inheritdoc />
    public bool AddPremapped(DmaAddr addr, int length, bool deviceWrites, object data)
    {
        if (NumFree == 0)
        {
            return false;
        }

        ushort id = _freeHead;
        ref DescExtra extra = ref _descExtra[id];
        extra.Addr = addr;
        extra.Len = length;
        extra.Direction = deviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice;
        extra.Unmap = false;
        extra.Flags = deviceWrites ? VirtqDescFlags.Write : VirtqDescFlags.None;
        Publish(id, 1, data);
        return true;
    }

    /// <inheritdoc />
    public bool Kick()
    {
        ushort newIdx = _nextAvailIdx;
        ushort oldIdx = (ushort)(newIdx - _numAdded);
        _numAdded = 0;
        Span<byte> device = _ring.Span[_deviceOffset..];
        ushort offWrap = BinaryPrimitives.ReadUInt16LittleEndian(device[PvirtqEventSuppress.DescOffset..]);
        ushort flags = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(device[PvirtqEventSuppress.FlagsOffset..]) & PvirtqEventSuppress.FlagsMask);
        bool needKick;
        if (flags != PvirtqEventSuppress.RingEventFlagsDesc || !_eventIdx)
        {
            needKick = flags != PvirtqEventSuppress.RingEventFlagsDisable;
        }
        else
        {
            bool wrap = (offWrap & PvirtqEventSuppress.WrapBit) != 0;
            ushort eventIdx = (ushort)(offWrap & ~PvirtqEventSuppress.WrapBit);
            if (wrap != _availWrapCounter)
            {
                eventIdx = (ushort)(eventIdx - Num);
            }

            needKick = (ushort)(newIdx - eventIdx - 1) < (ushort)(newIdx - oldIdx);
        }

        if (!needKick)
        {
            SuppressedKicks++;
            return false;
        }

        _transport.Write(VirtioMmio.QueueNotify, (uint)Index);
        return true;
    }

    /// <inheritdoc />
    public object? GetBuf(out int len)
    {
        len = 0;
        PvirtqDesc used = PvirtqDesc.Read(Desc[PvirtqDesc.OffsetOf(_lastUsedIdx)..]);
        if (!PvirtqDesc.IsUsed(used.Flags, _usedWrapCounter))
        {
            return null;
        }

        ushort id = used.Id;
        if (id >= Num || _data[id] is null)
        {
            throw new InvalidOperationException($"virtio: packed queue {Index}: device returned id {id}, which is not in use (ring corruption).");
        }

        len = (int)used.Len;
        object data = _data[id]!;
        _data[id] = null;
        int next = _lastUsedIdx + _descNum[id];
        if (next >= Num)
        {
            next -= Num;
            _usedWrapCounter = !_usedWrapCounter;
        }

        _lastUsedIdx = (ushort)next;
        DetachBuf(id);
        return data;
    }

    /// <inheritdoc />
    public object? DetachUnusedBuf()
    {
        for (ushort id = 0; id < Num; id++)
        {
            if (_data[id] is { } data)
            {
                _data[id] = null;
                DetachBuf(id);
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

    /// <summary>Writes the chain's descriptors into consecutive ring slots, the head's flags last.</summary>
    private void Publish(ushort id, int total, object data)
    {
        Span<byte> ring = Desc;
        ushort head = _nextAvailIdx;
        ushort i = head;
        VirtqDescFlags availUsed = PvirtqDesc.AvailFlags(_availWrapCounter);
        VirtqDescFlags headFlags = VirtqDescFlags.None;
        ushort curr = id;
        ushort prev = id;
        for (int n = 0; n < total; n++)
        {
            ref DescExtra extra = ref _descExtra[curr];
            VirtqDescFlags flags = extra.Flags | availUsed;
            if (i == head)
            {
                headFlags = flags;
                flags = extra.Flags | PvirtqDesc.AvailFlags(!_availWrapCounter); // not available yet
            }

            VirtqDescWriter.WritePacked(ring, i, extra.Addr.Value, extra.Len, id, flags);
            prev = curr;
            curr = extra.Next;
            if (++i >= Num)
            {
                i = 0;
                _availWrapCounter = !_availWrapCounter;
                availUsed = PvirtqDesc.AvailFlags(_availWrapCounter);
            }
        }

        _descNum[id] = (ushort)total;
        _descLast[id] = prev;
        _data[id] = data;
        _freeHead = curr;
        NumFree -= total;
        _nextAvailIdx = i;
        _numAdded += (ushort)total;

        // The head's flags go last: until then the device sees the whole chain as not available.
        Interlocked.MemoryBarrier(); // virtio_wmb
        BinaryPrimitives.WriteUInt16LittleEndian(ring[(PvirtqDesc.OffsetOf(head) + PvirtqDesc.FlagsOffset)..], (ushort)headFlags);
    }

    private void DetachBuf(ushort id)
    {
        ushort curr = id;
        for (int n = 0; n < _descNum[id]; n++)
        {
            ref DescExtra extra = ref _descExtra[curr];
            if (extra.Unmap)
            {
                _dma.UnmapSingle(extra.Addr, extra.Len, extra.Direction);
                extra.Unmap = false;
            }

            curr = extra.Next;
        }

        _descExtra[_descLast[id]].Next = _freeHead;
        _freeHead = id;
        NumFree += _descNum[id];
    }

    private void UnmapRelease(ushort id, int mapped)
    {
        ushort curr = id;
        for (int n = 0; n < mapped; n++)
        {
            ref DescExtra extra = ref _descExtra[curr];
            _dma.UnmapSingle(extra.Addr, extra.Len, extra.Direction);
            extra.Unmap = false;
            curr = extra.Next;
        }
    }
}
