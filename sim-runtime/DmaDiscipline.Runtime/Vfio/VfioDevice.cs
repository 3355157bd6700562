using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runtime.Vfio;

/// <summary>
/// A device handed to a userspace driver (the VFIO device file descriptor): its register region and
/// its interrupt, nothing else. The device's DMA goes through its container's domain, where only the
/// driver's own <see cref="VfioContainer.MapDma"/> mappings exist. A virtio device reaches that domain
/// only if the driver negotiates VIRTIO_F_ACCESS_PLATFORM; without it the device would treat the
/// driver's IOVAs as physical addresses.
/// </summary>
public sealed class VfioDevice
{
    internal VfioDevice(VfioContainer container, VirtioMmioTransport transport, IommuDomain? previousDomain)
    {
        Container = container;
        Transport = transport;
        PreviousDomain = previousDomain;
    }

    /// <summary>Raised when the device signals an interrupt (the eventfd a driver registers with <c>VFIO_DEVICE_SET_IRQS</c>).</summary>
    public event Action<VirtioInterrupt>? Interrupt
    {
        add => Transport.Interrupt += value;
        remove => Transport.Interrupt -= value;
    }

    /// <summary>The container the device belongs to.</summary>
    public VfioContainer Container { get; }

    /// <summary>The platform device.</summary>
    public Device Device => Transport.Device;

    /// <summary>Size of the register region (BAR 0): the virtio-mmio registers and the configuration space.</summary>
    public int RegionSize => VirtioMmio.ConfigOffset + Transport.Model.ConfigSize;

    internal VirtioMmioTransport Transport { get; }

    internal IommuDomain? PreviousDomain { get; }

    /// <summary>Reads a 32-bit register of region 0 (<c>pread</c> on the device fd).</summary>
    /// <exception cref="ObjectDisposedException">The container was closed.</exception>
    public uint ReadRegister(int offset)
    {
        Container.ThrowIfDisposed();
        return Transport.Read(offset);
    }

    /// <summary>Writes a 32-bit register of region 0 (<c>pwrite</c> on the device fd).</summary>
    /// <exception cref="ObjectDisposedException">The container was closed.</exception>
    public void WriteRegister(int offset, uint value)
    {
        Container.ThrowIfDisposed();
        Transport.Write(offset, value);
    }

    /// <summary>Reads configuration space bytes.</summary>
    /// <exception cref="ObjectDisposedException">The container was closed.</exception>
    public void ReadConfig(int offset, Span<byte> destination)
    {
        Container.ThrowIfDisposed();
        Transport.ReadConfig(offset, destination);
    }

    /// <inheritdoc />
    public override string ToString() => $"vfio {Transport}";
}
