namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// The control virtqueue's command layout (virtio 1.x §5.1.6.5): a device-readable
/// <c>u8 class; u8 command; u8 command-specific-data[];</c> followed by a device-writable
/// <c>u8 ack</c>. The simulated device implements the multiqueue class.
/// </summary>
public static class VirtioNetCtrl
{
    /// <summary>Byte offset of <c>class</c>.</summary>
    public const int ClassOffset = 0;

    /// <summary>Byte offset of <c>command</c>.</summary>
    public const int CommandOffset = 1;

    /// <summary>Bytes before the command-specific data.</summary>
    public const int HeaderSize = 2;

    /// <summary>VIRTIO_NET_OK (0) in <c>ack</c>.</summary>
    public const byte Ok = 0;

    /// <summary>VIRTIO_NET_ERR (1) in <c>ack</c>.</summary>
    public const byte Err = 1;

    /// <summary>VIRTIO_NET_CTRL_MQ (4): the multiqueue class.</summary>
    public const byte ClassMq = 4;

    /// <summary>
    /// VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (0): the data is <c>le16 virtqueue_pairs</c>, the number of queue
    /// pairs the device uses from now on (1 to <c>max_virtqueue_pairs</c>). Until the driver sends it, only
    /// receiveq1 and transmitq1 are used.
    /// </summary>
    public const byte MqVqPairsSet = 0;

    /// <summary>Bytes of VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET's data (<c>le16 virtqueue_pairs</c>).</summary>
    public const int MqVqPairsSetDataSize = 2;

    /// <summary>VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN (1).</summary>
    public const int MqVqPairsMin = 1;
}
