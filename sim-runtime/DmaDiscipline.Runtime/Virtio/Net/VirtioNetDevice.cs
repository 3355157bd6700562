using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// A virtio-net device (virtio 1.x §5.1): one queue pair by default — receiveq1 (index 0) and
/// transmitq1 (index 1) — or, with <see cref="VirtioNetOptions.MaxQueuePairs"/> above 1, VIRTIO_NET_F_MQ:
/// up to that many pairs (receiveqN at 2(N−1), transmitqN at 2(N−1)+1) and the control queue last, whose
/// VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET command chooses how many pairs run (1 until the driver sends it).
/// Every buffer in either direction starts with the 12-byte <c>virtio_net_hdr</c>.
/// In <see cref="VirtioNetMode.Loopback"/> a frame transmitted on a pair is delivered to the next receive
/// buffer of the same pair; while no receive buffer is posted the transmit buffer stays with the device (back-pressure:
/// it completes once the driver posts receive buffers), and with no receive queue enabled at all the
/// frame is dropped. In <see cref="VirtioNetMode.Generator"/> mode every posted receive buffer is
/// filled with a <see cref="VirtioNetGenerator"/> frame and transmitted frames are consumed.
/// A receive chain with device-readable descriptors, a transmit chain shorter than the header, or a
/// control command without a writable ack byte makes the device set DEVICE_NEEDS_RESET; a frame that
/// does not fit is dropped and counted; a control command the device cannot perform is answered VIRTIO_NET_ERR.
/// Each pair is serviced on its own (its own lock, buffers and counters): two threads drive two pairs at once.
/// The queues of a pair beyond the enabled count are not serviced: what the driver posts there waits
/// until VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET enables the pair (the spec's "MUST NOT queue packets on
/// receive queues greater than virtqueue_pairs").
/// </summary>
public sealed class VirtioNetDevice : VirtioDeviceModel
{
    private readonly byte[] _mac;
    private readonly NetQueuePair[] _pairs;
    private readonly byte[] _pairsGap;
    private int _activePairs = 1;

    /// <summary>Creates a device.</summary>
    /// <exception cref="ArgumentException">The MAC is not 6 bytes, a frame size, frame count or queue pair count is out of range, or the mode is not a defined value.</exception>
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

        if (Options.MaxQueuePairs is < 1 or > VirtioNetConfig.MaxQueuePairs)
        {
            throw new ArgumentException($"MaxQueuePairs {Options.MaxQueuePairs} is not 1 to {VirtioNetConfig.MaxQueuePairs}.", nameof(options));
        }

        _mac = Options.Mac.ToArray();
        _pairs = new NetQueuePair[Options.MaxQueuePairs];
        _pairsGap = CacheLineGap.Make(); // the pairs' list, read by every queue, off the first pair's lines
        for (int i = 0; i < _pairs.Length; i++)
        {
            _pairs[i] = new NetQueuePair(i, Options.MaxFrameSize); // each ends with a gap of its own
        }
    }

    /// <summary>The device's wiring.</summary>
    public VirtioNetOptions Options { get; }

    /// <inheritdoc />
    public override VirtioDeviceType DeviceType => VirtioDeviceType.Net;

    /// <inheritdoc />
    public override ulong DeviceFeatures => VirtioNetFeatures.Mac | VirtioNetFeatures.Status
        | (Options.MaxQueuePairs > 1 ? VirtioNetFeatures.CtrlVq | VirtioNetFeatures.Mq : 0);

    /// <inheritdoc />
    public override int QueueCount => Options.MaxQueuePairs > 1 ? (2 * Options.MaxQueuePairs) + 1 : 2;

    /// <inheritdoc />
    public override int ConfigSize => VirtioNetConfig.Size;

    /// <summary>Queue pairs in use: 1 until the driver sends VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, then what it set (back to 1 at reset).</summary>
    public int ActiveQueuePairs => Volatile.Read(ref _activePairs);

    /// <summary>Control commands the device answered VIRTIO_NET_OK.</summary>
    public long ControlCommandsOk { get; private set; }

    /// <summary>Control commands the device answered VIRTIO_NET_ERR (unknown, malformed, or out of range).</summary>
    public long ControlCommandsFailed { get; private set; }

    /// <summary>Frames taken from the transmit queues.</summary>
    public long TxFrames => _pairs.Sum(p => p.TxFrames);

    /// <summary>Bytes of those frames (headers excluded).</summary>
    public long TxBytes => _pairs.Sum(p => p.TxBytes);

    /// <summary>Transmit chains dropped (oversized, DMA fault).</summary>
    public long TxDropped => _pairs.Sum(p => p.TxDropped);

    /// <summary>Frames delivered into receive buffers.</summary>
    public long RxFrames => _pairs.Sum(p => p.RxFrames);

    /// <summary>Bytes of those frames (headers excluded).</summary>
    public long RxBytes => _pairs.Sum(p => p.RxBytes);

    /// <summary>Frames that could not be delivered (buffer too small, DMA fault, no receive queue).</summary>
    public long RxDropped => _pairs.Sum(p => p.RxDropped);


    /// <summary>Queue pairs in the negotiated numbering: <c>max_virtqueue_pairs</c> with VIRTIO_NET_F_MQ, else 1.</summary>
    private int NumberedPairs => (Negotiated & VirtioNetFeatures.Mq) != 0 ? _pairs.Length : 1;

    /// <summary>The control queue's index, or −1 without VIRTIO_NET_F_CTRL_VQ.</summary>
    private int ControlQueue => (Negotiated & VirtioNetFeatures.CtrlVq) != 0 ? VirtioNetConfig.ControlQueueOf(NumberedPairs) : -1;

    /// <inheritdoc />
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[VirtioNetConfig.Size];
        _mac.CopyTo(config[VirtioNetConfig.MacOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(config[VirtioNetConfig.StatusOffset..], VirtioNetConfig.StatusLinkUp);
        BinaryPrimitives.WriteUInt16LittleEndian(config[VirtioNetConfig.MaxVirtqueuePairsOffset..], (ushort)_pairs.Length);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    protected internal override string? ValidateFeatures(ulong driverFeatures) =>
        (driverFeatures & VirtioNetFeatures.Mq) != 0 && (driverFeatures & VirtioNetFeatures.CtrlVq) == 0
            ? "VIRTIO_NET_F_MQ accepted without VIRTIO_NET_F_CTRL_VQ: the number of queue pairs is set through the control queue"
            : null;

    /// <inheritdoc />
    internal override string? QueueProblem(int queue)
    {
        int pairs = NumberedPairs;
        int control = ControlQueue;
        if (queue < 2 * pairs || queue == control)
        {
            return null;
        }

        return $"queue {queue} does not exist with the negotiated features: the device has {2 * pairs} receive/transmit queues (0 to {(2 * pairs) - 1})"
            + (control >= 0 ? $" and controlq at {control}" : " and no control queue (VIRTIO_NET_F_CTRL_VQ not negotiated)")
            + ((Negotiated & VirtioNetFeatures.Mq) == 0 && _pairs.Length > 1 ? "; more pairs need VIRTIO_NET_F_MQ" : string.Empty);
    }

    /// <inheritdoc />
    protected internal override void OnReset()
    {
        foreach (NetQueuePair pair in _pairs)
        {
            using (new BiasedHold(ref pair.Lock))
            {
                pair.Reset();
            }
        }

        Volatile.Write(ref _activePairs, 1);
    }

    /// <inheritdoc />
    protected internal override void ProcessQueue(int queue)
    {
        if (queue == ControlQueue)
        {
            ProcessControl(queue);
            return;
        }

        NetQueuePair pair = _pairs[queue >> 1];
        using (new BiasedHold(ref pair.Lock))
        {
            if (pair.Index >= Volatile.Read(ref _activePairs))
            {
                // Not an error: a driver may post buffers before it enables the pair; they wait until VQ_PAIRS_SET.
                return;
            }

            if (Options.Mode == VirtioNetMode.Loopback)
            {
                Loopback(pair);
            }
            else if (queue == pair.Rx)
            {
                Generate(pair);
            }
            else
            {
                ConsumeTransmit(pair);
            }
        }
    }

    /// <inheritdoc />
    internal override bool UsedBufferDue(int queue)
    {
        if (queue == ControlQueue)
        {
            return base.UsedBufferDue(queue);
        }

        NetQueuePair pair = _pairs[queue >> 1];
        using (new BiasedHold(ref pair.Lock))
        {
            // Loopback pushes to both queues of the pair from either one's run: ask both (both calls, no short circuit).
            bool rx = Queue(pair.Rx)?.NeedsInterrupt() == true;
            bool tx = Queue(pair.Tx)?.NeedsInterrupt() == true;
            return rx | tx;
        }
    }

    private void Loopback(NetQueuePair pair)
    {
        DeviceVirtqueue? tx = Queue(pair.Tx);
        DeviceVirtqueue? rx = Queue(pair.Rx);
        if (tx is null)
        {
            return;
        }

        if (!ReferenceEquals(pair.HeldBy, tx))
        {
            pair.HeldLength = -1; // the queue was restarted: a held frame belonged to the old ring
        }

        while (true)
        {
            if (pair.HeldLength < 0)
            {
                if (tx.TryPop(out VirtqChain txChain) != VirtqPopResult.Chain)
                {
                    return;
                }

                int length = TakeTransmitFrame(pair, txChain);
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

                pair.HeldLength = length;
                pair.HeldBy = tx;
            }

            if (rx is null)
            {
                pair.RxDropped++;
            }
            else
            {
                if (rx.TryPop(out VirtqChain rxChain) != VirtqPopResult.Chain)
                {
                    return; // no receive buffer (the transmit buffer stays with the device: back-pressure) or the ring is broken
                }

                if (!Deliver(pair, rx, rxChain, pair.Frame.AsSpan(0, pair.HeldLength)))
                {
                    return;
                }
            }

            pair.HeldLength = -1;
            if (!tx.Push(tx.LastPopped, 0))
            {
                return;
            }
        }
    }

    private void Generate(NetQueuePair pair)
    {
        DeviceVirtqueue? rx = Queue(pair.Rx);
        if (rx is null)
        {
            return;
        }

        Span<byte> frame = pair.Frame.AsSpan(0, Options.GeneratorFrameSize);
        while (pair.Generated < Options.GeneratorFrames && rx.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            VirtioNetGenerator.Fill(frame, pair.Generated, _mac);
            pair.Generated++;
            if (!Deliver(pair, rx, chain, frame))
            {
                return;
            }
        }
    }

    private void ConsumeTransmit(NetQueuePair pair)
    {
        DeviceVirtqueue? tx = Queue(pair.Tx);
        if (tx is null)
        {
            return;
        }

        while (tx.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            int length = TakeTransmitFrame(pair, chain);
            if (length == -2 || !tx.Push(chain, 0))
            {
                return;
            }
        }
    }

    /// <summary>Copies a transmit chain's frame into the pair's frame buffer: its length, −1 if dropped, −2 if the device must stop.</summary>
    private int TakeTransmitFrame(NetQueuePair pair, VirtqChain chain)
    {
        if (chain.ReadableLength < VirtioNetHdr.Size)
        {
            ReportFatalError(pair.Tx, VirtioErrorKind.LengthOutOfRange,
                $"transmit chain (id {chain.Id}) has {chain.ReadableLength} device-readable bytes, fewer than the {VirtioNetHdr.Size}-byte virtio_net_hdr");
            return -2;
        }

        long length = chain.ReadableLength - VirtioNetHdr.Size;
        if (length > pair.Frame.Length)
        {
            pair.TxDropped++;
            ReportRequestError(pair.Tx, VirtioErrorKind.BadRequest,
                $"transmit chain (id {chain.Id}) carries a {length}-byte frame, more than the {pair.Frame.Length}-byte maximum: dropped");
            return -1;
        }

        if (!chain.TryRead(VirtioNetHdr.Size, pair.Frame.AsSpan(0, (int)length)))
        {
            pair.TxDropped++;
            ReportRequestError(pair.Tx, VirtioErrorKind.BufferDmaFault, $"transmit chain (id {chain.Id}): DMA fault reading the frame: dropped");
            return -1;
        }

        pair.TxFrames++;
        pair.TxBytes += length;
        return (int)length;
    }

    /// <summary>Writes header and frame into a receive chain and returns it used; false if the device must stop.</summary>
    private bool Deliver(NetQueuePair pair, DeviceVirtqueue rx, VirtqChain chain, ReadOnlySpan<byte> frame)
    {
        if (chain.ReadableCount > 0)
        {
            ReportFatalError(pair.Rx, VirtioErrorKind.WriteToReadOnly,
                $"receive chain (id {chain.Id}) has {chain.ReadableCount} device-readable descriptor(s): the device must not write them");
            return false;
        }

        uint written = 0;
        long needed = VirtioNetHdr.Size + frame.Length;
        if (chain.WritableLength < needed)
        {
            pair.RxDropped++;
            ReportRequestError(pair.Rx, VirtioErrorKind.BadRequest,
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
                pair.RxFrames++;
                pair.RxBytes += frame.Length;
            }
            else
            {
                pair.RxDropped++;
                ReportRequestError(pair.Rx, VirtioErrorKind.BufferDmaFault, $"receive chain (id {chain.Id}): DMA fault writing the frame: dropped");
            }
        }

        return rx.Push(chain, written);
    }

    /// <summary>Answers every command on the control queue; newly enabled pairs are looked at once the command is used.</summary>
    private void ProcessControl(int queue)
    {
        DeviceVirtqueue? control = Queue(queue);
        if (control is null)
        {
            return;
        }

        while (control.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            int before = ActiveQueuePairs;
            if (!Command(queue, chain) || !control.Push(chain, 1))
            {
                return;
            }

            for (int pair = before; pair < ActiveQueuePairs; pair++)
            {
                // Buffers the driver posted before enabling the pair are serviced now, as if notified.
                Transport.Kick(_pairs[pair].Rx);
                Transport.Kick(_pairs[pair].Tx);
            }
        }
    }

    /// <summary>Performs one control command and writes its ack; false if the device had to stop (no ack byte to answer in).</summary>
    private bool Command(int queue, VirtqChain chain)
    {
        if (chain.WritableLength < 1)
        {
            ReportFatalError(queue, VirtioErrorKind.WriteToReadOnly,
                $"control command (id {chain.Id}) has no device-writable ack byte: the device cannot answer it");
            return false;
        }

        string? refusal = Perform(chain);
        if (refusal is not null)
        {
            ControlCommandsFailed++;
            ReportRequestError(queue, refusal.StartsWith("DMA fault", StringComparison.Ordinal) ? VirtioErrorKind.BufferDmaFault : VirtioErrorKind.BadRequest,
                $"control command (id {chain.Id}) answered VIRTIO_NET_ERR: {refusal}");
        }
        else
        {
            ControlCommandsOk++;
        }

        Span<byte> ack = stackalloc byte[1];
        ack[0] = refusal is null ? VirtioNetCtrl.Ok : VirtioNetCtrl.Err;
        if (!chain.TryWrite(0, ack))
        {
            ReportFatalError(queue, VirtioErrorKind.BufferDmaFault, $"control command (id {chain.Id}): DMA fault writing the ack byte: the device cannot answer it");
            return false;
        }

        return true;
    }

    /// <summary>Performs a command: null when done, otherwise why it is refused.</summary>
    private string? Perform(VirtqChain chain)
    {
        if (chain.ReadableLength < VirtioNetCtrl.HeaderSize)
        {
            return $"{chain.ReadableLength} device-readable byte(s), fewer than the class and command bytes";
        }

        long dataLength = chain.ReadableLength - VirtioNetCtrl.HeaderSize;
        Span<byte> command = stackalloc byte[VirtioNetCtrl.HeaderSize + VirtioNetCtrl.MqVqPairsSetDataSize];
        int read = (int)Math.Min(command.Length, chain.ReadableLength);
        if (!chain.TryRead(0, command[..read]))
        {
            return "DMA fault reading the command";
        }

        byte cls = command[VirtioNetCtrl.ClassOffset];
        byte cmd = command[VirtioNetCtrl.CommandOffset];
        if (cls != VirtioNetCtrl.ClassMq || cmd != VirtioNetCtrl.MqVqPairsSet)
        {
            return $"class {cls} command {cmd} is not supported (the device implements VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, class {VirtioNetCtrl.ClassMq} command {VirtioNetCtrl.MqVqPairsSet})";
        }

        if ((Negotiated & VirtioNetFeatures.Mq) == 0)
        {
            return "VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET without VIRTIO_NET_F_MQ negotiated";
        }

        if (dataLength != VirtioNetCtrl.MqVqPairsSetDataSize)
        {
            return $"VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET carries {dataLength} data byte(s), not the {VirtioNetCtrl.MqVqPairsSetDataSize}-byte le16 virtqueue_pairs";
        }

        int pairs = BinaryPrimitives.ReadUInt16LittleEndian(command[VirtioNetCtrl.HeaderSize..]);
        if (pairs < VirtioNetCtrl.MqVqPairsMin || pairs > _pairs.Length)
        {
            return $"virtqueue_pairs {pairs} is not {VirtioNetCtrl.MqVqPairsMin} to max_virtqueue_pairs {_pairs.Length}";
        }

        Volatile.Write(ref _activePairs, pairs);
        Transport.Device.Machine.LogLine($"{Transport.Device.Id} {Name}: {pairs} queue pair(s) enabled");
        return null;
    }
}
