using System.Runtime.CompilerServices;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runtime.Vfio;

/// <summary>
/// A VFIO container with the type1 IOMMU backend: the address space a userspace driver builds for the
/// devices it owns. Adding a device takes it away from the kernel: it is attached to the container's
/// own translated domain (strict invalidation), where nothing is mapped until the driver calls
/// <see cref="MapDma"/> with IOVAs of its choosing for its own memory. Everything else faults.
/// Closing the container (<see cref="Dispose"/>) unmaps everything, resets the devices and gives
/// them back their previous domains. The DMA debug layer sees the mappings, so a device access
/// outside them is reported (DMA001) as for kernel drivers. Mapped memory is pinned, as VFIO pins
/// pages: it cannot be freed while the mapping lives.
/// Thread safety: every member may be called from any thread; the container's operations are
/// serialised by its own lock.
/// </summary>
public sealed class VfioContainer : IDisposable
{
    private static readonly ConditionalWeakTable<Device, VfioContainer> Owners = new();

    private readonly List<VfioDevice> _devices = new();
    private readonly List<VfioDmaMapping> _mappings = new();
    private readonly object _lock = new();
    private bool _disposed;

    /// <summary>Opens a container on a machine.</summary>
    /// <exception cref="InvalidOperationException">The machine has no IOMMU (no-IOMMU mode would give the driver no isolation; not supported).</exception>
    public VfioContainer(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        Machine = machine;
        Iommu = machine.Iommu ?? throw new InvalidOperationException("VFIO needs an IOMMU: without one a userspace driver's device could DMA anywhere.");
        machine.AddContainer(this);
    }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The machine's IOMMU.</summary>
    public Iommu Iommu { get; }

    /// <summary>The container's domain, created when the first device is added.</summary>
    public IommuDomain? Domain { get; private set; }

    /// <summary>Devices in the container.</summary>
    public IReadOnlyList<VfioDevice> Devices
    {
        get
        {
            lock (_lock)
            {
                return _devices.ToArray();
            }
        }
    }

    /// <summary>The driver's live mappings (a snapshot).</summary>
    public IReadOnlyList<VfioDmaMapping> Mappings
    {
        get
        {
            lock (_lock)
            {
                return _mappings.ToArray();
            }
        }
    }

    /// <summary>The first IOVA past the domain's address width (IOVAs must stay below it).</summary>
    public static ulong IovaLimit => 1UL << IoPageTable.AddressWidth;

    /// <summary>Takes a device from the kernel and puts it in this container. Until the container is closed the device's kernel <see cref="DmaApi"/> makes no mapping (its map calls throw <see cref="InvalidOperationException"/>).</summary>
    /// <exception cref="InvalidOperationException">
    /// The device is removed, belongs to another machine or container, bypasses the IOMMU (it could not
    /// be isolated), or its kernel driver still holds DMA mappings (unbind it first).
    /// </exception>
    public VfioDevice AddDevice(VirtioMmioTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        lock (_lock)
        {
            return AddDeviceLocked(transport);
        }
    }

    private VfioDevice AddDeviceLocked(VirtioMmioTransport transport)
    {
        ThrowIfDisposed();
        Device device = transport.Device;
        if (device.Machine != Machine || device.IsRemoved)
        {
            throw new InvalidOperationException($"{device} is not present on this machine.");
        }

        if (Owners.TryGetValue(device, out VfioContainer? owner))
        {
            throw new InvalidOperationException($"{device} is already in {(ReferenceEquals(owner, this) ? "this" : "another")} VFIO container.");
        }

        if (device.Options.BehindIommu == false)
        {
            throw new InvalidOperationException($"{device}: its DMA bypasses the IOMMU, so VFIO cannot isolate it.");
        }

        // The DMA layer's own count, not the debug layer's: the guard holds with debugging off. The
        // hand-over switches the kernel DMA path to one that maps nothing, atomically with that count
        // (a kernel map racing the hand-over either is seen and refuses it, or is refused itself).
        if (!device.Dma.TryHandToUserspace())
        {
            throw new InvalidOperationException($"{device}: its kernel driver still holds {device.Dma.LiveCount} DMA mapping(s) or coherent buffer(s), or is mapping; unbind it first.");
        }

        IommuDomain? previous = Iommu.DomainOf(device.Id);
        Domain ??= Iommu.CreateDomain(DomainKind.Translated, InvalidationMode.Strict);
        Iommu.Attach(device.Id, Domain);
        var handle = new VfioDevice(this, transport, previous);
        _devices.Add(handle);
        Owners.Add(device, this);
        foreach (VfioDmaMapping mapping in _mappings)
        {
            TrackMap(device.Id, mapping);
        }

        Machine.LogLine($"vfio: {device.Id} {device.Name} assigned to a userspace driver, {Domain}");
        return handle;
    }

    /// <summary>
    /// Maps whole pages of the driver's memory at an IOVA it chose (<c>VFIO_IOMMU_MAP_DMA</c>).
    /// </summary>
    /// <param name="memory">The driver's memory (pinned for the mapping's life).</param>
    /// <param name="offset">Page-aligned offset in <paramref name="memory"/>.</param>
    /// <param name="iova">Page-aligned, non-zero IOVA below <see cref="IovaLimit"/>.</param>
    /// <param name="length">A positive multiple of the page size, inside <paramref name="memory"/>'s pages.</param>
    /// <param name="flags">Read, write or both.</param>
    /// <exception cref="InvalidOperationException">No device was added yet (the container has no IOMMU context).</exception>
    /// <exception cref="ArgumentException">Misaligned, outside the memory, no access flag, or overlapping an existing mapping.</exception>
    public void MapDma(KBuffer memory, int offset, ulong iova, int length, VfioDmaFlags flags)
    {
        ArgumentNullException.ThrowIfNull(memory);
        lock (_lock)
        {
            MapDmaLocked(memory, offset, iova, length, flags);
        }
    }

    private void MapDmaLocked(KBuffer memory, int offset, ulong iova, int length, VfioDmaFlags flags)
    {
        ThrowIfDisposed();
        if (Domain is null)
        {
            throw new InvalidOperationException("Add a device first: the container has no IOMMU context yet.");
        }

        memory.ThrowIfFreed();
        if (!ReferenceEquals(memory.Memory, Machine.Memory))
        {
            throw new ArgumentException("The memory belongs to another machine.", nameof(memory));
        }

        if ((flags & VfioDmaFlags.ReadWrite) == 0 || (flags & ~VfioDmaFlags.ReadWrite) != 0)
        {
            throw new ArgumentException($"Flags {flags} must be Read, Write or both.", nameof(flags));
        }

        long mappable = (long)memory.Pages << PhysicalMemory.PageShift;
        if (offset < 0 || (offset & (int)PhysicalMemory.PageMask) != 0 || length <= 0 || (length & (int)PhysicalMemory.PageMask) != 0 || offset + (long)length > mappable)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Offset {offset} and length {length} must be page-aligned and inside the {mappable}-byte memory.");
        }

        IommuPermission permission = ((flags & VfioDmaFlags.Read) != 0 ? IommuPermission.Read : IommuPermission.None)
            | ((flags & VfioDmaFlags.Write) != 0 ? IommuPermission.Write : IommuPermission.None);
        memory.Pin(Environment.CurrentManagedThreadId);
        try
        {
            Domain.Map(iova, new PhysAddr(memory.Physical.Value + (ulong)offset), length, permission);
        }
        catch
        {
            memory.Unpin(Environment.CurrentManagedThreadId);
            throw;
        }

        var mapping = new VfioDmaMapping(iova, length, memory, offset, flags);
        _mappings.Add(mapping);
        foreach (VfioDevice device in _devices)
        {
            TrackMap(device.Device.Id, mapping);
        }
    }

    /// <summary>Removes a mapping made by <see cref="MapDma"/> (<c>VFIO_IOMMU_UNMAP_DMA</c>); the IOTLB is invalidated before it returns.</summary>
    /// <exception cref="ArgumentException">No mapping starts at <paramref name="iova"/> with that length.</exception>
    public void UnmapDma(ulong iova, int length)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            int index = _mappings.FindIndex(m => m.Iova == iova && m.Length == length);
            if (index < 0)
            {
                throw new ArgumentException($"No mapping of {length} bytes at IOVA 0x{iova:x}.", nameof(iova));
            }

            Unmap(index);
        }
    }

    /// <summary>Closes the container: unmaps everything, resets each device and returns it to its previous domain.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            DisposeLocked();
        }

        Machine.RemoveContainer(this);
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The mapping that pins <paramref name="memory"/>, if any, for the refusal of its free.</summary>
    internal PinHolder? FindPinHolder(KBuffer memory)
    {
        lock (_lock)
        {
            foreach (VfioDmaMapping mapping in _mappings)
            {
                if (ReferenceEquals(mapping.Memory, memory))
                {
                    DeviceId device = _devices.Count > 0 ? _devices[0].Device.Id : default;
                    return new PinHolder(device, MappingKind.Vfio, new DmaAddr(mapping.Iova), mapping.Length, DmaDirection.Bidirectional);
                }
            }

            return null;
        }
    }

    private void DisposeLocked()
    {
        if (_disposed)
        {
            return;
        }

        for (int i = _mappings.Count - 1; i >= 0; i--)
        {
            Unmap(i);
        }

        foreach (VfioDevice device in _devices)
        {
            device.Transport.Write(VirtioMmio.Status, 0); // VFIO resets a device when its fd is released
            Iommu.Detach(device.Device.Id);
            if (device.PreviousDomain is { } previous && !device.Device.IsRemoved)
            {
                Iommu.Attach(device.Device.Id, previous);
            }

            Owners.Remove(device.Device);
            device.Device.Dma.ReturnFromUserspace(); // the kernel DMA API maps again
            Machine.LogLine($"vfio: {device.Device.Id} {device.Device.Name} released by its userspace driver");
        }

        _devices.Clear();
        _disposed = true;
    }

    private void Unmap(int index)
    {
        VfioDmaMapping mapping = _mappings[index];
        Domain!.Unmap(mapping.Iova, mapping.Length);
        _mappings.RemoveAt(index);
        mapping.Memory.Unpin(Environment.CurrentManagedThreadId);
        if (Machine.Debug.IsEnabled)
        {
            foreach (VfioDevice device in _devices)
            {
                Machine.Debug.OnUnmap(device.Device.Id, MappingKind.Vfio, mapping.Iova, mapping.Length, DmaDirection.Bidirectional, refused: false);
            }
        }
    }

    private void TrackMap(DeviceId device, VfioDmaMapping mapping)
    {
        if (Machine.Debug.IsEnabled)
        {
            Machine.Debug.OnMap(device, MappingKind.Vfio, null, mapping.Iova, mapping.Length, DmaDirection.Bidirectional);
        }
    }
}
