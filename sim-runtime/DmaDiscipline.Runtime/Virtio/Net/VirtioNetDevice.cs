using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// A virtio-net device (virtio 1.x §5.1) with one queue pair: receiveq1 (index 0) and transmitq1
/// (index 1). Every buffer in either direction starts with the 12-byte <c>virtio_net_hdr</c>.
/// In <see cref="VirtioNetMode.Loopback"/> a transmitted frame is delivered to the next receive
/// buffer; while no receive buffer is posted the transmit buffer stays with the device (back-pressure:
/// it completes once the driver posts receive buffers), and with no receive queue enabled at all the
/// frame is dropped. In <see cref="VirtioNetMode.Generator"/> mode every posted receive buffer is
/// filled with a <see cref="VirtioNetGenerator"/> frame and transmitted frames are consumed.
/// A receive chain with device-readable descriptors, or a transmit chain shorter than the header,
/// makes the device set DEVICE_NEEDS_RESET; a frame that does not fit is dropped and counted.
/// </summary>
public sealed class VirtioNetDevice : VirtioDeviceModel
{
    private readonly byte[] _frame;
    private readonly byte[] _mac;
    private int _heldLength = -1; // loopback: a popped transmit frame waiting for a receive buffer
    private DeviceVirtqueue? _heldBy;
    private long _generated;

    /// <summary>Creates a device.</summary>
    /// <exception cref="ArgumentException">The MAC is not 6 bytes, a frame size or frame count is out of range, or the mode is not a defined value.</exception>
    public VirtioNetDevice(VirtioNetOptions? options = null)
    {
        Options = options ?? new VirtioNetOptions();
        if (Options.Mode is not (VirtioNetMode.Loopback or VirtioNetMode.Generator))
        {
            throw new ArgumentException($"Mode {Options.Mode} is not Loopback or Generator.", nameof(options));
        }

        if (Options.GeneratorFrames < 0)
        {
            throw new ArgumentException($"GeneratorFrames {Options.GeneratorFrames} is negative.", nameof(options));
        }

        if (Options.Mac is null || Options.Mac.Count != 6)
        {
            throw new ArgumentException("A MAC address is 6 bytes.", nameof(options));
        }

        if (Options.MaxFrameSize is < VirtioNetGenerator.MinFrameSize or > 65535)
        {
            throw new ArgumentException($"MaxFrameSize {Options.MaxFrameSize} is not {VirtioNetGenerator.MinFrameSize} to 65535.", nameof(options));
        }

        if (Options.GeneratorFrameSize < VirtioNetGenerator.MinFrameSize || Options.GeneratorFrameSize > Options.MaxFrameSize)
        {
            throw new ArgumentException($"GeneratorFrameSize {Options.GeneratorFrameSize} is not {VirtioNetGenerator.MinFrameSize} to {Options.MaxFrameSize}.", nameof(options));
        }

        _mac = Options.Mac.ToArray();
        _frame = new byte[Options.MaxFrameSize];
    }

    /// <summary>The device's wiring.</summary>
    public VirtioNetOptions Options { get; }

    /// <inheritdoc />
    public override VirtioDeviceType DeviceType => VirtioDeviceType.Net;

    /// <inheritdoc />
    public override ulong DeviceFeatures => VirtioNetFeatures.Mac | VirtioNetFeatures.Status;

    /// <inheritdoc />
    public override int QueueCount => 2;

    /// <inheritdoc />
    public override int ConfigSize => VirtioNetConfig.Size;

    /// <summary>Frames taken from the transmit queue.</summary>
    public long TxFrames { get; private set; }

    /// <summary>Bytes of those frames (headers excluded).</summary>
    public long TxBytes { get; private set; }

    /// <summary>Transmit chains dropped (oversized, DMA fault).</summary>
    public long TxDropped { get; private set; }

    /// <summary>Frames delivered into receive buffers.</summary>
    public long RxFrames { get; private set; }

    /// <summary>Bytes of those frames (headers excluded).</summary>
    public long RxBytes { get; private set; }

    /// <summary>Frames that could not be delivered (buffer too small, DMA fault, no receive queue).</summary>
    public long RxDropped { get; private set; }

    /// <inheritdoc />
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[VirtioNetConfig.Size];
        _mac.CopyTo(config[VirtioNetConfig.MacOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(config[VirtioNetConfig.StatusOffset..], VirtioNetConfig.StatusLinkUp);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    protected internal override void OnReset()
    {
        _heldLength = -1;
        _heldBy = null;
        _generated = 0;
    }

    /// <inheritdoc />
    protected internal override void ProcessQueue(int queue)
    {
        if (Options.Mode == VirtioNetMode.Loopback)
        {
            Loopback();
        }
        else if (queue == VirtioNetConfig.ReceiveQueue)
        {
            Generate();
        }
        else
        {
            ConsumeTransmit();
        }
    }

    private void Loopback()
    {
        DeviceVirtqueue? tx = Queue(VirtioNetConfig.TransmitQueue);
        DeviceVirtqueue? rx = Queue(VirtioNetConfig.ReceiveQueue);
        if (tx is null)
        {
            return;
        }

        if (!ReferenceEquals(_heldBy, tx))
        {
            _heldLength = -1; // the queue was restarted: a held frame belonged to the old ring
        }

        while (true)
        {
            if (_heldLength < 0)
            {
                if (tx.TryPop(out VirtqChain txChain) != VirtqPopResult.Chain)
                {
                    return;
                }

                int length = TakeTransmitFrame(txChain);
                if (length == -2)
                {
                    return; // fatal: the device needs reset
                }

                if (length == -1)
                {
                    if (!tx.Push(txChain, 0))
                    {
                        return;
                    }

                    continue;
                }

                _heldLength = length;
                _heldBy = tx;
            }

            if (rx is null)
            {
                RxDropped++;
            }
            else
            {
                if (rx.TryPop(out VirtqChain rxChain) != VirtqPopResult.Chain)
                {
                    return; // no receive buffer (the transmit buffer stays with the device: back-pressure) or the ring is broken
                }

                if (!Deliver(rx, rxChain, _frame.AsSpan(0, _heldLength)))
                {
                    return;
                }
            }

            _heldLength = -1;
            if (!tx.Push(tx.LastPopped, 0))
            {
                return;
            }
        }
    }

    private void Generate()
    {
        DeviceVirtqueue? rx = Queue(VirtioNetConfig.ReceiveQueue);
        if (rx is null)
        {
            return;
        }

        Span<byte> frame = _frame.AsSpan(0, Options.GeneratorFrameSize);
        while (_generated < Options.GeneratorFrames && rx.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            VirtioNetGenerator.Fill(frame, _generated, _mac);
            _generated++;
            if (!Deliver(rx, chain, frame))
            {
                return;
            }
        }
    }

    private void ConsumeTransmit()
    {
        DeviceVirtqueue? tx = Queue(VirtioNetConfig.TransmitQueue);
        if (tx is null)
        {
            return;
        }

        while (tx.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            int length = TakeTransmitFrame(chain);
            if (length == -2 || !tx.Push(chain, 0))
            {
                return;
            }
        }
    }

    /// <summary>Copies a transmit chain's frame into the frame buffer: its length, −1 if dropped, −2 if the device must stop.</summary>
    private int TakeTransmitFrame(VirtqChain chain)
    {
        if (chain.ReadableLength < VirtioNetHdr.Size)
        {
            ReportFatalError(VirtioNetConfig.TransmitQueue, VirtioErrorKind.LengthOutOfRange,
                $"transmit chain (id {chain.Id}) has {chain.ReadableLength} device-readable bytes, fewer than the {VirtioNetHdr.Size}-byte virtio_net_hdr");
            return -2;
        }

        long length = chain.ReadableLength - VirtioNetHdr.Size;
        if (length > _frame.Length)
        {
            TxDropped++;
            ReportRequestError(VirtioNetConfig.TransmitQueue, VirtioErrorKind.BadRequest,
                $"transmit chain (id {chain.Id}) carries a {length}-byte frame, more than the {_frame.Length}-byte maximum: dropped");
            return -1;
        }

        if (!chain.TryRead(VirtioNetHdr.Size, _frame.AsSpan(0, (int)length)))
        {
            TxDropped++;
            ReportRequestError(VirtioNetConfig.TransmitQueue, VirtioErrorKind.BufferDmaFault, $"transmit chain (id {chain.Id}): DMA fault reading the frame: dropped");
            return -1;
        }

        TxFrames++;
        TxBytes += length;
        return (int)length;
    }

    /// <summary>Writes header and frame into a receive chain and returns it used; false if the device must stop.</summary>
    private bool Deliver(DeviceVirtqueue rx, VirtqChain chain, ReadOnlySpan<byte> frame)
    {
        if (chain.ReadableCount > 0)
        {
            ReportFatalError(VirtioNetConfig.ReceiveQueue, VirtioErrorKind.WriteToReadOnly,
                $"receive chain (id {chain.Id}) has {chain.ReadableCount} device-readable descriptor(s): the device must not write them");
            return false;
        }

        uint written = 0;
        long needed = VirtioNetHdr.Size + frame.Length;
        if (chain.WritableLength < needed)
        {
            RxDropped++;
            ReportRequestError(VirtioNetConfig.ReceiveQueue, VirtioErrorKind.BadRequest,
                $"receive chain (id {chain.Id}) holds {chain.WritableLength} bytes, too small for a {frame.Length}-byte frame and its header: frame dropped");
        }
        else
        {
            Span<byte> header = stackalloc byte[VirtioNetHdr.Size];
            header.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(header[VirtioNetHdr.NumBuffersOffset..], 1);
            if (chain.TryWrite(0, header) && chain.TryWrite(VirtioNetHdr.Size, frame))
            {
                written = (uint)needed;
                RxFrames++;
                RxBytes += frame.Length;
            }
            else
            {
                RxDropped++;
                ReportRequestError(VirtioNetConfig.ReceiveQueue, VirtioErrorKind.BufferDmaFault, $"receive chain (id {chain.Id}): DMA fault writing the frame: dropped");
            }
        }

        return rx.Push(chain, written);
    }
}
