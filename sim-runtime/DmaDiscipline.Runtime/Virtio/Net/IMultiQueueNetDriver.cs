namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// A network driver with several queue pairs (VIRTIO_NET_F_MQ), one per CPU: each pair has its own
/// rings, buffers and DMA mappings and is driven by its own thread, with no lock shared between
/// pairs. The driver itself (<see cref="INetQueue"/>) is pair 0.
/// </summary>
public interface IMultiQueueNetDriver : INetDriver
{
    /// <summary>Queue pairs in use (the device's <c>max_virtqueue_pairs</c> or fewer, as the driver chose).</summary>
    int QueuePairs { get; }

    /// <summary>Queue pair <paramref name="index"/> (0 to <see cref="QueuePairs"/> − 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    INetQueue QueuePair(int index);
}
