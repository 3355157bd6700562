using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// A split-virtqueue descriptor, <c>struct virtq_desc</c> (virtio 1.x §2.7.5): 16 bytes, little-endian,
/// in the Descriptor Table (alignment 16, size 16 × Queue Size).
/// </summary>
/// <param name="Addr">Bus address of the buffer (offset 0, le64).</param>
/// <param name="Len">Length of the buffer in bytes (offset 8, le32).</param>
/// <param name="Flags">Flags (offset 12, le16).</param>
/// <param name="Next">Index of the next descriptor when <see cref="VirtqDescFlags.Next"/> is set (offset 14, le16).</param>
public readonly record struct VirtqDesc([BusAddress][property: BusAddress] ulong Addr, uint Len, VirtqDescFlags Flags, ushort Next)
{
    /// <summary>Size of a descriptor in bytes.</summary>
    public const int Size = 16;

    /// <summary>Alignment of the Descriptor Table in bytes.</summary>
    public const int Alignment = 16;

    /// <summary>Byte offset of <c>addr</c> (le64).</summary>
    public const int AddrOffset = 0;

    /// <summary>Byte offset of <c>len</c> (le32).</summary>
    public const int LenOffset = 8;

    /// <summary>Byte offset of <c>flags</c> (le16).</summary>
    public const int FlagsOffset = 12;

    /// <summary>Byte offset of <c>next</c> (le16).</summary>
    public const int NextOffset = 14;

    /// <summary>Size in bytes of a Descriptor Table for <paramref name="queueSize"/> entries.</summary>
    public static int TableSize(int queueSize) => Size * VirtqBounds.QueueSize(queueSize);

    /// <summary>Byte offset of descriptor <paramref name="index"/> in the Descriptor Table.</summary>
    public static int OffsetOf(int index) => Size * VirtqBounds.Index(index);

    /// <summary>Decodes a descriptor from the first 16 bytes of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentException">The span is shorter than 16 bytes.</exception>
    public static VirtqDesc Read(ReadOnlySpan<byte> bytes)
    {
        VirtqBounds.Holds(bytes.Length, Size, "A descriptor", nameof(bytes));
        return new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[AddrOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[LenOffset..]),
        (VirtqDescFlags)BinaryPrimitives.ReadUInt16LittleEndian(bytes[FlagsOffset..]),
        BinaryPrimitives.ReadUInt16LittleEndian(bytes[NextOffset..]));
    }

    /// <summary>Encodes the descriptor into the first 16 bytes of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentException">The span is shorter than 16 bytes.</exception>
    public void Write(Span<byte> bytes)
    {
        VirtqBounds.Holds(bytes.Length, Size, "A descriptor", nameof(bytes));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[AddrOffset..], Addr);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[LenOffset..], Len);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[FlagsOffset..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[NextOffset..], Next);
    }
}
