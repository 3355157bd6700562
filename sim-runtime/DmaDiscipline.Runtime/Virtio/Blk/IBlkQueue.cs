namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// One request queue of a block driver, as the runner drives it: queue reads and writes of whole
/// sectors from and to the caller's buffers (the bio pages), kick, and reap completions. A request
/// queue is driven by one thread at a time; different queues of one driver
/// (<see cref="IMultiQueueBlkDriver"/>) by different threads at once.
/// </summary>
public interface IBlkQueue
{
    /// <summary>Requests that can be in flight at once.</summary>
    int QueueDepth { get; }

    /// <summary>
    /// Queues a read (<paramref name="write"/> false) or write of <paramref name="length"/> bytes
    /// (a multiple of 512) at <paramref name="sector"/>. False when the queue is full or a mapping failed.
    /// </summary>
    bool Submit(bool write, ulong sector, KBuffer data, int length, int tag);

    /// <summary>Notifies the device of queued requests.</summary>
    void Kick();

    /// <summary>Takes one completed request: its tag and whether the device reported VIRTIO_BLK_S_OK. False when none is complete.</summary>
    bool TryComplete(out int tag, out bool ok);
}
