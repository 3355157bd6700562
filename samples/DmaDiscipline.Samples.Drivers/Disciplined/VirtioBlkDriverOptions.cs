namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>How a <see cref="VirtioBlkDriver"/> sets itself up.</summary>
public sealed record VirtioBlkDriverOptions
{
    /// <summary>Use the packed ring layout when the device offers it.</summary>
    public bool Packed { get; init; }

    /// <summary>Entries of the request queue (three descriptors per request).</summary>
    public int QueueSize { get; init; } = 128;

    /// <summary>The device's addressing limit, set at probe with <c>dma_set_mask_and_coherent</c> (default 64 bits).</summary>
    public ulong DmaMask { get; init; } = ulong.MaxValue;

    /// <summary>
    /// Request queues to run, one per thread (default 1). Above 1 the driver negotiates VIRTIO_BLK_F_MQ
    /// when the device offers it and runs as many queues as both allow (<c>num_queues</c>); a device
    /// without MQ gets one queue.
    /// </summary>
    public int Queues { get; init; } = 1;
}
