using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Samples.Drivers.Virtio;

/// <summary>
/// The driver's stores into descriptor rings (<c>desc[i].addr = …</c> in <c>virtio_ring.c</c>). The
/// address parameter is the device-visible sink the analyzers watch: a bus address from the DMA API
/// (or a VFIO IOVA) belongs there, a physical address never does.
/// </summary>
public static class VirtqDescWriter
{
    /// <summary>Writes split descriptor <paramref name="index"/> of a Descriptor Table (<c>struct virtq_desc</c>).</summary>
    public static void WriteSplit(Span<byte> table, int index, [BusAddress] ulong addr, int len, VirtqDescFlags flags, ushort next) =>
        new VirtqDesc(addr, (uint)len, flags, next).Write(table[VirtqDesc.OffsetOf(index)..]);

    /// <summary>Writes packed descriptor <paramref name="index"/> of a Descriptor Ring (<c>struct pvirtq_desc</c>).</summary>
    public static void WritePacked(Span<byte> ring, int index, [BusAddress] ulong addr, int len, ushort id, VirtqDescFlags flags) =>
        new PvirtqDesc(addr, (uint)len, id, flags).Write(ring[PvirtqDesc.OffsetOf(index)..]);
}
