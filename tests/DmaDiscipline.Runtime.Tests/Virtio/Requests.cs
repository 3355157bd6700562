using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>Builds requests in a harness's data area: each request slot is 16 KiB at <c>slot × 16 KiB</c>.</summary>
internal static class Requests
{
    public const int SlotSize = 16 << 10;
    public const int HeaderAt = 0;
    public const int StatusAt = 32;
    public const int DataAt = 512;

    public static int Slot(int slot) => slot * SlotSize;

    /// <summary>
    /// A virtio-blk request as a 3-descriptor split chain (header, data, status) at descriptors
    /// 3·slot … 3·slot+2 (2 without data); returns the head.
    /// </summary>
    public static ushort Blk(VirtioHarness h, SplitRing ring, int slot, uint type, ulong sector, int dataLength, bool dataWritable = true)
    {
        WriteBlkHeader(h, slot, type, sector);
        int first = 3 * slot;
        int status = dataLength > 0 ? first + 2 : first + 1;
        ring.SetDesc(first, h.At(Slot(slot) + HeaderAt), VirtioBlkReq.HeaderSize, VirtqDescFlags.Next, (ushort)(first + 1));
        if (dataLength > 0)
        {
            ring.SetDesc(first + 1, h.At(Slot(slot) + DataAt), (uint)dataLength, VirtqDescFlags.Next | (dataWritable ? VirtqDescFlags.Write : 0), (ushort)status);
        }

        ring.SetDesc(status, h.At(Slot(slot) + StatusAt), 1, VirtqDescFlags.Write);
        h.Data.Span[Slot(slot) + StatusAt] = 0xFF;
        return (ushort)first;
    }

    public static void WriteBlkHeader(VirtioHarness h, int slot, uint type, ulong sector)
    {
        Span<byte> header = h.Data.Span.Slice(Slot(slot) + HeaderAt, VirtioBlkReq.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[VirtioBlkReq.TypeOffset..], type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[VirtioBlkReq.ReservedOffset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[VirtioBlkReq.SectorOffset..], sector);
    }

    public static byte Status(VirtioHarness h, int slot) => h.Data.Span[Slot(slot) + StatusAt];

    public static Span<byte> Data(VirtioHarness h, int slot, int length) => h.Data.Span.Slice(Slot(slot) + DataAt, length);
}
