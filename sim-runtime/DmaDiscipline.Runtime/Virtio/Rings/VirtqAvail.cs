namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The split virtqueue's available ring, <c>struct virtq_avail</c> (virtio 1.x §2.7.6): written by
/// the driver, read by the device. Alignment 2, size 6 + 2 × Queue Size. Layout (le16 fields):
/// <c>flags</c> at 0, <c>idx</c> at 2, <c>ring[Queue Size]</c> from 4, <c>used_event</c> at 4 + 2 × Queue Size
/// (meaningful only with VIRTIO_F_EVENT_IDX).
/// </summary>
public static class VirtqAvail
{
    /// <summary>Alignment of the available ring in bytes.</summary>
    public const int Alignment = 2;

    /// <summary>Byte offset of <c>flags</c> (le16).</summary>
    public const int FlagsOffset = 0;

    /// <summary>Byte offset of <c>idx</c> (le16): where the driver will put the next descriptor head, modulo the queue size.</summary>
    public const int IdxOffset = 2;

    /// <summary>Byte offset of <c>ring[0]</c> (le16 descriptor head indices).</summary>
    public const int RingOffset = 4;

    /// <summary>VIRTQ_AVAIL_F_NO_INTERRUPT (1) in <c>flags</c>: the driver asks for no used buffer notifications (ignored with EVENT_IDX).</summary>
    public const ushort FlagNoInterrupt = 1;

    /// <summary>Byte offset of <c>ring[<paramref name="index"/>]</c>.</summary>
    public static int RingEntryOffset(int index) => RingOffset + 2 * VirtqBounds.Index(index);

    /// <summary>Byte offset of <c>used_event</c> (le16) for a queue of <paramref name="queueSize"/> entries.</summary>
    public static int UsedEventOffset(int queueSize) => RingOffset + 2 * VirtqBounds.QueueSize(queueSize);

    /// <summary>Size of the available ring in bytes, <c>used_event</c> included.</summary>
    public static int Size(int queueSize) => 6 + 2 * VirtqBounds.QueueSize(queueSize);
}
