namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// <c>struct virtio_net_config</c> (virtio 1.x §5.1.4) as far as the simulator implements it:
/// <c>mac[6]</c> at 0 (with VIRTIO_NET_F_MAC), <c>status</c> (le16) at 6 (with VIRTIO_NET_F_STATUS),
/// <c>max_virtqueue_pairs</c> (le16) at 8 (with VIRTIO_NET_F_MQ). Also the virtqueue numbering of
/// §5.1.2: receiveq1 0, transmitq1 1, …, receiveqN 2(N−1), transmitqN 2(N−1)+1, controlq 2N, where N
/// is <c>max_virtqueue_pairs</c> when VIRTIO_NET_F_MQ is negotiated and 1 otherwise.
/// </summary>
public static class VirtioNetConfig
{
    /// <summary>Byte offset of <c>mac</c> (6 bytes).</summary>
    public const int MacOffset = 0;

    /// <summary>Byte offset of <c>status</c> (le16).</summary>
    public const int StatusOffset = 6;

    /// <summary>Byte offset of <c>max_virtqueue_pairs</c> (le16).</summary>
    public const int MaxVirtqueuePairsOffset = 8;

    /// <summary>Size of the implemented configuration space.</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_S_LINK_UP (1) in <c>status</c>.</summary>
    public const ushort StatusLinkUp = 1;

    /// <summary>Index of receiveq1.</summary>
    public const int ReceiveQueue = 0;

    /// <summary>Index of transmitq1.</summary>
    public const int TransmitQueue = 1;

    /// <summary>
    /// The most queue pairs the simulated device offers: 2N + 1 queues (with the control queue) must
    /// fit the transport's 64 (the spec's own limit, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX, is 0x8000).
    /// </summary>
    public const int MaxQueuePairs = 31;

    /// <summary>The index of receiveq<c>pair + 1</c>: 2 × <paramref name="pair"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pair"/> is not 0 to <see cref="MaxQueuePairs"/> − 1.</exception>
    public static int ReceiveQueueOf(int pair) => 2 * CheckPair(pair);

    /// <summary>The index of transmitq<c>pair + 1</c>: 2 × <paramref name="pair"/> + 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pair"/> is not 0 to <see cref="MaxQueuePairs"/> − 1.</exception>
    public static int TransmitQueueOf(int pair) => (2 * CheckPair(pair)) + 1;

    /// <summary>The index of controlq on a device with <paramref name="pairs"/> queue pairs in its numbering (<c>max_virtqueue_pairs</c> with VIRTIO_NET_F_MQ, else 1): 2 × pairs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pairs"/> is not 1 to <see cref="MaxQueuePairs"/>.</exception>
    public static int ControlQueueOf(int pairs) =>
        pairs is >= 1 and <= MaxQueuePairs
            ? 2 * pairs
            : throw new ArgumentOutOfRangeException(nameof(pairs), pairs, $"A device has 1 to {MaxQueuePairs} queue pairs.");

    private static int CheckPair(int pair) =>
        pair is >= 0 and < MaxQueuePairs
            ? pair
            : throw new ArgumentOutOfRangeException(nameof(pair), pair, $"Queue pairs are numbered 0 to {MaxQueuePairs - 1}.");
}
