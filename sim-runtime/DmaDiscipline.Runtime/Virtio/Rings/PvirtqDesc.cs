using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// A packed-virtqueue descriptor, <c>struct pvirtq_desc</c> (virtio 1.x §2.8.13): 16 bytes,
/// little-endian, in the Descriptor Ring (alignment 16, size 16 × Queue Size). The same slot holds an
/// available descriptor written by the driver and, later, the used descriptor the device writes over it.
/// </summary>
/// <param name="Addr">Buffer address (offset 0, le64); unused in a used descriptor.</param>
/// <param name="Len">Buffer length (offset 8, le32); in a used descriptor, the bytes the device wrote.</param>
/// <param name="Id">Buffer ID (offset 12, le16): carried by the last descriptor of a chain, echoed in the used descriptor.</param>
/// <param name="Flags">Flags (offset 14, le16) with the AVAIL/USED wrap bits.</param>
public readonly record struct PvirtqDesc([BusAddress][property: BusAddress] ulong Addr, uint Len, ushort Id, VirtqDescFlags Flags)
{
    /// <summary>Size of a descriptor in bytes.</summary>
    public const int Size = 16;

    /// <summary>Alignment of the Descriptor Ring in bytes.</summary>
    public const int Alignment = 16;

    /// <summary>Byte offset of <c>addr</c> (le64).</summary>
    public const int AddrOffset = 0;

    /// <summary>Byte offset of <c>len</c> (le32).</summary>
    public const int LenOffset = 8;

    /// <summary>Byte offset of <c>id</c> (le16).</summary>
    public const int IdOffset = 12;

    /// <summary>Byte offset of <c>flags</c> (le16).</summary>
    public const int FlagsOffset = 14;

    /// <summary>Size in bytes of a Descriptor Ring for <paramref name="queueSize"/> entries.</summary>
    public static int RingSize(int queueSize) => Size * VirtqBounds.QueueSize(queueSize);

    /// <summary>Byte offset of descriptor <paramref name="index"/> in the ring.</summary>
    public static int OffsetOf(int index) => Size * VirtqBounds.Index(index);

    /// <summary>
    /// Whether <paramref name="flags"/> mark an available descriptor for a reader whose Driver Ring
    /// Wrap Counter is <paramref name="wrapCounter"/>: AVAIL equals the counter and USED does not.
    /// </summary>
    public static bool IsAvailable(VirtqDescFlags flags, bool wrapCounter) =>
        ((flags & VirtqDescFlags.Avail) != 0) == wrapCounter && ((flags & VirtqDescFlags.Used) != 0) != wrapCounter;

    /// <summary>
    /// Whether <paramref name="flags"/> mark a used descriptor for a reader whose used wrap counter is
    /// <paramref name="wrapCounter"/>: AVAIL and USED both equal the counter.
    /// </summary>
    public static bool IsUsed(VirtqDescFlags flags, bool wrapCounter) =>
        ((flags & VirtqDescFlags.Avail) != 0) == wrapCounter && ((flags & VirtqDescFlags.Used) != 0) == wrapCounter;

    /// <summary>The AVAIL/USED bits the driver sets to make a descriptor available with wrap counter <paramref name="wrapCounter"/>.</summary>
    public static VirtqDescFlags AvailFlags(bool wrapCounter) => wrapCounter ? VirtqDescFlags.Avail : VirtqDescFlags.Used;

    /// <summary>The AVAIL/USED bits the device sets to mark a descriptor used with wrap counter <paramref name="wrapCounter"/>.</summary>
    public static VirtqDescFlags UsedFlags(bool wrapCounter) => wrapCounter ? VirtqDescFlags.Avail | VirtqDescFlags.Used : VirtqDescFlags.None;

    /// <summary>Decodes a descriptor from the first 16 bytes of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentException">The span is shorter than 16 bytes.</exception>
    public static PvirtqDesc Read(ReadOnlySpan<byte> bytes)
    {
        VirtqBounds.Holds(bytes.Length, Size, "A descriptor", nameof(bytes));
        return new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[AddrOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[LenOffset..]),
        BinaryPrimitives.ReadUInt16LittleEndian(bytes[IdOffset..]),
        (VirtqDescFlags)BinaryPrimitives.ReadUInt16LittleEndian(bytes[FlagsOffset..]));
    }

    /// <summary>Encodes the descriptor into the first 16 bytes of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentException">The span is shorter than 16 bytes.</exception>
    public void Write(Span<byte> bytes)
    {
        VirtqBounds.Holds(bytes.Length, Size, "A descriptor", nameof(bytes));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[AddrOffset..], Addr);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[LenOffset..], Len);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[IdOffset..], Id);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[FlagsOffset..], (ushort)Flags);
    }
}
