using System.Buffers.Binary;
using System.Text;

namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// A virtio-blk device (virtio 1.x §5.2) with an in-memory disk: one request queue, or with
/// <see cref="VirtioBlkOptions.NumQueues"/> above 1 and VIRTIO_BLK_F_MQ that many, each serviced on its own
/// (its own thread, scratch buffer and counters; the disk is shared as a real one is); IN, OUT, FLUSH and
/// GET_ID; every other type completes with VIRTIO_BLK_S_UNSUPP. A request is a chain whose readable
/// bytes start with the 16-byte header and whose writable bytes end with the status byte, framed any
/// way the driver likes (VERSION_1 implies any layout). A request the device can answer but not
/// perform — a sector range past the end, a length that is not whole sectors, an IN whose data buffer
/// is device-readable, a DMA fault on the data — completes with VIRTIO_BLK_S_IOERR and a recorded
/// reason. A chain without a header or a writable status byte cannot be answered: the device sets
/// DEVICE_NEEDS_RESET. The used length of a request is the chain's whole device-writable length
/// (data and status byte), as QEMU reports it.
/// </summary>
public sealed class VirtioBlkDevice : VirtioDeviceModel
{
    /// <summary>The largest capacity supported (1 GiB).</summary>
    public const long MaxCapacitySectors = 1L << 21;

    private const int ScratchSize = 64 << 10;

    private readonly byte[] _disk;
    private readonly BlkRequestQueue[] _queues;
    private readonly byte[] _queuesGap;
    private readonly byte[] _id = new byte[VirtioBlkReq.IdBytes];

    /// <summary>Creates a device with a zeroed disk.</summary>
    /// <exception cref="ArgumentException">The capacity is not 1 to <see cref="MaxCapacitySectors"/> sectors, the serial is longer than 20 ASCII bytes, or the queue count is not 1 to <see cref="VirtioBlkConfig.MaxQueues"/>.</exception>
    public VirtioBlkDevice(VirtioBlkOptions? options = null)
    {
        Options = options ?? new VirtioBlkOptions();
        if (Options.CapacitySectors is <= 0 or > MaxCapacitySectors)
        {
            throw new ArgumentException($"Capacity {Options.CapacitySectors} sectors is not 1 to {MaxCapacitySectors}.", nameof(options));
        }

        if (Options.Serial is null || Encoding.ASCII.GetByteCount(Options.Serial) > VirtioBlkReq.IdBytes)
        {
            throw new ArgumentException($"Serial '{Options.Serial}' is longer than {VirtioBlkReq.IdBytes} bytes.", nameof(options));
        }

        if (Options.NumQueues is < 1 or > VirtioBlkConfig.MaxQueues)
        {
            throw new ArgumentException($"NumQueues {Options.NumQueues} is not 1 to {VirtioBlkConfig.MaxQueues}.", nameof(options));
        }

        _queues = new BlkRequestQueue[Options.NumQueues];
        _queuesGap = CacheLineGap.Make(); // the queues' list, read by every queue, off the first queue's lines
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new BlkRequestQueue(i); // each followed by a gap of its own
        }

        Encoding.ASCII.GetBytes(Options.Serial, _id);
        _disk = new byte[Options.CapacitySectors * VirtioBlkReq.SectorSize];
    }

    /// <summary>The disk's options.</summary>
    public VirtioBlkOptions Options { get; }

    /// <inheritdoc />
    public override VirtioDeviceType DeviceType => VirtioDeviceType.Block;

    /// <inheritdoc />
    public override string Name => "virtio-blk";

    /// <inheritdoc />
    public override ulong DeviceFeatures => VirtioBlkFeatures.BlkSize | VirtioBlkFeatures.Flush | (Options.ReadOnly ? VirtioBlkFeatures.Ro : 0)
        | (Options.NumQueues > 1 ? VirtioBlkFeatures.Mq : 0);

    /// <inheritdoc />
    public override int QueueCount => Options.NumQueues;

    /// <inheritdoc />
    public override int ConfigSize => VirtioBlkConfig.Size;

    /// <summary>The disk contents, as the host sees them (for tests and the runner's data checks).</summary>
    public Span<byte> Disk => _disk;

    /// <summary>Requests completed with VIRTIO_BLK_S_OK.</summary>
    public long Completed => _queues.Sum(q => q.Completed);

    /// <summary>Requests completed with VIRTIO_BLK_S_IOERR.</summary>
    public long IoErrors => _queues.Sum(q => q.IoErrors);

    /// <summary>Requests completed with VIRTIO_BLK_S_UNSUPP.</summary>
    public long Unsupported => _queues.Sum(q => q.Unsupported);

    /// <summary>Sectors read by IN requests.</summary>
    public long SectorsRead => _queues.Sum(q => q.SectorsRead);

    /// <summary>Sectors written by OUT requests.</summary>
    public long SectorsWritten => _queues.Sum(q => q.SectorsWritten);

    /// <summary>FLUSH requests completed.</summary>
    public long Flushes => _queues.Sum(q => q.Flushes);

    /// <inheritdoc />
    protected internal override void ReadConfig(int offset, Span<byte> destination)
    {
        Span<byte> config = stackalloc byte[VirtioBlkConfig.Size];
        config.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(config[VirtioBlkConfig.CapacityOffset..], (ulong)Options.CapacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(config[VirtioBlkConfig.BlkSizeOffset..], VirtioBlkReq.SectorSize);
        BinaryPrimitives.WriteUInt16LittleEndian(config[VirtioBlkConfig.NumQueuesOffset..], (ushort)_queues.Length);
        config.Slice(offset, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    internal override string? QueueProblem(int queue) =>
        queue == VirtioBlkConfig.RequestQueue || (Negotiated & VirtioBlkFeatures.Mq) != 0
            ? null
            : $"queue {queue} does not exist: without VIRTIO_BLK_F_MQ the device has one request queue (0)";

    /// <inheritdoc />
    protected internal override void ProcessQueue(int queue)
    {
        DeviceVirtqueue? requests = Queue(queue);
        if (requests is null)
        {
            return;
        }

        // The transport runs each queue on one thread at a time: the queue's state needs no lock.
        BlkRequestQueue state = _queues[queue];
        while (requests.TryPop(out VirtqChain chain) == VirtqPopResult.Chain)
        {
            if (!Handle(state, chain) || !requests.Push(chain, (uint)chain.WritableLength))
            {
                return;
            }
        }
    }

    /// <summary>Performs one request and writes its status byte; false if the device had to stop.</summary>
    private bool Handle(BlkRequestQueue queue, VirtqChain chain)
    {
        if (chain.WritableLength < 1)
        {
            ReportFatalError(queue.Index, VirtioErrorKind.WriteToReadOnly,
                $"request (head {chain.Id}) has no device-writable status byte: the device cannot answer it");
            return false;
        }

        if (chain.ReadableLength < VirtioBlkReq.HeaderSize)
        {
            ReportFatalError(queue.Index, VirtioErrorKind.LengthOutOfRange,
                $"request (head {chain.Id}) has {chain.ReadableLength} device-readable bytes, fewer than the {VirtioBlkReq.HeaderSize}-byte header");
            return false;
        }

        byte status = Perform(queue, chain);
        switch (status)
        {
            case VirtioBlkReq.StatusOk:
                queue.Completed++;
                break;
            case VirtioBlkReq.StatusIoErr:
                queue.IoErrors++;
                break;
            default:
                queue.Unsupported++;
                break;
        }

        Span<byte> statusByte = stackalloc byte[1];
        statusByte[0] = status;
        if (!chain.TryWrite(chain.WritableLength - 1, statusByte))
        {
            ReportFatalError(queue.Index, VirtioErrorKind.BufferDmaFault,
                $"request (head {chain.Id}): DMA fault writing the status byte: the device cannot answer it");
            return false;
        }

        return true;
    }

    private byte Perform(BlkRequestQueue queue, VirtqChain chain)
    {
        Span<byte> header = stackalloc byte[VirtioBlkReq.HeaderSize];
        if (!chain.TryRead(0, header))
        {
            return Fail(queue, chain, VirtioErrorKind.BufferDmaFault, "DMA fault reading the request header");
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header[VirtioBlkReq.TypeOffset..]);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[VirtioBlkReq.SectorOffset..]);
        long dataIn = chain.WritableLength - 1; // device-writable bytes before the status byte
        long dataOut = chain.ReadableLength - VirtioBlkReq.HeaderSize;
        switch (type)
        {
            case VirtioBlkReq.TypeIn:
                if (dataOut > 0)
                {
                    return Fail(queue, chain, VirtioErrorKind.WriteToReadOnly, $"IN request whose data buffer ({dataOut} bytes) is device-readable: the device must not write it");
                }

                return CheckRange(queue, chain, sector, dataIn, "IN") ?? Read(queue, chain, sector, (int)dataIn);
            case VirtioBlkReq.TypeOut:
                if (dataIn > 0)
                {
                    return Fail(queue, chain, VirtioErrorKind.BadRequest, $"OUT request whose data buffer ({dataIn} bytes) is device-writable: the device reads only device-readable buffers");
                }

                if (Options.ReadOnly)
                {
                    return Fail(queue, chain, VirtioErrorKind.BadRequest, "OUT request to a read-only disk");
                }

                return CheckRange(queue, chain, sector, dataOut, "OUT") ?? Write(queue, chain, sector, (int)dataOut);
            case VirtioBlkReq.TypeFlush:
                queue.Flushes++;
                return VirtioBlkReq.StatusOk;
            case VirtioBlkReq.TypeGetId:
                if (dataIn < 1)
                {
                    return Fail(queue, chain, VirtioErrorKind.BadRequest, "GET_ID request without a device-writable data buffer");
                }

                return chain.TryWrite(0, _id.AsSpan(0, (int)Math.Min(dataIn, VirtioBlkReq.IdBytes)))
                    ? VirtioBlkReq.StatusOk
                    : Fail(queue, chain, VirtioErrorKind.BufferDmaFault, "DMA fault writing the GET_ID data");
            default:
                return VirtioBlkReq.StatusUnsupp;
        }
    }

    private byte? CheckRange(BlkRequestQueue queue, VirtqChain chain, ulong sector, long length, string what)
    {
        if (length % VirtioBlkReq.SectorSize != 0)
        {
            return Fail(queue, chain, VirtioErrorKind.BadRequest, $"{what} data length {length} is not a multiple of {VirtioBlkReq.SectorSize}");
        }

        ulong sectors = (ulong)(length / VirtioBlkReq.SectorSize);
        ulong capacity = (ulong)Options.CapacitySectors;
        if (sector > capacity || sectors > capacity - sector)
        {
            return Fail(queue, chain, VirtioErrorKind.BadRequest, $"{what} of {sectors} sectors at sector {sector} is past the end of the {capacity}-sector disk");
        }

        return null;
    }

    private byte Read(BlkRequestQueue queue, VirtqChain chain, ulong sector, int length)
    {
        if (!chain.TryWrite(0, _disk.AsSpan((int)(sector * VirtioBlkReq.SectorSize), length)))
        {
            return Fail(queue, chain, VirtioErrorKind.BufferDmaFault, $"DMA fault writing IN data for sector {sector}");
        }

        queue.SectorsRead += length / VirtioBlkReq.SectorSize;
        return VirtioBlkReq.StatusOk;
    }

    /// <summary>Reads the data through a scratch buffer, so a faulting chunk leaves its sectors unchanged.</summary>
    private byte Write(BlkRequestQueue queue, VirtqChain chain, ulong sector, int length)
    {
        int diskOffset = (int)(sector * VirtioBlkReq.SectorSize);
        for (int done = 0; done < length; done += ScratchSize)
        {
            int chunk = Math.Min(ScratchSize, length - done);
            Span<byte> scratch = queue.Scratch(ScratchSize).AsSpan(0, chunk);
            if (!chain.TryRead(VirtioBlkReq.HeaderSize + done, scratch))
            {
                return Fail(queue, chain, VirtioErrorKind.BufferDmaFault, $"DMA fault reading OUT data for sector {sector} (+{done} bytes)");
            }

            scratch.CopyTo(_disk.AsSpan(diskOffset + done, chunk));
        }

        queue.SectorsWritten += length / VirtioBlkReq.SectorSize;
        return VirtioBlkReq.StatusOk;
    }

    private byte Fail(BlkRequestQueue queue, VirtqChain chain, VirtioErrorKind kind, string message)
    {
        ReportRequestError(queue.Index, kind, $"request (head {chain.Id}) fails with VIRTIO_BLK_S_IOERR: {message}");
        return VirtioBlkReq.StatusIoErr;
    }
}
