namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// <c>struct virtio_net_config</c> (virtio 1.x §5.1.4) as far as the simulator implements it:
/// <c>mac[6]</c> at 0 (with VIRTIO_NET_F_MAC), <c>status</c> (le16) at 6 (with VIRTIO_NET_F_STATUS).
/// Also the virtqueue numbering (§5.1.2) of a single-queue-pair device.
/// </summary>
public static class VirtioNetConfig
{
    /// <summary>Byte offset of <c>mac</c> (6 bytes).</summary>
    public const int MacOffset = 0;

    /// <summary>Byte offset of <c>status</c> (le16).</summary>
    public const int StatusOffset = 6;

    /// <summary>Size of the implemented configuration space.</summary>
    public const int Size = 8;

    /// <summary>VIRTIO_NET_S_LINK_UP (1) in <c>status</c>.</summary>
    public const ushort StatusLinkUp = 1;

    /// <summary>Index of receiveq1.</summary>
    public const int ReceiveQueue = 0;

    /// <summary>Index of transmitq1.</summary>
    public const int TransmitQueue = 1;
}
