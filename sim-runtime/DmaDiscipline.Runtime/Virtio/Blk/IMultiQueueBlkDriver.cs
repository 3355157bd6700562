namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// A block driver with several request queues (VIRTIO_BLK_F_MQ), one per CPU as blk-mq maps them:
/// each queue has its own ring, requests and DMA mappings and is driven by its own thread. The
/// driver itself (<see cref="IBlkQueue"/>) is queue 0.
/// </summary>
public interface IMultiQueueBlkDriver : IBlkDriver
{
    /// <summary>Request queues in use (the device's <c>num_queues</c> or fewer, as the driver chose).</summary>
    int RequestQueues { get; }

    /// <summary>Request queue <paramref name="index"/> (0 to <see cref="RequestQueues"/> − 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    IBlkQueue RequestQueue(int index);
}
