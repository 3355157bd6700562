using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>A packed virtqueue as virtio 1.x §2.8 says: descriptor ring, driver event suppression, device event suppression.</summary>
internal sealed class PackedRing : TestRing
{
    private readonly Dictionary<ushort, int> _chainLengths = new();

    public PackedRing(Device device, int size)
        : base(device, size, PvirtqDesc.RingSize(size) + 2 * PvirtqEventSuppress.Size)
    {
    }

    public override ulong DescArea => Memory.DmaAddress.Value;

    public override ulong DriverArea => Memory.DmaAddress.Value + (ulong)PvirtqDesc.RingSize(Size);

    public override ulong DeviceArea => DriverArea + PvirtqEventSuppress.Size;

    public int NextAvail { get; private set; }

    public bool AvailWrap { get; private set; } = true;

    public int NextUsed { get; private set; }

    public bool UsedWrap { get; private set; } = true;

    public ushort DeviceEventFlags => BinaryPrimitives.ReadUInt16LittleEndian(Bytes[(PvirtqDesc.RingSize(Size) + PvirtqEventSuppress.Size + PvirtqEventSuppress.FlagsOffset)..]);

    public ushort DeviceEventDesc => BinaryPrimitives.ReadUInt16LittleEndian(Bytes[(PvirtqDesc.RingSize(Size) + PvirtqEventSuppress.Size + PvirtqEventSuppress.DescOffset)..]);

    public PvirtqDesc Desc(int index) => PvirtqDesc.Read(Bytes[PvirtqDesc.OffsetOf(index)..]);

    public void SetDesc(int index, PvirtqDesc desc) => desc.Write(Bytes[PvirtqDesc.OffsetOf(index)..]);

    /// <summary>Makes a chain available, the first descriptor's flags written last; the Buffer ID goes in the last descriptor.</summary>
    public void Offer(ushort id, params (ulong Addr, uint Len, VirtqDescFlags Flags)[] elements)
    {
        int first = NextAvail;
        VirtqDescFlags firstFlags = VirtqDescFlags.None;
        for (int i = 0; i < elements.Length; i++)
        {
            VirtqDescFlags flags = elements[i].Flags | PvirtqDesc.AvailFlags(AvailWrap) | (i < elements.Length - 1 ? VirtqDescFlags.Next : VirtqDescFlags.None);
            var desc = new PvirtqDesc(elements[i].Addr, elements[i].Len, i == elements.Length - 1 ? id : (ushort)0, i == 0 ? VirtqDescFlags.None : flags);
            SetDesc(NextAvail, desc);
            if (i == 0)
            {
                firstFlags = flags;
            }

            if (++NextAvail == Size)
            {
                NextAvail = 0;
                AvailWrap = !AvailWrap;
            }
        }

        _chainLengths[id] = elements.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes[(PvirtqDesc.OffsetOf(first) + PvirtqDesc.FlagsOffset)..], (ushort)firstFlags);
    }

    /// <summary>Takes the next used descriptor if the device wrote one, skipping the chain's length.</summary>
    public bool TryTakeUsed(out ushort id, out uint len)
    {
        PvirtqDesc desc = Desc(NextUsed);
        id = desc.Id;
        len = desc.Len;
        if (!PvirtqDesc.IsUsed(desc.Flags, UsedWrap))
        {
            return false;
        }

        NextUsed += _chainLengths.TryGetValue(id, out int count) ? count : 1;
        if (NextUsed >= Size)
        {
            NextUsed -= Size;
            UsedWrap = !UsedWrap;
        }

        return true;
    }

    public void SetDriverEvent(ushort flags, ushort desc = 0)
    {
        Span<byte> area = Bytes[PvirtqDesc.RingSize(Size)..];
        BinaryPrimitives.WriteUInt16LittleEndian(area[PvirtqEventSuppress.DescOffset..], desc);
        BinaryPrimitives.WriteUInt16LittleEndian(area[PvirtqEventSuppress.FlagsOffset..], flags);
    }
}
