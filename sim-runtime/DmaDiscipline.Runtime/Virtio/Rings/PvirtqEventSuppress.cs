namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// <c>struct pvirtq_event_suppress</c> (virtio 1.x §2.8.14), 4 bytes, alignment 4: the packed
/// virtqueue's Driver Area (driver event suppression, written by the driver, read by the device)
/// and Device Area (device event suppression, written by the device, read by the driver).
/// Layout: <c>desc</c> (le16) at 0 = <c>desc_event_off</c> (bits 0–14) | <c>desc_event_wrap</c> (bit 15);
/// <c>flags</c> (le16) at 2 = <c>desc_event_flags</c> (bits 0–1).
/// </summary>
public static class PvirtqEventSuppress
{
    /// <summary>Size of the structure in bytes.</summary>
    public const int Size = 4;

    /// <summary>Alignment of the structure in bytes.</summary>
    public const int Alignment = 4;

    /// <summary>Byte offset of <c>desc</c> (le16: event offset and wrap counter).</summary>
    public const int DescOffset = 0;

    /// <summary>Byte offset of <c>flags</c> (le16).</summary>
    public const int FlagsOffset = 2;

    /// <summary>RING_EVENT_FLAGS_ENABLE (0x0): notifications enabled.</summary>
    public const ushort RingEventFlagsEnable = 0x0;

    /// <summary>RING_EVENT_FLAGS_DISABLE (0x1): notifications disabled.</summary>
    public const ushort RingEventFlagsDisable = 0x1;

    /// <summary>RING_EVENT_FLAGS_DESC (0x2): notify only for the descriptor named by <c>desc</c> (needs VIRTIO_F_EVENT_IDX).</summary>
    public const ushort RingEventFlagsDesc = 0x2;

    /// <summary>Mask of <c>desc_event_flags</c> in <c>flags</c> (value 0x3 is reserved).</summary>
    public const ushort FlagsMask = 0x3;

    /// <summary>Bit of <c>desc_event_wrap</c> in <c>desc</c>.</summary>
    public const ushort WrapBit = 1 << 15;

    /// <summary>Encodes <c>desc</c> from an offset in the ring and a wrap counter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is not 0 to 32767 (it has 15 bits).</exception>
    public static ushort EncodeDesc(int offset, bool wrap) => (ushort)(VirtqBounds.Index(offset) | (wrap ? WrapBit : 0));
}
