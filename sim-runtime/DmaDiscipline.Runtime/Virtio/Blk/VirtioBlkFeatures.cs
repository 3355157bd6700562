namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>virtio-blk feature bits (virtio 1.x §5.2.3) the simulated device knows, as masks.</summary>
public static class VirtioBlkFeatures
{
    /// <summary>VIRTIO_BLK_F_SEG_MAX (bit 2): <c>seg_max</c> in the configuration space limits data segments per request.</summary>
    public const ulong SegMax = 1UL << 2;

    /// <summary>VIRTIO_BLK_F_RO (bit 5): the device is read-only.</summary>
    public const ulong Ro = 1UL << 5;

    /// <summary>VIRTIO_BLK_F_BLK_SIZE (bit 6): <c>blk_size</c> in the configuration space.</summary>
    public const ulong BlkSize = 1UL << 6;

    /// <summary>VIRTIO_BLK_F_FLUSH (bit 9): cache flush command support.</summary>
    public const ulong Flush = 1UL << 9;

    /// <summary>VIRTIO_BLK_F_MQ (bit 12): several request queues, <c>num_queues</c> in the configuration space; each is independent.</summary>
    public const ulong Mq = 1UL << 12;
}
