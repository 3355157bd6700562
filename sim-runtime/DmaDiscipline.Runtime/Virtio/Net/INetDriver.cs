namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// What the runner asks of a network driver: send frames, receive frames. Frames are Ethernet
/// frames without the virtio_net_hdr; the driver adds and strips the header.
/// </summary>
public interface INetDriver : IDisposable
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
