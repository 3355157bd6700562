using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>A split virtqueue laid out as virtio 1.x §2.7 says: descriptor table, then avail, then used (4-aligned).</summary>
internal sealed class SplitRing : TestRing
{
    public SplitRing(Device device, int size)
        : base(device, size, UsedOffsetFor(size) + VirtqUsed.Size(size))
    {
    }

    public int AvailOffset => VirtqDesc.TableSize(Size);

    public int UsedOffset => UsedOffsetFor(Size);

    public override ulong DescArea => Memory.DmaAddress.Value;

    public override ulong DriverArea => Memory.DmaAddress.Value + (ulong)AvailOffset;

    public override ulong DeviceArea => Memory.DmaAddress.Value + (ulong)UsedOffset;

    /// <summary>The driver's free-running avail index.</summary>
    public ushort AvailIdx { get; set; }

    public ushort UsedIdx => BinaryPrimitives.ReadUInt16LittleEndian(Bytes[(UsedOffset + VirtqUsed.IdxOffset)..]);

    public ushort AvailEvent => BinaryPrimitives.ReadUInt16LittleEndian(Bytes[(UsedOffset + VirtqUsed.AvailEventOffset(Size))..]);

    public void SetDesc(int index, ulong addr, uint len, VirtqDescFlags flags = VirtqDescFlags.None, ushort next = 0) =>
        new VirtqDesc(addr, len, flags, next).Write(Bytes[VirtqDesc.OffsetOf(index)..]);

    /// <summary>Puts <paramref name="head"/> in the next avail.ring slot and publishes avail.idx.</summary>
    public void Offer(ushort head)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes[(AvailOffset + VirtqAvail.RingEntryOffset(AvailIdx % Size))..], head);
        AvailIdx++;
        PublishAvailIdx(AvailIdx);
    }

    public void PublishAvailIdx(ushort idx) =>
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes[(AvailOffset + VirtqAvail.IdxOffset)..], idx);

    public void SetAvailFlags(ushort flags) =>
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes[(AvailOffset + VirtqAvail.FlagsOffset)..], flags);

    public void SetUsedEvent(ushort value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes[(AvailOffset + VirtqAvail.UsedEventOffset(Size))..], value);

    public (uint Id, uint Len) Used(int slot) => (
        BinaryPrimitives.ReadUInt32LittleEndian(Bytes[(UsedOffset + VirtqUsed.ElemIdOffsetOf(slot % Size))..]),
        BinaryPrimitives.ReadUInt32LittleEndian(Bytes[(UsedOffset + VirtqUsed.ElemLenOffsetOf(slot % Size))..]));

    private static int UsedOffsetFor(int size) => (VirtqDesc.TableSize(size) + VirtqAvail.Size(size) + 3) & ~3;
}
