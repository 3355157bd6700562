using System.Buffers.Binary;
using System.Numerics;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// A virtio-mmio transport, version 2 (virtio 1.x §4.2), around a device model: the register window a
/// driver reads and writes with <see cref="Read"/> and <see cref="Write"/>, the device status state
/// machine, 64-bit feature negotiation, per-queue size/enable/notify and the three area addresses of
/// each queue — bus addresses the device DMAs to. With VIRTIO_F_ACCESS_PLATFORM negotiated the device
/// reaches memory only through its platform DMA path (<see cref="Device.Bus"/>: its IOMMU domain,
/// shared memory on a confidential machine); without it the device is part of the hypervisor and
/// treats addresses as physical — which a confidential machine forbids, so there the device refuses
/// FEATURES_OK with a reason. Processing is synchronous: a QueueNotify write consumes what the ring
/// holds before it returns, then the <see cref="Interrupt"/> event fires for due notifications.
/// <para>
/// Threads: each queue is processed on one thread at a time, and different queues at the same time
/// on different threads — a multiqueue driver notifies each of its queues from its own CPU and the
/// device services them independently (the model serialises what its queues share, such as a
/// virtio-net queue pair). QueueNotify, InterruptStatus and InterruptAck may be used from any thread;
/// <see cref="Interrupt"/> is raised on the thread whose notify made the notification due. The setup
/// registers (status, features, queue selection and configuration) belong to the thread that probes
/// or resets the device, as a driver serialises probe, reset and teardown against its queues.
/// </para>
/// </summary>
public sealed class VirtioMmioTransport
{
    private readonly VirtioQueueRegisters[] _registers;
    private readonly DeviceVirtqueue?[] _queues;
    private readonly QueueRunner[] _runners;
    private readonly List<VirtioDeviceError> _errors = new();
    private BusMaster? _hypervisorBus;
    private uint _deviceFeaturesSel;
    private uint _driverFeaturesSel;
    private uint _queueSel;
    private int _status;
    private SharedRegisters _shared;

    /// <summary>Plugs <paramref name="model"/> into a transport on <paramref name="device"/> (a device from <see cref="Machine.AddDevice"/>).</summary>
    /// <exception cref="ArgumentException">The model has no queues, more than 64, or the options are out of range.</exception>
    /// <exception cref="InvalidOperationException">The model is already plugged into another transport, or the device was removed.</exception>
    public VirtioMmioTransport(Device device, VirtioDeviceModel model, VirtioTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        options ??= new VirtioTransportOptions();
        if (device.IsRemoved)
        {
            throw new InvalidOperationException($"{device} was removed from its machine: there is no device to plug a transport into.");
        }

        if (model.QueueCount is <= 0 or > 64)
        {
            throw new ArgumentException($"{model.Name} has {model.QueueCount} queues; a device has 1 to 64.", nameof(model));
        }

        if (options.QueueNumMax is <= 0 or > 32768)
        {
            throw new ArgumentException($"QueueNumMax {options.QueueNumMax} is not 1 to 32768.", nameof(options));
        }

        Device = device;
        Model = model;
        Options = options;
        DeviceFeatures = VirtioFeatures.Version1
            | (options.OfferAccessPlatform ? VirtioFeatures.AccessPlatform : 0)
            | (options.OfferRingPacked ? VirtioFeatures.RingPacked : 0)
            | (options.OfferEventIdx ? VirtioFeatures.EventIdx : 0)
            | (options.OfferIndirectDesc ? VirtioFeatures.IndirectDesc : 0)
            | model.DeviceFeatures;
        _registers = new VirtioQueueRegisters[model.QueueCount];
        for (int i = 0; i < _registers.Length; i++)
        {
            _registers[i] = new VirtioQueueRegisters();
        }

        _queues = new DeviceVirtqueue?[model.QueueCount];
        _runners = new QueueRunner[model.QueueCount];
        DeviceBus = device.Bus;
        model.Attach(this);
        Log($"virtio-mmio v2, device id {(uint)model.DeviceType}, features {VirtioFeatures.Describe(DeviceFeatures)}");
    }

    /// <summary>Raised after processing when used buffer or configuration change notifications are due (the interrupt line).</summary>
    public event Action<VirtioInterrupt>? Interrupt;

    /// <summary>The platform device (requester id, DMA API, bus master).</summary>
    public Device Device { get; }

    /// <summary>The device model behind the registers.</summary>
    public VirtioDeviceModel Model { get; }

    /// <summary>The transport's hardware options.</summary>
    public VirtioTransportOptions Options { get; }

    /// <summary>Every feature the device offers (device-independent and device-specific).</summary>
    public ulong DeviceFeatures { get; }

    /// <summary>The features the driver wrote to DriverFeatures.</summary>
    public ulong DriverFeatures { get; private set; }

    /// <summary>The features in effect: the driver's, once the device accepted FEATURES_OK; 0 before.</summary>
    public ulong NegotiatedFeatures { get; private set; }

    /// <summary>The device status register.</summary>
    public VirtioStatus Status => (VirtioStatus)Volatile.Read(ref _status);

    /// <summary>The InterruptStatus register.</summary>
    public VirtioInterrupt InterruptStatus => (VirtioInterrupt)Volatile.Read(ref _shared.InterruptStatus);

    /// <summary>Whether the device reaches memory through the platform DMA path (ACCESS_PLATFORM negotiated).</summary>
    public bool UsesPlatformDma => (NegotiatedFeatures & VirtioFeatures.AccessPlatform) != 0;

    /// <summary>
    /// The device's side of DMA as fixed at FEATURES_OK: <see cref="Device.Bus"/> with ACCESS_PLATFORM,
    /// otherwise a bus master that bypasses the IOMMU (the hypervisor reading guest-physical memory).
    /// </summary>
    public BusMaster DeviceBus { get; private set; }

    /// <summary>Number of virtqueues.</summary>
    public int QueueCount => _queues.Length;

    /// <summary>Errors the device detected, oldest first (kept across resets); a snapshot, as queues on other threads may add more.</summary>
    public IReadOnlyList<VirtioDeviceError> Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToArray();
            }
        }
    }

    /// <summary>Why the device set DEVICE_NEEDS_RESET, or null.</summary>
    public string? NeedsResetReason { get; private set; }

    /// <summary>Why the device refused FEATURES_OK at the last attempt, or null.</summary>
    public string? FeaturesRejectedReason { get; private set; }

    /// <summary>QueueNotify writes received.</summary>
    public long Notifications
    {
        get
        {
            long total = Interlocked.Read(ref _shared.StrayNotifications);
            for (int i = 0; i < _runners.Length; i++)
            {
                total += _runners[i].Notifications;
            }

            return total;
        }
    }

    /// <summary>Used buffer notifications sent.</summary>
    public long UsedBufferInterrupts
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _runners.Length; i++)
            {
                total += _runners[i].UsedBufferInterrupts;
            }

            return total;
        }
    }

    /// <summary>Configuration change notifications sent.</summary>
    public long ConfigChangeInterrupts => Interlocked.Read(ref _shared.ConfigChangeInterrupts);

    /// <summary>Whether the device runs: DRIVER_OK set, neither DEVICE_NEEDS_RESET nor FAILED.</summary>
    public bool IsLive => (Status & (VirtioStatus.DriverOk | VirtioStatus.DeviceNeedsReset | VirtioStatus.Failed)) == VirtioStatus.DriverOk;

    /// <summary>Reads a 32-bit register, or 32 bits of configuration space at 0x100 and above. Unknown registers read 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative or not 4-byte aligned.</exception>
    public uint Read(int offset)
    {
        CheckOffset(offset);
        if (offset >= VirtioMmio.ConfigOffset)
        {
            Span<byte> word = stackalloc byte[4];
            ReadConfigClamped(offset - VirtioMmio.ConfigOffset, word);
            return BinaryPrimitives.ReadUInt32LittleEndian(word);
        }

        VirtioQueueRegisters? queue = _queueSel < _registers.Length ? _registers[_queueSel] : null;
        return offset switch
        {
            VirtioMmio.MagicValue => VirtioMmio.Magic,
            VirtioMmio.Version => VirtioMmio.Version2,
            VirtioMmio.DeviceId => (uint)Model.DeviceType,
            VirtioMmio.VendorId => VirtioMmio.SimulatorVendorId,
            VirtioMmio.DeviceFeatures => _deviceFeaturesSel switch
            {
                0 => (uint)DeviceFeatures,
                1 => (uint)(DeviceFeatures >> 32),
                _ => 0,
            },
            VirtioMmio.QueueNumMax => queue is null ? 0 : (uint)Options.QueueNumMax,
            VirtioMmio.QueueReady => queue is { Ready: true } ? 1u : 0u,
            VirtioMmio.InterruptStatus => (uint)InterruptStatus,
            VirtioMmio.Status => (uint)Status,
            VirtioMmio.ConfigGeneration => 0, // the simulated devices' configuration never changes while they run
            _ => 0,
        };
    }

    /// <summary>Writes a 32-bit register, or 32 bits of configuration space at 0x100 and above. Read-only and unknown registers ignore writes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative or not 4-byte aligned.</exception>
    public void Write(int offset, uint value)
    {
        CheckOffset(offset);
        if (offset >= VirtioMmio.ConfigOffset)
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(word, value);
            int at = offset - VirtioMmio.ConfigOffset;
            if (at < Model.ConfigSize)
            {
                Model.WriteConfig(at, word[..Math.Min(4, Model.ConfigSize - at)]);
            }

            return;
        }

        switch (offset)
        {
            case VirtioMmio.DeviceFeaturesSel:
                _deviceFeaturesSel = value;
                break;
            case VirtioMmio.DriverFeatures:
                WriteDriverFeatures(value);
                break;
            case VirtioMmio.DriverFeaturesSel:
                _driverFeaturesSel = value;
                break;
            case VirtioMmio.QueueSel:
                _queueSel = value;
                break;
            case VirtioMmio.QueueNum:
                WriteQueueRegister(offset, value);
                break;
            case VirtioMmio.QueueReady:
                WriteQueueReady(value);
                break;
            case VirtioMmio.QueueNotify:
                Notify(value);
                break;
            case VirtioMmio.InterruptAck:
                Interlocked.And(ref _shared.InterruptStatus, ~(int)value);
                break;
            case VirtioMmio.Status:
                WriteStatus(value);
                break;
            case VirtioMmio.QueueDescLow or VirtioMmio.QueueDescHigh or VirtioMmio.QueueDriverLow or VirtioMmio.QueueDriverHigh
                or VirtioMmio.QueueDeviceLow or VirtioMmio.QueueDeviceHigh:
                WriteQueueRegister(offset, value);
                break;
        }

        DeliverInterrupts();
    }

    /// <summary>
    /// Writes QueueDescLow/High of the selected queue: the bus address of its Descriptor Area. The
    /// device will DMA there, so only an address from the DMA API belongs in it (a device-visible sink).
    /// </summary>
    public void SetQueueDesc([BusAddress] ulong address) => WritePair(VirtioMmio.QueueDescLow, VirtioMmio.QueueDescHigh, address);

    /// <summary>Writes QueueDriverLow/High: the bus address of the Driver Area (available ring, or driver event suppression of a packed queue).</summary>
    public void SetQueueDriver([BusAddress] ulong address) => WritePair(VirtioMmio.QueueDriverLow, VirtioMmio.QueueDriverHigh, address);

    /// <summary>Writes QueueDeviceLow/High: the bus address of the Device Area (used ring, or device event suppression of a packed queue).</summary>
    public void SetQueueDevice([BusAddress] ulong address) => WritePair(VirtioMmio.QueueDeviceLow, VirtioMmio.QueueDeviceHigh, address);

    /// <summary>Reads configuration space bytes (any width, as the spec allows 8/16/32-bit accesses).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the configuration space.</exception>
    public void ReadConfig(int offset, Span<byte> destination)
    {
        CheckConfigRange(offset, destination.Length);
        Model.ReadConfig(offset, destination);
    }

    /// <summary>Writes configuration space bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the configuration space.</exception>
    public void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        CheckConfigRange(offset, source.Length);
        Model.WriteConfig(offset, source);
    }

    /// <summary>The running device side of queue <paramref name="index"/>, or null if it is not enabled.</summary>
    public DeviceVirtqueue? GetQueue(int index) => (uint)index < (uint)_queues.Length ? _queues[index] : null;

    /// <summary>Asks the device to look at a queue again (a model's own event, e.g. a queue pair the control queue just enabled).</summary>
    internal void Kick(int queue)
    {
        if ((uint)queue < (uint)_queues.Length && _queues[queue] is not null)
        {
            RunQueue(queue);
        }
    }

    /// <summary>Records a device error; with <paramref name="needsReset"/> sets DEVICE_NEEDS_RESET and stops every queue.</summary>
    internal void ReportError(int queue, VirtioErrorKind kind, string message, bool needsReset)
    {
        lock (_errors)
        {
            _errors.Add(new VirtioDeviceError(_errors.Count + 1, queue, kind, message, needsReset));
            if (needsReset && (Status & VirtioStatus.DeviceNeedsReset) == 0)
            {
                NeedsResetReason = message; // the first fatal error is the reason, whichever queue's thread found it
            }
            else
            {
                needsReset = false;
            }
        }

        Log($"{(queue >= 0 ? $"queue {queue}: " : string.Empty)}{message}{(needsReset ? "; device needs reset" : string.Empty)}");
        if (!needsReset)
        {
            return;
        }

        Interlocked.Or(ref _status, (int)VirtioStatus.DeviceNeedsReset);
        foreach (DeviceVirtqueue? running in _queues)
        {
            running?.Stop();
        }

        if ((Status & VirtioStatus.DriverOk) != 0)
        {
            Raise(VirtioInterrupt.ConfigChange);
        }
    }

    private void WritePair(int low, int high, ulong address)
    {
        Write(low, (uint)address);
        Write(high, (uint)(address >> 32));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Device.Id} {Model.Name} (virtio-mmio v2, status {Status})";

    private static void CheckOffset(int offset)
    {
        if (offset < 0 || (offset & 3) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "virtio-mmio registers are 32-bit and 4-byte aligned.");
        }
    }

    private void CheckConfigRange(int offset, int length)
    {
        if (offset < 0 || offset > Model.ConfigSize - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{length} bytes at {offset} are outside the {Model.ConfigSize}-byte configuration space.");
        }
    }

    private void ReadConfigClamped(int offset, Span<byte> destination)
    {
        destination.Clear();
        if (offset < Model.ConfigSize)
        {
            Model.ReadConfig(offset, destination[..Math.Min(destination.Length, Model.ConfigSize - offset)]);
        }
    }

    private void WriteDriverFeatures(uint value)
    {
        if ((Status & VirtioStatus.FeaturesOk) != 0)
        {
            ReportError(-1, VirtioErrorKind.Protocol, $"DriverFeatures written after FEATURES_OK (ignored)", needsReset: false);
            return;
        }

        DriverFeatures = _driverFeaturesSel switch
        {
            0 => (DriverFeatures & 0xffff_ffff_0000_0000UL) | value,
            1 => (DriverFeatures & 0xffff_ffffUL) | ((ulong)value << 32),
            _ => DriverFeatures,
        };
    }

    private void WriteQueueRegister(int offset, uint value)
    {
        if (_queueSel >= _registers.Length)
        {
            return; // no such queue: the write goes nowhere
        }

        VirtioQueueRegisters queue = _registers[_queueSel];
        if (queue.Ready)
        {
            ReportError((int)_queueSel, VirtioErrorKind.Protocol, $"queue register 0x{offset:x3} written while the queue is ready (ignored)", needsReset: false);
            return;
        }

        switch (offset)
        {
            case VirtioMmio.QueueNum:
                queue.Num = value;
                break;
            case VirtioMmio.QueueDescLow:
                queue.Desc = VirtioQueueRegisters.SetLow(queue.Desc, value);
                break;
            case VirtioMmio.QueueDescHigh:
                queue.Desc = VirtioQueueRegisters.SetHigh(queue.Desc, value);
                break;
            case VirtioMmio.QueueDriverLow:
                queue.Driver = VirtioQueueRegisters.SetLow(queue.Driver, value);
                break;
            case VirtioMmio.QueueDriverHigh:
                queue.Driver = VirtioQueueRegisters.SetHigh(queue.Driver, value);
                break;
            case VirtioMmio.QueueDeviceLow:
                queue.Device = VirtioQueueRegisters.SetLow(queue.Device, value);
                break;
            case VirtioMmio.QueueDeviceHigh:
                queue.Device = VirtioQueueRegisters.SetHigh(queue.Device, value);
                break;
        }
    }

    private void WriteQueueReady(uint value)
    {
        if (_queueSel >= _registers.Length)
        {
            return;
        }

        int index = (int)_queueSel;
        VirtioQueueRegisters queue = _registers[index];
        if (value == 0)
        {
            queue.Ready = false;
            _queues[index]?.Stop(); // a model still holding it must not touch the driver's ring any more
            _queues[index] = null;
            return;
        }

        if (queue.Ready)
        {
            return;
        }

        if ((Status & VirtioStatus.FeaturesOk) == 0)
        {
            ReportError(index, VirtioErrorKind.QueueConfig, "QueueReady set before FEATURES_OK: the ring format is not negotiated yet", needsReset: true);
            return;
        }

        bool packed = (NegotiatedFeatures & VirtioFeatures.RingPacked) != 0;
        string? problem = QueueConfigProblem(queue, packed) ?? Model.QueueProblem(index);
        if (problem is not null)
        {
            ReportError(index, VirtioErrorKind.QueueConfig, problem, needsReset: true);
            return;
        }

        if ((Status & VirtioStatus.DeviceNeedsReset) != 0)
        {
            return;
        }

        int size = (int)queue.Num;
        DeviceVirtqueue running = packed
            ? new PackedDeviceVirtqueue(this, index, size, new DmaAddr(queue.Desc), new DmaAddr(queue.Driver), new DmaAddr(queue.Device), NegotiatedFeatures)
            : new SplitDeviceVirtqueue(this, index, size, new DmaAddr(queue.Desc), new DmaAddr(queue.Driver), new DmaAddr(queue.Device), NegotiatedFeatures);
        queue.Ready = true;
        _queues[index] = running;
        running.Start();
    }

    private string? QueueConfigProblem(VirtioQueueRegisters queue, bool packed)
    {
        if (queue.Num == 0 || queue.Num > (uint)Options.QueueNumMax)
        {
            return $"QueueNum {queue.Num} is not 1 to QueueNumMax {Options.QueueNumMax}";
        }

        if (!packed && !BitOperations.IsPow2(queue.Num))
        {
            return $"QueueNum {queue.Num} is not a power of 2, as a split virtqueue requires";
        }

        (int desc, int driver, int device) = packed
            ? (PvirtqDesc.Alignment, PvirtqEventSuppress.Alignment, PvirtqEventSuppress.Alignment)
            : (VirtqDesc.Alignment, VirtqAvail.Alignment, VirtqUsed.Alignment);
        if (queue.Desc % (ulong)desc != 0)
        {
            return $"Descriptor Area 0x{queue.Desc:x} is not {desc}-byte aligned";
        }

        if (queue.Driver % (ulong)driver != 0)
        {
            return $"Driver Area 0x{queue.Driver:x} is not {driver}-byte aligned";
        }

        if (queue.Device % (ulong)device != 0)
        {
            return $"Device Area 0x{queue.Device:x} is not {device}-byte aligned";
        }

        return null;
    }

    private void Notify(uint queue)
    {
        if (queue >= _queues.Length)
        {
            Interlocked.Increment(ref _shared.StrayNotifications);
            return;
        }

        _runners[queue].CountNotify();
        if (!IsLive || _queues[queue] is null)
        {
            return; // before DRIVER_OK, after an error, or for a queue that is not running: nothing to do
        }

        RunQueue((int)queue);
    }

    private void WriteStatus(uint value)
    {
        if (value == 0)
        {
            Reset();
            return;
        }

        var requested = (VirtioStatus)(byte)value & ~VirtioStatus.DeviceNeedsReset;
        VirtioStatus driverBits = Status & ~VirtioStatus.DeviceNeedsReset;
        if ((driverBits & ~requested) != 0)
        {
            ReportError(-1, VirtioErrorKind.Protocol, $"the driver tried to clear status bits {driverBits & ~requested} (only a reset clears them; ignored)", needsReset: false);
        }

        VirtioStatus added = requested & ~driverBits;
        if ((added & VirtioStatus.FeaturesOk) != 0 && !AcceptFeatures())
        {
            added &= ~VirtioStatus.FeaturesOk;
        }

        Interlocked.Or(ref _status, (int)added);
        if ((added & VirtioStatus.DriverOk) != 0)
        {
            if ((Status & VirtioStatus.FeaturesOk) == 0)
            {
                ReportError(-1, VirtioErrorKind.Protocol, "DRIVER_OK set without FEATURES_OK", needsReset: true);
                return;
            }

            Log($"DRIVER_OK, features {VirtioFeatures.Describe(NegotiatedFeatures)}, DMA {(UsesPlatformDma ? "through the platform DMA path" : "to physical addresses (bypassing the IOMMU)")}");
            Model.OnDriverOk();
            for (int i = 0; i < _queues.Length; i++)
            {
                if (_queues[i] is not null)
                {
                    RunQueue(i);
                }
            }
        }
    }

    /// <summary>Decides FEATURES_OK: refuses (with a recorded reason) a set the device cannot work with.</summary>
    private bool AcceptFeatures()
    {
        ulong driver = DriverFeatures;
        string? reason = null;
        if ((driver & ~DeviceFeatures) != 0)
        {
            reason = $"the driver accepted features the device does not offer ({VirtioFeatures.Describe(driver & ~DeviceFeatures)})";
        }
        else if ((driver & VirtioFeatures.Version1) == 0)
        {
            reason = "VIRTIO_F_VERSION_1 not accepted: a virtio-mmio version 2 device has no legacy interface";
        }
        else if (Device.Machine.Options.Confidential && (driver & VirtioFeatures.AccessPlatform) == 0)
        {
            reason = (DeviceFeatures & VirtioFeatures.AccessPlatform) == 0
                ? "confidential machine: the device does not offer VIRTIO_F_ACCESS_PLATFORM, so it would DMA to guest-private physical addresses it cannot reach; it cannot start"
                : "confidential machine: VIRTIO_F_ACCESS_PLATFORM not accepted, so the device would DMA to guest-private physical addresses it cannot reach; it cannot start";
        }
        else
        {
            reason = Model.ValidateFeatures(driver);
        }

        // The device's declaration decides the driver side too: without ACCESS_PLATFORM it takes bus
        // addresses as physical, so the DMA API must answer with physical addresses — whatever the
        // firmware table says (the settlement of the 2015 thread, Linux's vring_use_dma_api()).
        bool platformDma = (driver & VirtioFeatures.AccessPlatform) != 0;
        if (reason is null && !Device.Dma.TrySetTranslationBypass(!platformDma))
        {
            reason = platformDma
                ? "VIRTIO_F_ACCESS_PLATFORM accepted after the driver mapped buffers as physical addresses for this device; unmap them first"
                : "VIRTIO_F_ACCESS_PLATFORM not accepted, but the driver already holds DMA mappings from the platform's path for this device; the device would take them for physical addresses";
        }

        if (reason is not null)
        {
            FeaturesRejectedReason = reason;
            ReportError(-1, VirtioErrorKind.FeatureNegotiation, $"FEATURES_OK refused: {reason}", needsReset: false);
            return false;
        }

        FeaturesRejectedReason = null;
        NegotiatedFeatures = driver;
        if (Device.Dma.BypassesTranslation)
        {
            Device.Machine.LogLine($"virtio: {Device.Id} did not negotiate VIRTIO_F_ACCESS_PLATFORM: its DMA API returns physical addresses, not the platform's translated ones");
        }

        DeviceBus = platformDma
            ? Device.Bus
            : _hypervisorBus ??= new BusMaster(Device.Machine, Device.Id, behindIommu: false, Device.Options.DmaMask);
        return true;
    }

    private void Reset()
    {
        Model.OnReset();
        foreach (VirtioQueueRegisters queue in _registers)
        {
            queue.Clear();
        }

        foreach (DeviceVirtqueue? running in _queues)
        {
            running?.Stop(); // after a reset the device must not access the driver's rings (virtio 1.x §2.4), through a stale queue either
        }

        Array.Clear(_queues);
        Volatile.Write(ref _status, 0);
        Volatile.Write(ref _shared.InterruptStatus, 0);
        DriverFeatures = 0;
        NegotiatedFeatures = 0;
        DeviceBus = Device.Bus;
        NeedsResetReason = null;
        FeaturesRejectedReason = null;
        Volatile.Write(ref _shared.Undelivered, 0);
        _deviceFeaturesSel = 0;
        _driverFeaturesSel = 0;
        _queueSel = 0;
    }

    /// <summary>
    /// Runs the model on one queue on the calling thread, unless another run of that queue is in
    /// progress (then that run looks again), and raises the notifications it made due. Interrupt
    /// handlers run inside the loop, so a handler that refills and notifies the same queue is served
    /// by the next iteration rather than by a nested run.
    /// </summary>
    private void RunQueue(int index)
    {
        ref QueueRunner runner = ref _runners[index];
        if (!runner.TryEnter())
        {
            return;
        }

        DmaDebug.BeginDeviceWork();
        bool completed = false;
        try
        {
            do
            {
                DeviceVirtqueue? queue = _queues[index];
                if (IsLive && queue is { IsBroken: false })
                {
                    Model.ProcessQueue(index);
                    if (Model.UsedBufferDue(index))
                    {
                        runner.CountUsedBufferInterrupt();
                        Raise(VirtioInterrupt.UsedBuffer);
                    }
                }

                DeliverInterrupts();
            }
            while (runner.ExitOrAgain());
            completed = true;
        }
        catch
        {
            runner.Abandon();
            throw;
        }
        finally
        {
            // A Throw-mode violation of a device access was refused inside the run (the device saw a
            // failed transaction and answered the request); it is thrown now, after the run completed.
            DmaDebug.EndDeviceWork(rethrow: completed);
        }
    }

    /// <summary>
    /// Sets InterruptStatus bits and queues them for the <see cref="Interrupt"/> event. The register
    /// and the pending set are shared by every queue, so each is written only when it changes: queues
    /// on two cores raising a bit that is already set (a polling driver acks once per poll) only read
    /// the line, and nothing is queued when no handler listens.
    /// </summary>
    private void Raise(VirtioInterrupt bits)
    {
        if ((bits & VirtioInterrupt.ConfigChange) != 0)
        {
            Interlocked.Increment(ref _shared.ConfigChangeInterrupts);
        }

        if ((Volatile.Read(ref _shared.InterruptStatus) & (int)bits) != (int)bits)
        {
            Interlocked.Or(ref _shared.InterruptStatus, (int)bits);
        }

        if (Interrupt is not null && (Volatile.Read(ref _shared.Undelivered) & (int)bits) != (int)bits)
        {
            Interlocked.Or(ref _shared.Undelivered, (int)bits);
        }
    }

    private void DeliverInterrupts()
    {
        // A plain read first: queues on other cores do not bounce this line between them when nothing is due.
        if (Volatile.Read(ref _shared.Undelivered) == 0)
        {
            return;
        }

        var bits = (VirtioInterrupt)Interlocked.Exchange(ref _shared.Undelivered, 0);
        if (bits != VirtioInterrupt.None)
        {
            Interrupt?.Invoke(bits);
        }
    }

    private void Log(string message) => Device.Machine.LogLine($"{Device.Id} {Model.Name}: {message}");

    /// <summary>
    /// The registers every queue's thread writes — InterruptStatus (raised by each queue's run, acked
    /// by each queue's poll), the interrupts not yet delivered, the stray-notify and config-change
    /// counts — on cache lines of their own, a line away from both ends whatever the alignment of the
    /// transport. Beside the fields every transaction reads (the negotiated features, the queues, the
    /// device's bus), each ack or raise of one queue took that line from the other queue's core: with
    /// two queues on two cores, the device model's read of the negotiated features per run went from
    /// no samples to 2 % of a strict net cell's (perf, both queue threads on a core each).
    /// </summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 192)]
    private struct SharedRegisters
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public int InterruptStatus;

        [System.Runtime.InteropServices.FieldOffset(68)]
        public int Undelivered;

        [System.Runtime.InteropServices.FieldOffset(72)]
        public long StrayNotifications;

        [System.Runtime.InteropServices.FieldOffset(80)]
        public long ConfigChangeInterrupts;
    }
}
