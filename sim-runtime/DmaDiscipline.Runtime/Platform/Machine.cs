namespace DmaDiscipline.Runtime;

/// <summary>
/// The simulated machine: physical memory, an optional IOMMU, the bounce pool, the DMA debug layer
/// and the devices. <see cref="AddDevice"/> is where the platform — not the driver — decides each
/// device's DMA path from the firmware table, per-device overrides, quirks and confidential mode.
/// Thread safety: every public operation of the machine — the DMA API, memory allocation and free,
/// device bus accesses, IOMMU invalidation, the debug layer, VFIO, and plugging devices in and out —
/// may be called from any thread. A device model processes each of its queues on one thread, as
/// hardware queues are; a <see cref="ScatterList"/> belongs to one thread at a time.
/// </summary>
public sealed class Machine
{
    private readonly List<Device> _devices = new();
    private readonly List<string> _log = new();
    private readonly List<Vfio.VfioContainer> _containers = new();
    private readonly object _lock = new();

    /// <summary>Creates a machine with default options: 64 GiB, an IOMMU with translated strict domains, debug collecting.</summary>
    public Machine()
        : this(new MachineOptions())
    {
    }

    /// <summary>Creates a machine.</summary>
    /// <exception cref="ArgumentException">Inconsistent options (for example confidential without a bounce pool).</exception>
    public Machine(MachineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = Snapshot(options); // checked and used as copied: changing the caller's sets afterwards changes nothing
        CheckOptions(options);
        if (options.Confidential && options.BouncePoolSize <= 0)
        {
            throw new ArgumentException("A confidential machine needs a bounce pool: devices can only reach shared memory.", nameof(options));
        }

        if (options.BouncePoolSize < 0)
        {
            throw new ArgumentException($"Bounce pool size {options.BouncePoolSize} is negative.", nameof(options));
        }

        Options = options;
        Memory = new PhysicalMemory(options.Memory);
        Faults = new FaultLog(options.FaultLogCapacity);
        Debug = new DmaDebug(options.Debug);
        if (Debug.IsEnabled)
        {
            Memory.CpuAccessWhileDeviceOwned = Debug.OnCpuAccess;
            Memory.Allocated = Debug.OnAllocate;
            Memory.FreedWhilePinned = Debug.OnFreeWhilePinned;
        }

        Memory.FindPinHolder = FindPinHolder;

        if (options.IommuPresent)
        {
            Iommu = new Iommu(options.Iommu, Faults);
        }

        if (options.BouncePoolSize > 0)
        {
            try
            {
                Swiotlb = new Swiotlb(Memory, options.BouncePoolSize, shared: options.Confidential);
            }
            catch (InsufficientMemoryException lowMemory)
            {
                throw new ArgumentException($"A bounce pool of {options.BouncePoolSize} bytes does not fit in this machine's memory below 4 GiB.", nameof(options), lowMemory);
            }

            LogLine($"software IO TLB: mapped [{Swiotlb.Base}-0x{Swiotlb.Base.Value + (ulong)Swiotlb.Size - 1:x}] ({Swiotlb.Size >> 20} MiB)");
        }

        LogLine(options.IommuPresent
            ? $"iommu: default domain type {options.Iommu.DefaultDomain}, invalidation {options.Iommu.Invalidation}"
            : "iommu: none present, all DMA is direct");
        if (options.Confidential)
        {
            LogLine("confidential guest: devices see shared memory only, all streaming DMA bounces");
        }
    }

    /// <summary>The options the machine was built with, its firmware sets and domain overrides as copied then (changing the caller's collections afterwards changes nothing).</summary>
    public MachineOptions Options { get; }

    /// <summary>Physical memory.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The IOMMU, or null when the machine has none.</summary>
    public Iommu? Iommu { get; }

    /// <summary>DMA fault records (IOMMU faults, accesses outside memory or to private memory).</summary>
    public FaultLog Faults { get; }

    /// <summary>The DMA debug layer.</summary>
    public DmaDebug Debug { get; }

    /// <summary>The bounce pool, or null when the machine has none.</summary>
    public Swiotlb? Swiotlb { get; }

    /// <summary>Devices, in the order they were added (a snapshot).</summary>
    public IReadOnlyList<Device> Devices
    {
        get
        {
            lock (_lock)
            {
                return _devices.ToArray();
            }
        }
    }

    /// <summary>The platform's log (the dmesg analogue): domain assignments, quirks, refusals (a snapshot).</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToArray();
            }
        }
    }

    /// <summary>
    /// Plugs a device in and gives it a DMA path: no IOMMU → direct; firmware says not covered →
    /// direct; covered → a domain of the overridden or default kind (translated → IOMMU DMA,
    /// identity → direct); confidential → forced bouncing. With <see cref="MachineOptions.FirmwareQuirks"/>
    /// the device's real path is probed first, and a table that disagrees is not trusted for it.
    /// </summary>
    /// <exception cref="ArgumentException">The id is already in use, the group device is unknown, or an option is out of range (a DMA mask that is not 2^n − 1 with n from 12 to 64, bad ATS cache size, no name).</exception>
    public Device AddDevice(DeviceId id, DeviceOptions? options = null)
    {
        options ??= new DeviceOptions();
        if (options.Name is null)
        {
            throw new ArgumentException("A device needs a name (DeviceOptions.Name).", nameof(options));
        }

        if (!IsAddressMask(options.DmaMask))
        {
            throw new ArgumentException($"DmaMask 0x{options.DmaMask:x} is not 2^n − 1 with n from 12 to 64 (the address bits the device drives).", nameof(options));
        }

        // Hot-plug is rare: one device at a time, so ids and the IOMMU context stay consistent.
        lock (_lock)
        {
            return AddDeviceLocked(id, options);
        }
    }

    private Device AddDeviceLocked(DeviceId id, DeviceOptions options)
    {
        if (_devices.Any(d => d.Id == id && !d.IsRemoved))
        {
            throw new ArgumentException($"Device {id} is already present.", nameof(id));
        }

        if (options.Ats && (options.AtcEntries is <= 0 or > 65536 || (options.AtcEntries & (options.AtcEntries - 1)) != 0))
        {
            throw new ArgumentException($"AtcEntries {options.AtcEntries} is not a power of two from 1 to 65536.", nameof(options));
        }

        bool behindIommu = Iommu is not null && (options.BehindIommu ?? true);
        bool claimed = Iommu is not null && Options.Firmware.Claims(id);
        bool trusted = true;
        if (Iommu is not null && Options.FirmwareQuirks)
        {
            bool translates = ProbeTranslation(id, behindIommu);
            if (translates != claimed)
            {
                trusted = false;
                LogLine(claimed
                    ? $"DMAR: [Firmware Bug]: {id} ({options.Name}) is in the IOMMU's scope but its DMA bypasses translation; disabling translation for it"
                    : $"DMAR: [Firmware Bug]: {id} ({options.Name}) is outside the IOMMU's scope but its DMA is translated; giving it an identity domain");
            }
        }

        IommuDomain? domain = null;
        DmaOps ops;
        if (Options.Confidential)
        {
            // Shared bounce memory is what a confidential guest's devices can reach; an identity
            // domain keeps the IOMMU from faulting the bounce slots' physical addresses.
            domain = behindIommu ? IdentityDomainFor(id) : null;
            ops = new DirectDmaOps(Memory, Swiotlb, forceBounce: true);
        }
        else if (Iommu is null || (!claimed && trusted))
        {
            ops = new DirectDmaOps(Memory, Swiotlb, forceBounce: false);
        }
        else if (!trusted)
        {
            domain = behindIommu ? IdentityDomainFor(id) : null;
            ops = new DirectDmaOps(Memory, Swiotlb, forceBounce: false);
        }
        else
        {
            domain = DomainFor(id, options);
            ops = domain.Kind == DomainKind.Translated ? new IommuDmaOps(Memory, domain) : new DirectDmaOps(Memory, Swiotlb, forceBounce: false);
        }

        // What the DMA API answers if the device declares that it bypasses translation (a virtio
        // device without ACCESS_PLATFORM): physical addresses, bounced only where the mask demands.
        DmaOps bypass = ops is DirectDmaOps ? ops : new DirectDmaOps(Memory, Swiotlb, forceBounce: false);
        var dma = new DmaApi(id, Memory, ops, bypass, Debug, options.DmaMask);
        var device = new Device(this, id, options, dma, new BusMaster(this, id, behindIommu, options.DmaMask, options.Ats ? options.AtcEntries : 0), domain);
        _devices.Add(device);
        LogLine($"{id} {options.Name}: {Describe(ops.Path, domain)}{(behindIommu ? string.Empty : ", DMA bypasses the IOMMU")}");
        return device;
    }

    /// <summary>Whether a mask names the low n address bits, n from 12 (one page) to 64.</summary>
    private static bool IsAddressMask(ulong mask) => mask >= PhysicalMemory.PageMask && (mask & (mask + 1)) == 0;

    /// <summary>
    /// Unplugs a device: leaks are reported (DMA002), its IOMMU context is removed, and its
    /// <see cref="DmaApi"/> refuses every later call with <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <exception cref="DmaDebugException">Throw mode and mappings were still live: thrown after the device is removed.</exception>
    public void RemoveDevice(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            if (device.Machine != this || device.IsRemoved)
            {
                throw new ArgumentException($"{device} is not present on this machine.", nameof(device));
            }

            // In Throw mode the leak report is thrown only once the removal is complete, so a caught
            // report never leaves a half-removed device behind.
            DmaDebugException? leaks = null;
            try
            {
                device.UnbindDriver();
            }
            catch (DmaDebugException report)
            {
                leaks = report;
            }

            device.Dma.MarkRemoved();
            Debug.OnRemove(device.Id);
            Iommu?.Detach(device.Id);
            device.Bus.OnRemoved();
            device.Dma.ReleaseAfterRemoval(); // reported above; now nothing of the device's pins memory or holds IOVAs and bounce slots
            device.IsRemoved = true;
            LogLine($"{device.Id} {device.Name}: removed");
            if (leaks is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(leaks);
            }
        }
    }

    /// <summary>The largest bounce pool (Linux caps swiotlb similarly; the pool is reserved in low memory at boot).</summary>
    private const int MaxBouncePool = 1 << 30;

    /// <summary>
    /// The options with their collections copied (firmware sets, domain overrides), so a caller that
    /// changes its own collections later — from another thread while devices are added, say — changes
    /// neither what was checked nor what is decided.
    /// </summary>
    private static MachineOptions Snapshot(MachineOptions options)
    {
        if (options.Firmware?.Covered is null || options.Firmware.Excluded is null || options.DomainOverrides is null)
        {
            return options; // refused by CheckOptions
        }

        return options with
        {
            Firmware = options.Firmware with
            {
                Covered = System.Collections.Frozen.FrozenSet.ToFrozenSet(options.Firmware.Covered),
                Excluded = System.Collections.Frozen.FrozenSet.ToFrozenSet(options.Firmware.Excluded),
            },
            DomainOverrides = System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(options.DomainOverrides),
        };
    }

    /// <summary>Refuses options no platform could have (null parts, undefined enum values) before anything is built.</summary>
    private static void CheckOptions(MachineOptions options)
    {
        if (options.Memory is null || options.Iommu is null || options.Firmware?.Covered is null || options.Firmware.Excluded is null || options.DomainOverrides is null)
        {
            throw new ArgumentException("Memory, Iommu, Firmware (with its Covered and Excluded sets) and DomainOverrides options must not be null.", nameof(options));
        }

        if (options.Debug is not (DmaDebugMode.Off or DmaDebugMode.Collect or DmaDebugMode.Throw))
        {
            throw new ArgumentException($"Debug mode {options.Debug} is not Off, Collect or Throw.", nameof(options));
        }

        if (options.FaultLogCapacity <= 0)
        {
            throw new ArgumentException($"FaultLogCapacity {options.FaultLogCapacity} is not positive.", nameof(options));
        }

        if (options.BouncePoolSize > MaxBouncePool)
        {
            throw new ArgumentException($"Bounce pool size {options.BouncePoolSize} is above {MaxBouncePool} bytes (1 GiB, reserved below 4 GiB at boot).", nameof(options));
        }

        if (options.BouncePoolSize > 0 && options.BouncePoolSize % Swiotlb.SlotSize != 0)
        {
            throw new ArgumentException($"Bounce pool size {options.BouncePoolSize} is not a multiple of the {Swiotlb.SlotSize}-byte slot.", nameof(options));
        }

        Iommu.CheckOptions(options.Iommu);
        foreach ((DeviceId device, DomainKind kind) in options.DomainOverrides)
        {
            if (!Iommu.IsDefined(kind))
            {
                throw new ArgumentException($"The domain override of {device}, {kind}, is not Identity, Translated or Blocked.", nameof(options));
            }
        }
    }

    /// <summary>The device with an id, or null.</summary>
    public Device? Find(DeviceId id)
    {
        lock (_lock)
        {
            return _devices.LastOrDefault(d => d.Id == id && !d.IsRemoved);
        }
    }

    internal void LogLine(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    /// <summary>A VFIO container was opened on this machine: its mappings pin memory too.</summary>
    internal void AddContainer(Vfio.VfioContainer container)
    {
        lock (_containers)
        {
            _containers.Add(container);
        }
    }

    internal void RemoveContainer(Vfio.VfioContainer container)
    {
        lock (_containers)
        {
            _containers.Remove(container);
        }
    }

    /// <summary>One live mapping that pins <paramref name="buffer"/>, for the refusal of its free (a rare path: a scan).</summary>
    private PinHolder? FindPinHolder(KBuffer buffer)
    {
        foreach (Device device in Devices)
        {
            if (device.Dma.FindPinHolder(buffer) is { } holder)
            {
                return holder;
            }
        }

        Vfio.VfioContainer[] containers;
        lock (_containers)
        {
            containers = _containers.ToArray();
        }

        foreach (Vfio.VfioContainer container in containers)
        {
            if (container.FindPinHolder(buffer) is { } holder)
            {
                return holder;
            }
        }

        return null;
    }

    private static string Describe(DmaPath path, IommuDomain? domain) => path switch
    {
        DmaPath.Iommu => $"DMA through {domain}",
        DmaPath.ForcedBounce => "DMA bounced through shared memory",
        _ when domain is not null => $"direct DMA ({domain})",
        _ => "direct DMA (no translation)",
    };

    private IommuDomain DomainFor(DeviceId id, DeviceOptions options)
    {
        if (options.GroupWith is { } peer)
        {
            IommuDomain shared = Iommu!.DomainOf(peer)
                ?? throw new ArgumentException($"Group peer {peer} has no IOMMU domain.", nameof(options));
            Iommu.Attach(id, shared);
            return shared;
        }

        DomainKind kind = Options.DomainOverrides.TryGetValue(id, out DomainKind overridden) ? overridden : Options.Iommu.DefaultDomain;
        IommuDomain domain = Iommu!.CreateDomain(kind);
        Iommu.Attach(id, domain);
        return domain;
    }

    private IommuDomain IdentityDomainFor(DeviceId id)
    {
        IommuDomain domain = Iommu!.CreateDomain(DomainKind.Identity);
        Iommu.Attach(id, domain);
        return domain;
    }

    /// <summary>
    /// The quirk's DMA probe: attach a scratch translated domain that maps IOVA <c>b</c> to page
    /// <c>a</c>, let the device write a pattern at bus address <c>b</c>, and see where it lands.
    /// In <c>a</c>: the device's DMA is translated. In <c>b</c>: it bypasses the IOMMU.
    /// </summary>
    private bool ProbeTranslation(DeviceId id, bool behindIommu)
    {
        KBuffer target = Memory.Allocate(PhysicalMemory.PageSize, MemoryPlacement.Below4G);
        KBuffer decoy = Memory.Allocate(PhysicalMemory.PageSize, MemoryPlacement.Below4G);

        // In a confidential guest a device reaches only shared pages; a private probe page would fault
        // and make every device look untranslated. Free un-shares them again.
        Memory.SetShared(target.Physical.PageFrame, 1, shared: true);
        Memory.SetShared(decoy.Physical.PageFrame, 1, shared: true);
        IommuDomain scratch = Iommu!.CreateDomain(DomainKind.Translated, InvalidationMode.Strict);
        Iommu.Attach(id, scratch);
        try
        {
            scratch.Map(decoy.Physical.Value, target.Physical, PhysicalMemory.PageSize, IommuPermission.ReadWrite);
            ReadOnlySpan<byte> pattern = "DMARPROB"u8;
            var probe = new BusMaster(this, id, behindIommu, ulong.MaxValue, probe: true);
            bool wrote = probe.TryWrite(new DmaAddr(decoy.Physical.Value), pattern);
            return wrote && target.Bytes[..pattern.Length].SequenceEqual(pattern);
        }
        finally
        {
            Iommu.Detach(id);
            Memory.Free(target);
            Memory.Free(decoy);
        }
    }
}
