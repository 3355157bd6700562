namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>virtio-net feature bits (virtio 1.x §5.1.3) the simulated device knows, as masks.</summary>
public static class VirtioNetFeatures
{
    /// <summary>VIRTIO_NET_F_MAC (bit 5): the device has a MAC address in its configuration space.</summary>
    public const ulong Mac = 1UL << 5;

    /// <summary>VIRTIO_NET_F_MRG_RXBUF (bit 15): the driver can merge receive buffers (not offered by the simulator).</summary>
    public const ulong MrgRxbuf = 1UL << 15;

    /// <summary>VIRTIO_NET_F_STATUS (bit 16): the configuration space has a link status field.</summary>
    public const ulong Status = 1UL << 16;

    /// <summary>VIRTIO_NET_F_CTRL_VQ (bit 17): the device has a control virtqueue (the last queue) for commands such as <see cref="VirtioNetCtrl.MqVqPairsSet"/>.</summary>
    public const ulong CtrlVq = 1UL << 17;

    /// <summary>
    /// VIRTIO_NET_F_MQ (bit 22): several transmit/receive queue pairs, <c>max_virtqueue_pairs</c> in the
    /// configuration space; the driver chooses how many to use with <see cref="VirtioNetCtrl.MqVqPairsSet"/>.
    /// Requires <see cref="CtrlVq"/>.
    /// </summary>
    public const ulong Mq = 1UL << 22;
}
