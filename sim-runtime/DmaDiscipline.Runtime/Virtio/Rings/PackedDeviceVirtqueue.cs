using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The device side of a packed virtqueue (virtio 1.x §2.8): one Descriptor Ring in which the driver
/// marks descriptors available (AVAIL = its wrap counter, USED = its inverse) and the device writes
/// used descriptors over them (AVAIL = USED = the device's wrap counter), in order. The device keeps
/// the Driver Ring Wrap Counter it expects (<see cref="AvailWrapCounter"/>) and its own Device Ring
/// Wrap Counter (<see cref="UsedWrapCounter"/>), both starting at 1. Used buffer notifications follow
/// the driver event suppression structure (Driver Area); the device event suppression structure
/// (Device Area) asks for every notification, or with EVENT_IDX for the next descriptor only.
/// </summary>
public sealed class PackedDeviceVirtqueue : DeviceVirtqueue
{
    private int _nextAvail;
    private bool _availWrap = true;
    private int _nextUsed;
    private bool _usedWrap = true;
    private int _usedSinceSignal;

    internal PackedDeviceVirtqueue(VirtioMmioTransport transport, int index, int size, DmaAddr descArea, DmaAddr driverArea, DmaAddr deviceArea, ulong features)
        : base(transport, index, size, descArea, driverArea, deviceArea, features)
    {
        _gap = CacheLineGap.Make(); // another queue's ring state may be made next (see CacheLineGap)
    }

    private readonly byte[] _gap;

    /// <inheritdoc />
    public override VirtqueueFormat Format => VirtqueueFormat.Packed;

    /// <summary>The ring slot the device reads next.</summary>
    public int NextAvail => _nextAvail;

    /// <summary>The wrap counter a descriptor at <see cref="NextAvail"/> must carry to be available.</summary>
    public bool AvailWrapCounter => _availWrap;

    /// <summary>The ring slot of the next used descriptor.</summary>
    public int NextUsed => _nextUsed;

    /// <summary>The Device Ring Wrap Counter, written into used descriptors' AVAIL and USED bits.</summary>
    public bool UsedWrapCounter => _usedWrap;

    internal override void Start() => PublishDeviceEvent();

    private protected override VirtqPopResult PopCore()
    {
        Span<byte> raw = stackalloc byte[PvirtqDesc.Size];
        int position = _nextAvail;
        bool wrap = _availWrap;
        int head = position;
        int slots = 0;
        ushort id = 0;
        while (true)
        {
            var where = new DescLocation(position, head, Indirect: false);
            ulong at = DescArea.Value + (ulong)PvirtqDesc.OffsetOf(position);
            if (!Bus.TryRead(new DmaAddr(at), raw))
            {
                return RingFault("reading the descriptor ring", at);
            }

            PvirtqDesc desc = PvirtqDesc.Read(raw);
            if (!PvirtqDesc.IsAvailable(desc.Flags, wrap))
            {
                if (slots == 0)
                {
                    PublishDeviceEvent();
                    return VirtqPopResult.Empty;
                }

                return Broken(VirtioErrorKind.UnavailableDescriptor,
                    $"{where}: the chain continues (VIRTQ_DESC_F_NEXT) into a descriptor that is not available with wrap counter {(wrap ? 1 : 0)}");
            }

            slots++;
            position++;
            if (position == Size)
            {
                position = 0;
                wrap = !wrap;
            }

            bool next = (desc.Flags & VirtqDescFlags.Next) != 0;
            id = desc.Id;
            if ((desc.Flags & VirtqDescFlags.Indirect) != 0)
            {
                if (CheckIndirect(desc.Addr, desc.Len, next, Chain.Count > 0, out int entries, where) is { } bad)
                {
                    return bad;
                }

                if (ReadIndirect(desc.Addr, entries, head) is { } badEntry)
                {
                    return badEntry;
                }

                break;
            }

            if (AddSegment(desc.Addr, desc.Len, (desc.Flags & VirtqDescFlags.Write) != 0, where) is { } error)
            {
                return error;
            }

            if (!next)
            {
                break;
            }

            if (slots == Size)
            {
                return Broken(VirtioErrorKind.ChainTooLong, $"{where}: the chain is longer than the queue size {Size}");
            }
        }

        Chain.Id = id; // the Buffer ID is in the last descriptor of the chain
        Chain.RingSlots = slots;
        _nextAvail = position;
        _availWrap = wrap;
        if (EventIdx)
        {
            PublishDeviceEvent();
        }

        return VirtqPopResult.Chain;
    }

    private protected override bool PushCore(VirtqChain chain, uint written)
    {
        ulong at = DescArea.Value + (ulong)PvirtqDesc.OffsetOf(_nextUsed);
        Span<byte> idAndLen = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idAndLen, written);
        if (!Bus.TryWrite(new DmaAddr(at + PvirtqDesc.LenOffset), idAndLen)
            || !Bus.TryWriteUInt16(new DmaAddr(at + PvirtqDesc.IdOffset), chain.Id))
        {
            RingFault("writing a used descriptor", at);
            return false;
        }

        // The flags go last: they hand the descriptor to the driver.
        VirtqDescFlags flags = PvirtqDesc.UsedFlags(_usedWrap) | (written > 0 ? VirtqDescFlags.Write : VirtqDescFlags.None);
        if (!Bus.TryWriteUInt16(new DmaAddr(at + PvirtqDesc.FlagsOffset), (ushort)flags))
        {
            RingFault("writing a used descriptor's flags", at + PvirtqDesc.FlagsOffset);
            return false;
        }

        _nextUsed += chain.RingSlots;
        if (_nextUsed >= Size)
        {
            _nextUsed -= Size;
            _usedWrap = !_usedWrap;
        }

        _usedSinceSignal += chain.RingSlots;
        return true;
    }

    private protected override bool? NeedsInterruptCore()
    {
        int count = _usedSinceSignal;
        if (count == 0)
        {
            return null;
        }

        _usedSinceSignal = 0;
        Span<byte> raw = stackalloc byte[PvirtqEventSuppress.Size];
        if (!Bus.TryRead(DriverArea, raw))
        {
            RingFault("reading the driver event suppression structure", DriverArea.Value);
            return false;
        }

        ushort desc = BinaryPrimitives.ReadUInt16LittleEndian(raw[PvirtqEventSuppress.DescOffset..]);
        ushort flags = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(raw[PvirtqEventSuppress.FlagsOffset..]) & PvirtqEventSuppress.FlagsMask);
        switch (flags)
        {
            case PvirtqEventSuppress.RingEventFlagsDisable:
                return false;
            case PvirtqEventSuppress.RingEventFlagsDesc when EventIdx:
                // vring_need_event() over ring positions, the event offset shifted back one ring if
                // its wrap counter is not the device's current one.
                int offset = desc & 0x7fff;
                bool eventWrap = (desc & PvirtqEventSuppress.WrapBit) != 0;
                if (eventWrap != _usedWrap)
                {
                    offset -= Size;
                }

                return (ushort)(_nextUsed - offset - 1) < (ushort)count;
            default:
                return true; // ENABLE, or DESC without EVENT_IDX / the reserved value: be conservative and notify
        }
    }

    /// <summary>Reads an indirect table: consecutive <c>pvirtq_desc</c> entries, only VIRTQ_DESC_F_WRITE meaningful.</summary>
    private VirtqPopResult? ReadIndirect(ulong table, int entries, int head)
    {
        Span<byte> raw = stackalloc byte[PvirtqDesc.Size];
        for (int i = 0; i < entries; i++)
        {
            ulong at = table + (ulong)PvirtqDesc.OffsetOf(i);
            if (!Bus.TryRead(new DmaAddr(at), raw))
            {
                return RingFault("reading an indirect descriptor", at);
            }

            PvirtqDesc desc = PvirtqDesc.Read(raw);
            VirtqPopResult? error = AddSegment(desc.Addr, desc.Len, (desc.Flags & VirtqDescFlags.Write) != 0, new DescLocation(i, head, Indirect: true));
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Writes the device event suppression structure: every notification, or with EVENT_IDX only the one for the next descriptor.</summary>
    private void PublishDeviceEvent()
    {
        Span<byte> raw = stackalloc byte[PvirtqEventSuppress.Size];
        if (EventIdx)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(raw[PvirtqEventSuppress.DescOffset..], PvirtqEventSuppress.EncodeDesc(_nextAvail, _availWrap));
            BinaryPrimitives.WriteUInt16LittleEndian(raw[PvirtqEventSuppress.FlagsOffset..], PvirtqEventSuppress.RingEventFlagsDesc);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(raw[PvirtqEventSuppress.FlagsOffset..], PvirtqEventSuppress.RingEventFlagsEnable);
        }

        if (!Bus.TryWrite(DeviceArea, raw))
        {
            RingFault("writing the device event suppression structure", DeviceArea.Value);
        }
    }
}
