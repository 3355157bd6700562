using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// The frames a virtio-net device in <see cref="VirtioNetMode.Generator"/> mode produces: an Ethernet
/// header (destination = the device's MAC, source <see cref="SourceMac"/>, EtherType
/// <see cref="EtherType"/>), the frame's sequence number (le64) and a pattern derived from it, so a
/// receiver can tell a correct frame from corrupted data.
/// </summary>
public static class VirtioNetGenerator
{
    /// <summary>The local experimental EtherType 0x88B5.</summary>
    public const ushort EtherType = 0x88B5;

    /// <summary>Smallest generated frame: Ethernet header and sequence number.</summary>
    public const int MinFrameSize = 22;

    private const int SequenceOffset = 14;
    private const int PatternOffset = 22;

    /// <summary>The generator's source MAC address (locally administered).</summary>
    public static ReadOnlySpan<byte> SourceMac => new byte[] { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

    /// <summary>Writes frame number <paramref name="sequence"/> into <paramref name="frame"/> (its whole length).</summary>
    /// <exception cref="ArgumentException">The frame is shorter than <see cref="MinFrameSize"/> or the MAC is not 6 bytes.</exception>
    public static void Fill(Span<byte> frame, long sequence, ReadOnlySpan<byte> destinationMac)
    {
        if (frame.Length < MinFrameSize)
        {
            throw new ArgumentException($"A generated frame is at least {MinFrameSize} bytes; this one has {frame.Length}.", nameof(frame));
        }

        if (destinationMac.Length != 6)
        {
            throw new ArgumentException($"A MAC address is 6 bytes; this one has {destinationMac.Length}.", nameof(destinationMac));
        }

        destinationMac.CopyTo(frame);
        SourceMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType);
        BinaryPrimitives.WriteInt64LittleEndian(frame[SequenceOffset..], sequence);
        for (int i = PatternOffset; i < frame.Length; i++)
        {
            frame[i] = PatternByte(sequence, i);
        }
    }

    /// <summary>Whether <paramref name="frame"/> is an intact generated frame; its sequence number if so.</summary>
    public static bool Verify(ReadOnlySpan<byte> frame, out long sequence)
    {
        sequence = -1;
        if (frame.Length < MinFrameSize || !frame.Slice(6, 6).SequenceEqual(SourceMac) || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType)
        {
            return false;
        }

        long found = BinaryPrimitives.ReadInt64LittleEndian(frame[SequenceOffset..]);
        for (int i = PatternOffset; i < frame.Length; i++)
        {
            if (frame[i] != PatternByte(found, i))
            {
                return false;
            }
        }

        sequence = found;
        return true;
    }

    private static byte PatternByte(long sequence, int index) => (byte)((sequence * 31) + (index * 7));
}
