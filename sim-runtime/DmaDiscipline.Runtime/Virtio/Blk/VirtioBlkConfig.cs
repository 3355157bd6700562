namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// <c>struct virtio_blk_config</c> (virtio 1.x §5.2.4) as far as the simulator implements it:
/// <c>capacity</c> (le64, in 512-byte sectors) at 0, <c>size_max</c> (le32) at 8, <c>seg_max</c> (le32) at 12,
/// <c>geometry</c> at 16 (4 bytes, zero), <c>blk_size</c> (le32) at 20, <c>topology</c> at 24 (8 bytes, zero),
/// <c>writeback</c> (u8) at 32, <c>num_queues</c> (le16) at 34 (with VIRTIO_BLK_F_MQ). Request queues are
/// requestq1 (index 0) to requestqN (index N−1); without VIRTIO_BLK_F_MQ only requestq1 exists.
/// </summary>
public static class VirtioBlkConfig
{
    /// <summary>Byte offset of <c>capacity</c> (le64).</summary>
    public const int CapacityOffset = 0;

    /// <summary>Byte offset of <c>size_max</c> (le32).</summary>
    public const int SizeMaxOffset = 8;

    /// <summary>Byte offset of <c>seg_max</c> (le32).</summary>
    public const int SegMaxOffset = 12;

    /// <summary>Byte offset of <c>geometry</c> (cylinders le16, heads u8, sectors u8).</summary>
    public const int GeometryOffset = 16;

    /// <summary>Byte offset of <c>blk_size</c> (le32).</summary>
    public const int BlkSizeOffset = 20;

    /// <summary>Byte offset of <c>num_queues</c> (le16).</summary>
    public const int NumQueuesOffset = 34;

    /// <summary>Size of the implemented configuration space.</summary>
    public const int Size = 36;

    /// <summary>Index of requestq1 (the only request queue without VIRTIO_BLK_F_MQ).</summary>
    public const int RequestQueue = 0;

    /// <summary>The most request queues the simulated device offers (the transport's 64 queues).</summary>
    public const int MaxQueues = 64;
}
