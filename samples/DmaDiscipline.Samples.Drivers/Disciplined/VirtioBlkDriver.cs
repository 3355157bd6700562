using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A virtio-blk driver on the DMA API (<c>drivers/block/virtio_blk.c</c> in miniature): each
/// request is a header (device-readable), the caller's data pages (readable for writes, writable
/// for reads) and a status byte (writable), all mapped when the request is queued and unmapped
/// when it completes, before the CPU looks at the data or the status. With
/// <see cref="VirtioBlkDriverOptions.Queues"/> above 1 and a device offering VIRTIO_BLK_F_MQ it runs
/// several request queues (<see cref="VirtioBlkRequestQueue"/>, one per thread, each with its own
/// requests and mappings). The driver itself is queue 0.
/// </summary>
public sealed class VirtioBlkDriver : IMultiQueueBlkDriver
{
    private readonly VirtioMmioTransport _transport;
    private readonly List<VirtioBlkRequestQueue> _queues = new();
    private bool _disposed;

    /// <summary>Probes the device and brings it up.</summary>
    /// <exception cref="VirtioSetupException">The device refused the features or is not a block device.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options ask for fewer than 1 queue.</exception>
    public VirtioBlkDriver(Device device, VirtioMmioTransport transport, VirtioBlkDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new VirtioBlkDriverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Queues, 1, nameof(options));
        _transport = transport;
        if (options.DmaMask != ulong.MaxValue && !device.Dma.SetMaskAndCoherent(options.DmaMask))
        {
            throw new VirtioSetupException($"{device}: no usable DMA mask 0x{options.DmaMask:x}");
        }

        ulong wanted = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.EventIdx | VirtioBlkFeatures.Flush
            | (options.Packed ? VirtioFeatures.RingPacked : 0) | (options.Queues > 1 ? VirtioBlkFeatures.Mq : 0);
        Features = VirtioMmioDriver.Negotiate(transport, VirtioDeviceType.Block, wanted);
        int numQueues = 1;
        if ((Features & VirtioBlkFeatures.Mq) != 0)
        {
            Span<byte> field = stackalloc byte[2];
            transport.ReadConfig(VirtioBlkConfig.NumQueuesOffset, field);
            numQueues = BinaryPrimitives.ReadUInt16LittleEndian(field);
        }

        try
        {
            int queues = Math.Clamp(options.Queues, 1, Math.Max(1, numQueues));
            for (int i = 0; i < queues; i++)
            {
                _queues.Add(new VirtioBlkRequestQueue(device, transport, Features, i, options.QueueSize));
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        CapacitySectors = transport.ReadConfig64(VirtioBlkConfig.CapacityOffset);
        VirtioMmioDriver.DriverOk(transport);
    }

    /// <summary>The features both sides agreed on.</summary>
    public ulong Features { get; }

    /// <summary>Disk size in 512-byte sectors, from the configuration space.</summary>
    public ulong CapacitySectors { get; }

    /// <inheritdoc />
    public int RequestQueues => _queues.Count;

    /// <inheritdoc />
    public int QueueDepth => _queues[0].QueueDepth;

    /// <inheritdoc />
    public IBlkQueue RequestQueue(int index) => Queue(index);

    /// <summary>Request queue <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0 to <see cref="RequestQueues"/> − 1.</exception>
    public VirtioBlkRequestQueue Queue(int index) =>
        (uint)index < (uint)_queues.Count
            ? _queues[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The driver runs {_queues.Count} request queue(s).");

    /// <inheritdoc />
    public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag) => _queues[0].Submit(write, sector, data, length, tag);

    /// <inheritdoc />
    public void Kick() => _queues[0].Kick();

    /// <inheritdoc />
    public bool TryComplete(out int tag, out bool ok) => _queues[0].TryComplete(out tag, out ok);

    /// <summary>Resets the device, then takes back requests still queued on every queue, and frees everything.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_transport);
        foreach (VirtioBlkRequestQueue queue in _queues)
        {
            queue.Dispose();
        }
    }
}
