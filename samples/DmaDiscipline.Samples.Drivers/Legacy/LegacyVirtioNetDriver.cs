using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Legacy;

/// <summary>
/// THE BUG, kept on purpose: virtio-net on <see cref="LegacySplitVirtqueue"/>, which hands the
/// device physical addresses. No map, no unmap, no sync: the CPU and the device share the pages
/// as if there were no IOMMU and no bounce buffers.
/// </summary>
public sealed class LegacyVirtioNetDriver : INetDriver
{
    private const int BufferLength = 1536;

    private readonly Device _device;
    private readonly VirtioMmioTransport _transport;
    private readonly LegacySplitVirtqueue _rx;
    private readonly LegacySplitVirtqueue _tx;
    private readonly Stack<KBuffer> _txFree = new();
    private readonly List<KBuffer> _pages = new();
    private bool _disposed;

    /// <summary>Probes the device and brings it up.</summary>
    public LegacyVirtioNetDriver(Device device, VirtioMmioTransport transport, int queueSize = 256)
    {
        _device = device;
        _transport = transport;
        // It accepts ACCESS_PLATFORM like any modern driver — and then ignores what it means.
        VirtioMmioDriver.Negotiate(transport, VirtioDeviceType.Net, VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform);
        PhysicalMemory memory = device.Machine.Memory;
        _rx = new LegacySplitVirtqueue(memory, transport, VirtioNetConfig.ReceiveQueue, queueSize);
        _tx = new LegacySplitVirtqueue(memory, transport, VirtioNetConfig.TransmitQueue, queueSize);
        for (int i = 0; i < _rx.Num; i++)
        {
            KBuffer page = memory.Allocate(BufferLength);
            _pages.Add(page);
            _rx.Add([(page, 0, BufferLength)], 0, page);
        }

        for (int i = 0; i < _tx.Num; i++)
        {
            KBuffer page = memory.Allocate(BufferLength);
            _pages.Add(page);
            _txFree.Push(page);
        }

        VirtioMmioDriver.DriverOk(transport);
        _rx.Kick();
    }

    /// <inheritdoc />
    public int MaxFrameLength => BufferLength - VirtioNetHdr.Size;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        while (_tx.GetBuf(out _) is KBuffer done)
        {
            _txFree.Push(done);
        }

        if (!_txFree.TryPop(out KBuffer? page))
        {
            return false;
        }

        page.Span[..VirtioNetHdr.Size].Clear();
        frame.CopyTo(page.Span[VirtioNetHdr.Size..]);
        _tx.Add([(page, 0, VirtioNetHdr.Size + frame.Length)], 1, page);
        _tx.Kick();
        return true;
    }

    /// <inheritdoc />
    public int Receive(Span<byte> frame)
    {
        if (_rx.GetBuf(out int len) is not KBuffer page)
        {
            return -1;
        }

        int payload = Math.Clamp(len - VirtioNetHdr.Size, 0, BufferLength - VirtioNetHdr.Size);
        page.Span.Slice(VirtioNetHdr.Size, Math.Min(payload, frame.Length)).CopyTo(frame);
        _rx.Add([(page, 0, BufferLength)], 0, page);
        return payload;
    }

    /// <inheritdoc />
    public void Poll()
    {
        VirtioMmioDriver.AckInterrupts(_transport);
        _rx.Kick();
    }

    /// <summary>Resets the device and frees the pages.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        VirtioMmioDriver.Reset(_transport);
        _rx.Dispose();
        _tx.Dispose();
        foreach (KBuffer page in _pages)
        {
            _device.Machine.Memory.Free(page);
        }
    }
}
