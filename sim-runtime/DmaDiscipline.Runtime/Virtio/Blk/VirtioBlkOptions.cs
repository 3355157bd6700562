namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>The simulated disk behind a virtio-blk device.</summary>
public sealed record VirtioBlkOptions
{
    /// <summary>Capacity in 512-byte sectors (default 16384: 8 MiB; at most 2^21: 1 GiB, held in host memory).</summary>
    public long CapacitySectors { get; init; } = 16384;

    /// <summary>A read-only disk (offers VIRTIO_BLK_F_RO; writes fail with IOERR).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The id string GET_ID returns (ASCII, at most 20 bytes).</summary>
    public string Serial { get; init; } = "DMADISCIPLINE-BLK";

    /// <summary>
    /// Request queues (default 1; 1 to <see cref="VirtioBlkConfig.MaxQueues"/>). Above 1 the device offers
    /// VIRTIO_BLK_F_MQ and reports the number as <c>num_queues</c>; each queue is serviced on its own.
    /// </summary>
    public int NumQueues { get; init; } = 1;
}
