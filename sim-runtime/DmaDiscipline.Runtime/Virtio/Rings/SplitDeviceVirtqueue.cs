using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The device side of a split virtqueue (virtio 1.x §2.7): reads <c>avail.idx</c> and <c>avail.ring[]</c>,
/// walks the Descriptor Table (and indirect tables), writes <c>used.ring[]</c> and <c>used.idx</c>,
/// honours VIRTQ_AVAIL_F_NO_INTERRUPT or, with EVENT_IDX, <c>used_event</c>, and publishes
/// <c>avail_event</c>. Detects descriptor loops, out-of-range heads and <c>next</c> indices,
/// <c>avail.idx</c> running more than a queue ahead, and over-long chains.
/// </summary>
public sealed class SplitDeviceVirtqueue : DeviceVirtqueue
{
    private readonly int[] _seen; // walk stamp per descriptor index: loop detection without clearing
    private int _stamp;
    private ushort _lastAvailIdx;
    private ushort _usedIdx;
    private ushort _signalledUsedIdx;

    internal SplitDeviceVirtqueue(VirtioMmioTransport transport, int index, int size, DmaAddr descArea, DmaAddr driverArea, DmaAddr deviceArea, ulong features)
        : base(transport, index, size, descArea, driverArea, deviceArea, features)
    {
        _seen = new int[size];
        _gap = CacheLineGap.Make(); // last: another queue's ring state may be made next (see CacheLineGap)
    }

    private readonly byte[] _gap;

    /// <inheritdoc />
    public override VirtqueueFormat Format => VirtqueueFormat.Split;

    /// <summary>The device's last_avail_idx: the next <c>avail.ring</c> slot (free-running, modulo 2^16) it will read.</summary>
    public ushort LastAvailIdx => _lastAvailIdx;

    /// <summary>The device's used index: the value of <c>used.idx</c> it last wrote.</summary>
    public ushort UsedIdx => _usedIdx;

    private protected override VirtqPopResult PopCore()
    {
        ulong avail = DriverArea.Value;
        if (!Bus.TryReadUInt16(new DmaAddr(avail + VirtqAvail.IdxOffset), out ushort availIdx))
        {
            return RingFault("reading avail.idx", avail + VirtqAvail.IdxOffset);
        }

        ushort pending = (ushort)(availIdx - _lastAvailIdx);
        if (pending == 0)
        {
            PublishAvailEvent();
            return VirtqPopResult.Empty;
        }

        if (pending > Size)
        {
            return Broken(VirtioErrorKind.IndexOutOfRange,
                $"avail.idx {availIdx} is {pending} entries ahead of last_avail_idx {_lastAvailIdx}, more than the queue size {Size}");
        }

        ulong slot = avail + (ulong)VirtqAvail.RingEntryOffset(_lastAvailIdx % Size);
        if (!Bus.TryReadUInt16(new DmaAddr(slot), out ushort head))
        {
            return RingFault("reading avail.ring", slot);
        }

        if (head >= Size)
        {
            return Broken(VirtioErrorKind.IndexOutOfRange, $"avail.ring[{_lastAvailIdx % Size}] = {head} is not below the queue size {Size}");
        }

        VirtqPopResult? error = Walk(head);
        if (error is { } broken)
        {
            return broken;
        }

        Chain.Id = head;
        _lastAvailIdx++;
        PublishAvailEvent();
        return VirtqPopResult.Chain;
    }

    private protected override bool PushCore(VirtqChain chain, uint written)
    {
        ulong used = DeviceArea.Value;
        Span<byte> elem = stackalloc byte[VirtqUsed.ElemSize];
        BinaryPrimitives.WriteUInt32LittleEndian(elem[VirtqUsed.ElemIdOffset..], chain.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(elem[VirtqUsed.ElemLenOffset..], written);
        ulong slot = used + (ulong)VirtqUsed.RingEntryOffset(_usedIdx % Size);
        if (!Bus.TryWrite(new DmaAddr(slot), elem))
        {
            RingFault("writing used.ring", slot);
            return false;
        }

        ushort next = (ushort)(_usedIdx + 1);
        if (!Bus.TryWriteUInt16(new DmaAddr(used + VirtqUsed.IdxOffset), next))
        {
            RingFault("writing used.idx", used + VirtqUsed.IdxOffset);
            return false;
        }

        _usedIdx = next;
        return true;
    }

    private protected override bool? NeedsInterruptCore()
    {
        ushort old = _signalledUsedIdx;
        ushort current = _usedIdx;
        if (old == current)
        {
            return null;
        }

        _signalledUsedIdx = current;
        ulong avail = DriverArea.Value;
        if (EventIdx)
        {
            ulong at = avail + (ulong)VirtqAvail.UsedEventOffset(Size);
            if (!Bus.TryReadUInt16(new DmaAddr(at), out ushort usedEvent))
            {
                RingFault("reading used_event", at);
                return false;
            }

            // vring_need_event(): notify if used_event lies in (old, current].
            return (ushort)(current - usedEvent - 1) < (ushort)(current - old);
        }

        if (!Bus.TryReadUInt16(new DmaAddr(avail + VirtqAvail.FlagsOffset), out ushort flags))
        {
            RingFault("reading avail.flags", avail + VirtqAvail.FlagsOffset);
            return false;
        }

        return (flags & VirtqAvail.FlagNoInterrupt) == 0;
    }

    /// <summary>
    /// With EVENT_IDX: ask for a notification when the driver makes the next entry available (written
    /// after every pop, as QEMU does, so a device that stops early still asks for the right index).
    /// </summary>
    private void PublishAvailEvent()
    {
        if (!EventIdx)
        {
            return;
        }

        ulong at = DeviceArea.Value + (ulong)VirtqUsed.AvailEventOffset(Size);
        if (!Bus.TryWriteUInt16(new DmaAddr(at), _lastAvailIdx))
        {
            RingFault("writing avail_event", at);
        }
    }

    /// <summary>Follows the chain from <paramref name="head"/>, switching into at most one indirect table.</summary>
    private VirtqPopResult? Walk(ushort head)
    {
        Span<byte> raw = stackalloc byte[VirtqDesc.Size];
        ulong table = DescArea.Value;
        int tableSize = Size;
        bool indirect = false;
        int index = head;
        int stamp = NextStamp();
        while (true)
        {
            var where = new DescLocation(index, head, indirect);
            if (_seen[index] == stamp)
            {
                return Broken(VirtioErrorKind.DescriptorLoop, $"{where}: the chain loops back to a descriptor it already used");
            }

            _seen[index] = stamp;
            ulong at = table + (ulong)VirtqDesc.OffsetOf(index);
            if (!Bus.TryRead(new DmaAddr(at), raw))
            {
                return RingFault(indirect ? "reading an indirect descriptor" : "reading the descriptor table", at);
            }

            VirtqDesc desc = VirtqDesc.Read(raw);
            bool next = (desc.Flags & VirtqDescFlags.Next) != 0;
            if ((desc.Flags & VirtqDescFlags.Indirect) != 0)
            {
                if (indirect)
                {
                    return Broken(VirtioErrorKind.BadIndirect, $"{where}: VIRTQ_DESC_F_INDIRECT inside an indirect table");
                }

                VirtqPopResult? bad = CheckIndirect(desc.Addr, desc.Len, next, Chain.Count > 0, out int entries, where);
                if (bad is not null)
                {
                    return bad;
                }

                table = desc.Addr;
                tableSize = entries;
                indirect = true;
                index = 0;
                stamp = NextStamp();
                continue;
            }

            VirtqPopResult? error = AddSegment(desc.Addr, desc.Len, (desc.Flags & VirtqDescFlags.Write) != 0, where);
            if (error is not null)
            {
                return error;
            }

            if (!next)
            {
                return null;
            }

            if (desc.Next >= tableSize)
            {
                return Broken(VirtioErrorKind.IndexOutOfRange, $"{where}: next = {desc.Next} is not below the {(indirect ? "indirect table size" : "queue size")} {tableSize}");
            }

            index = desc.Next;
        }
    }

    private int NextStamp()
    {
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_seen);
            _stamp = 1;
        }

        return _stamp;
    }
}
