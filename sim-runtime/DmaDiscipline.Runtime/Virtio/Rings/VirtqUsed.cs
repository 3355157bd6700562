namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The split virtqueue's used ring, <c>struct virtq_used</c> (virtio 1.x §2.7.8): written by the
/// device, read by the driver. Alignment 4, size 6 + 8 × Queue Size. Layout: <c>flags</c> (le16) at 0,
/// <c>idx</c> (le16) at 2, <c>ring[Queue Size]</c> of <c>struct virtq_used_elem { le32 id; le32 len; }</c>
/// from 4, <c>avail_event</c> (le16) at 4 + 8 × Queue Size (meaningful only with VIRTIO_F_EVENT_IDX).
/// </summary>
public static class VirtqUsed
{
    /// <summary>Alignment of the used ring in bytes.</summary>
    public const int Alignment = 4;

    /// <summary>Byte offset of <c>flags</c> (le16).</summary>
    public const int FlagsOffset = 0;

    /// <summary>Byte offset of <c>idx</c> (le16): where the device will put the next used element, modulo the queue size.</summary>
    public const int IdxOffset = 2;

    /// <summary>Byte offset of <c>ring[0]</c>.</summary>
    public const int RingOffset = 4;

    /// <summary>Size of one <c>struct virtq_used_elem</c>.</summary>
    public const int ElemSize = 8;

    /// <summary>Offset of <c>id</c> (le32, the head of the used descriptor chain) inside a used element.</summary>
    public const int ElemIdOffset = 0;

    /// <summary>Offset of <c>len</c> (le32, bytes the device wrote into the chain) inside a used element.</summary>
    public const int ElemLenOffset = 4;

    /// <summary>VIRTQ_USED_F_NO_NOTIFY (1) in <c>flags</c>: the device asks for no available buffer notifications (ignored with EVENT_IDX).</summary>
    public const ushort FlagNoNotify = 1;

    /// <summary>Byte offset of <c>ring[<paramref name="index"/>]</c>.</summary>
    public static int RingEntryOffset(int index) => RingOffset + ElemSize * VirtqBounds.Index(index);

    /// <summary>Byte offset of <c>ring[<paramref name="index"/>].id</c>.</summary>
    public static int ElemIdOffsetOf(int index) => RingEntryOffset(index) + ElemIdOffset;

    /// <summary>Byte offset of <c>ring[<paramref name="index"/>].len</c>.</summary>
    public static int ElemLenOffsetOf(int index) => RingEntryOffset(index) + ElemLenOffset;

    /// <summary>Byte offset of <c>avail_event</c> (le16) for a queue of <paramref name="queueSize"/> entries.</summary>
    public static int AvailEventOffset(int queueSize) => RingOffset + ElemSize * VirtqBounds.QueueSize(queueSize);

    /// <summary>Size of the used ring in bytes, <c>avail_event</c> included.</summary>
    public static int Size(int queueSize) => 6 + ElemSize * VirtqBounds.QueueSize(queueSize);
}
