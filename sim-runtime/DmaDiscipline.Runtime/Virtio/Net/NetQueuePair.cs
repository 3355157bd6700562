namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// The device's state for one receive/transmit queue pair: its frame buffer, the loopback frame
/// waiting for a receive buffer, its generator sequence and its counters. A notify of either queue
/// processes the pair under its <see cref="Lock"/>, so two pairs run on two threads at once and never
/// share a written cache line (each pair's frame buffer lies between them in memory). The lock is
/// biased (<see cref="BiasedSpinLock"/>): a pair driven from one thread, as a queue pair is driven
/// from one CPU, takes it with plain stores. A monitor here cost a quarter of a passthrough run's
/// samples (<c>Monitor.Enter</c>'s slow path, even with one thread).
/// </summary>
internal sealed class NetQueuePair
{
    /// <summary>Held while the pair is processed or asked for due interrupts, and at reset (a field: taken by reference).</summary>
    public BiasedSpinLock Lock;

    public NetQueuePair(int index, int maxFrameSize)
    {
        Index = index;
        Rx = VirtioNetConfig.ReceiveQueueOf(index);
        Tx = VirtioNetConfig.TransmitQueueOf(index);
        Frame = new byte[maxFrameSize];
        _gap = CacheLineGap.Make(); // last: the next pair's state is made after it (see CacheLineGap)
    }

    private readonly byte[] _gap;

    public int Index { get; }

    /// <summary>receiveq index.</summary>
    public int Rx { get; }

    /// <summary>transmitq index.</summary>
    public int Tx { get; }

    public byte[] Frame { get; }

    /// <summary>Loopback: length of a popped transmit frame waiting for a receive buffer, or −1.</summary>
    public int HeldLength { get; set; } = -1;

    /// <summary>The transmit queue the held frame was popped from (a restarted queue drops it).</summary>
    public DeviceVirtqueue? HeldBy { get; set; }

    /// <summary>Generator: frames generated on this pair.</summary>
    public long Generated { get; set; }

    public long TxFrames { get; set; }

    public long TxBytes { get; set; }

    public long TxDropped { get; set; }

    public long RxFrames { get; set; }

    public long RxBytes { get; set; }

    public long RxDropped { get; set; }

    public void Reset()
    {
        HeldLength = -1;
        HeldBy = null;
        Generated = 0;
    }
}
