namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>The simulated network card's wiring.</summary>
public sealed record VirtioNetOptions
{
    /// <summary>Loopback (default) or traffic generator.</summary>
    public VirtioNetMode Mode { get; init; } = VirtioNetMode.Loopback;

    /// <summary>The MAC address in the configuration space (default 52:54:00:12:34:56).</summary>
    public IReadOnlyList<byte> Mac { get; init; } = new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

    /// <summary>Generator: bytes per generated frame (default 1514, an Ethernet frame without FCS; 22 to <see cref="MaxFrameSize"/>).</summary>
    public int GeneratorFrameSize { get; init; } = 1514;

    /// <summary>Generator: frames to generate per queue pair (default: unlimited; the receive buffers the driver posts are the limit).</summary>
    public long GeneratorFrames { get; init; } = long.MaxValue;

    /// <summary>Largest frame the device transmits or receives (default 65535); larger transmit chains are dropped.</summary>
    public int MaxFrameSize { get; init; } = 65535;

    /// <summary>
    /// Queue pairs the device offers (default 1; 1 to <see cref="VirtioNetConfig.MaxQueuePairs"/>). Above
    /// 1 it offers VIRTIO_NET_F_MQ and VIRTIO_NET_F_CTRL_VQ, reports the number as
    /// <c>max_virtqueue_pairs</c>, and has 2N + 1 queues: receiveq1, transmitq1, …, controlq last.
    /// </summary>
    public int MaxQueuePairs { get; init; } = 1;
}
