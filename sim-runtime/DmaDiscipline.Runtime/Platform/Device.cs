namespace DmaDiscipline.Runtime;

/// <summary>
/// A device on the simulated machine: the driver's side is <see cref="Dma"/>, the device model's side
/// is <see cref="Bus"/>. Which path the DMA takes was decided by the platform when the device was added.
/// </summary>
public sealed class Device
{
    internal Device(Machine machine, DeviceId id, DeviceOptions options, DmaApi dma, BusMaster bus, IommuDomain? domain)
    {
        Machine = machine;
        Id = id;
        Options = options;
        Dma = dma;
        Bus = bus;
        Domain = domain;
    }

    /// <summary>Requester id.</summary>
    public DeviceId Id { get; }

    /// <summary>Name for logs.</summary>
    public string Name => Options.Name;

    /// <summary>The hardware facts the device was added with.</summary>
    public DeviceOptions Options { get; }

    /// <summary>The machine the device is plugged into.</summary>
    public Machine Machine { get; }

    /// <summary>The DMA API a driver of this device uses.</summary>
    public DmaApi Dma { get; }

    /// <summary>The device model's access to memory.</summary>
    public BusMaster Bus { get; }

    /// <summary>The IOMMU domain the OS attached the device to, if any (platform information, not for drivers: DMA007).</summary>
    public IommuDomain? Domain { get; }

    /// <summary>Whether the device was removed.</summary>
    public bool IsRemoved { get; internal set; }

    /// <summary>
    /// The driver let go of the device (unbind). Every mapping or coherent buffer it still holds is
    /// reported as a leak (DMA002), as Linux's DMA debug does at driver unbind.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The device was removed (its removal unbound it; a device plugged in later under the same id is another device).</exception>
    public void UnbindDriver()
    {
        ObjectDisposedException.ThrowIf(IsRemoved, this);
        Machine.Debug.OnUnbind(Id);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} {Name}";
}
