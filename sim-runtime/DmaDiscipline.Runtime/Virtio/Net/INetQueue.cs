namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// One transmit/receive queue pair of a network driver, as the runner drives it: send frames,
/// receive frames. Frames are Ethernet frames without the virtio_net_hdr; the driver adds and
/// strips the header. A queue pair is driven by one thread at a time; different pairs of one
/// driver (<see cref="IMultiQueueNetDriver"/>) by different threads at once.
/// </summary>
public interface INetQueue
{
    /// <summary>Largest frame the driver sends or receives.</summary>
    int MaxFrameLength { get; }

    /// <summary>Queues one frame for transmission and notifies the device. False when no TX slot is free or the mapping failed.</summary>
    bool TrySend(ReadOnlySpan<byte> frame);

    /// <summary>Takes one received frame into <paramref name="frame"/>; returns its length, or -1 when nothing has arrived.</summary>
    int Receive(Span<byte> frame);

    /// <summary>Reclaims completed transmissions (free_old_xmit_skbs) and refills the receive ring.</summary>
    void Poll();
}
