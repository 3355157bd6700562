using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A virtio-net driver that never hands the device anything but addresses from the DMA API
/// (<c>drivers/net/virtio_net.c</c> in miniature, polling like NAPI). Two receive paths: per-packet
/// mapping (map at refill, unmap at completion) and a page pool whose buffers stay mapped and are
/// recycled with syncs. Transmit copies each frame behind a zeroed <c>virtio_net_hdr</c> into a
/// driver buffer; per-packet mode maps it per send, page-pool mode copies it into a slot of a
/// coherent copy-break area (no DMA API call per packet at all, and nothing to bounce).
/// With <see cref="VirtioNetDriverOptions.QueuePairs"/> above 1 and a device offering VIRTIO_NET_F_MQ it
/// runs several queue pairs (<see cref="VirtioNetQueuePair"/>, one per thread, each with its own
/// buffers and mappings) and enables them with VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET on the control queue.
/// The driver itself is pair 0.
/// </summary>
public sealed class VirtioNetDriver : IMultiQueueNetDriver
{
    /// <summary>Receive buffer size: header plus the largest Ethernet frame, inside one 2 KiB bounce slot.</summary>
    public const int RxBufferLength = VirtioNetQueuePair.RxBufferLength;

    private readonly Device _device;
    private readonly VirtioMmioTransport _transport;
    private readonly List<VirtioNetQueuePair> _pairs = new();
    private readonly VirtioNetControlQueue? _control;
    private bool _disposed;

    /// <summary>Probes the device and brings it up: negotiation, the queue pairs (and control queue), receive buffers, DRIVER_OK, VQ_PAIRS_SET.</summary>
    /// <exception cref="VirtioSetupException">The device refused the features or the queue pair count, or is not a network device.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options ask for fewer than 1 queue pair.</exception>
    public VirtioNetDriver(Device device, VirtioMmioTransport transport, VirtioNetDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new VirtioNetDriverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueuePairs, 1, nameof(options));
        _device = device;
        _transport = transport;
        if (options.DmaMask != ulong.MaxValue && !device.Dma.SetMaskAndCoherent(options.DmaMask))
        {
            throw new VirtioSetupException($"{device}: no usable DMA mask 0x{options.DmaMask:x}");
        }

        ulong wanted = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.EventIdx | (options.Packed ? VirtioFeatures.RingPacked : 0)
            | (options.QueuePairs > 1 ? VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq : 0);
        Features = VirtioMmioDriver.Negotiate(transport, VirtioDeviceType.Net, wanted);
        int maxPairs = 1;
        if ((Features & VirtioNetFeatures.Mq) != 0)
        {
            Span<byte> field = stackalloc byte[2];
            transport.ReadConfig(VirtioNetConfig.MaxVirtqueuePairsOffset, field);
            maxPairs = BinaryPrimitives.ReadUInt16LittleEndian(field);
        }

        try
        {
            int pairs = Math.Clamp(options.QueuePairs, 1, maxPairs);
            for (int i = 0; i < pairs; i++)
            {
                _pairs.Add(new VirtioNetQueuePair(device, transport, Features, i, options));
            }

            if ((Features & VirtioNetFeatures.CtrlVq) != 0)
            {
                _control = new VirtioNetControlQueue(device, transport, Features, VirtioNetConfig.ControlQueueOf(maxPairs));
            }

            VirtioMmioDriver.DriverOk(transport);
            if (pairs > 1)
            {
                _control!.SetQueuePairs(pairs);
            }

            foreach (VirtioNetQueuePair pair in _pairs)
            {
                pair.KickRx();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The features both sides agreed on.</summary>
    public ulong Features { get; }

    /// <inheritdoc />
    public int QueuePairs => _pairs.Count;

    /// <inheritdoc />
    public int MaxFrameLength => _pairs[0].MaxFrameLength;

    /// <summary>Frames the device returned with a length outside the buffer (dropped), all pairs.</summary>
    public long RxErrors => _pairs.Sum(p => p.RxErrors);

    /// <summary>Frames that could not be sent (no slot or a mapping failure), all pairs.</summary>
    public long TxDropped => _pairs.Sum(p => p.TxDropped);

    /// <inheritdoc />
    public INetQueue QueuePair(int index) => Pair(index);

    /// <summary>Queue pair <paramref name="index"/> with its counters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0 to <see cref="QueuePairs"/> − 1.</exception>
    public VirtioNetQueuePair Pair(int index) =>
        (uint)index < (uint)_pairs.Count
            ? _pairs[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The driver runs {_pairs.Count} queue pair(s).");

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> frame) => _pairs[0].TrySend(frame);

    /// <inheritdoc />
    public int Receive(Span<byte> frame) => _pairs[0].Receive(frame);

    /// <inheritdoc />
    public void Poll() => _pairs[0].Poll();

    /// <summary>Resets the device, then takes every buffer of every pair back, unmaps and frees everything.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_transport);
        foreach (VirtioNetQueuePair pair in _pairs)
        {
            pair.Dispose();
        }

        _control?.Dispose();
    }
}
