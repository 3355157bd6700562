namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>How a <see cref="VirtioNetDriver"/> sets itself up.</summary>
public sealed record VirtioNetDriverOptions
{
    /// <summary>Use the packed ring layout when the device offers it.</summary>
    public bool Packed { get; init; }

    /// <summary>
    /// Receive into page-pool buffers that stay mapped and are recycled with syncs (the fast path),
    /// and transmit from a coherent copy-break area. False: map and unmap every buffer per packet.
    /// </summary>
    public bool PagePool { get; init; }

    /// <summary>Entries per virtqueue.</summary>
    public int QueueSize { get; init; } = 256;

    /// <summary>The device's addressing limit, set at probe with <c>dma_set_mask_and_coherent</c> (default 64 bits).</summary>
    public ulong DmaMask { get; init; } = ulong.MaxValue;

    /// <summary>
    /// Queue pairs to run, one per thread (default 1). Above 1 the driver negotiates VIRTIO_NET_F_MQ and
    /// VIRTIO_NET_F_CTRL_VQ when the device offers them and runs as many pairs as both allow
    /// (<c>max_virtqueue_pairs</c>); a device without MQ gets one pair.
    /// </summary>
    public int QueuePairs { get; init; } = 1;
}
