using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Samples.Drivers.Virtio;

/// <summary>
/// The driver's half of the virtio-mmio transport (Linux's <c>virtio_mmio.c</c> and the status
/// dance of <c>virtio.c</c>): probe, reset, feature negotiation, DRIVER_OK. Queue setup is the
/// virtqueue layer's job, because that is where ring memory and its addresses live.
/// </summary>
public static class VirtioMmioDriver
{
    /// <summary>
    /// Checks the device, resets it, and negotiates: the driver accepts the offered subset of
    /// <paramref name="wanted"/>. Returns the accepted features.
    /// </summary>
    /// <exception cref="VirtioSetupException">Not a virtio-mmio v2 device of the expected type, or FEATURES_OK refused.</exception>
    public static ulong Negotiate(VirtioMmioTransport transport, VirtioDeviceType expected, ulong wanted)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return Negotiate(new Window(transport.Read, transport.Write), expected, wanted);
    }

    /// <summary>The same negotiation through a VFIO device's register region (a userspace driver's <c>pread</c>/<c>pwrite</c>).</summary>
    /// <exception cref="VirtioSetupException">Not a virtio-mmio v2 device of the expected type, or FEATURES_OK refused.</exception>
    public static ulong Negotiate(VfioDevice device, VirtioDeviceType expected, ulong wanted)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Negotiate(new Window(device.ReadRegister, device.WriteRegister), expected, wanted);
    }

    /// <summary>Tells the device the driver is ready (after the queues are set up).</summary>
    public static void DriverOk(VirtioMmioTransport transport) => AddStatus(new Window(transport.Read, transport.Write), VirtioStatus.DriverOk);

    /// <summary>Tells a VFIO device the driver is ready.</summary>
    public static void DriverOk(VfioDevice device) => AddStatus(new Window(device.ReadRegister, device.WriteRegister), VirtioStatus.DriverOk);

    /// <summary>Resets the device: it stops touching memory, and every queue is forgotten.</summary>
    public static void Reset(VirtioMmioTransport transport) => transport.Write(VirtioMmio.Status, 0);

    /// <summary>Resets a VFIO device.</summary>
    public static void Reset(VfioDevice device) => device.WriteRegister(VirtioMmio.Status, 0);

    /// <summary>Whether the device reported an unrecoverable error (DEVICE_NEEDS_RESET).</summary>
    public static bool NeedsReset(VirtioMmioTransport transport) => (Status(new Window(transport.Read, transport.Write)) & VirtioStatus.DeviceNeedsReset) != 0;

    /// <summary>Acknowledges pending interrupts (polling drivers do this instead of taking them).</summary>
    public static void AckInterrupts(VirtioMmioTransport transport)
    {
        uint pending = transport.Read(VirtioMmio.InterruptStatus);
        if (pending != 0)
        {
            transport.Write(VirtioMmio.InterruptAck, pending);
        }
    }

    private static ulong Negotiate(Window transport, VirtioDeviceType expected, ulong wanted)
    {
        if (transport.Read(VirtioMmio.MagicValue) != VirtioMmio.Magic || transport.Read(VirtioMmio.Version) != VirtioMmio.Version2)
        {
            throw new VirtioSetupException("virtio-mmio: no version 2 device at this window");
        }

        uint type = transport.Read(VirtioMmio.DeviceId);
        if (type != (uint)expected)
        {
            throw new VirtioSetupException($"virtio-mmio: device id {type}, expected {expected}");
        }

        transport.Write(VirtioMmio.Status, 0);
        AddStatus(transport, VirtioStatus.Acknowledge);
        AddStatus(transport, VirtioStatus.Driver);
        transport.Write(VirtioMmio.DeviceFeaturesSel, 0);
        ulong offered = transport.Read(VirtioMmio.DeviceFeatures);
        transport.Write(VirtioMmio.DeviceFeaturesSel, 1);
        offered |= (ulong)transport.Read(VirtioMmio.DeviceFeatures) << 32;
        if ((offered & VirtioFeatures.Version1) == 0)
        {
            Fail(transport);
            throw new VirtioSetupException("virtio-mmio: device does not offer VERSION_1");
        }

        ulong accepted = offered & wanted;
        transport.Write(VirtioMmio.DriverFeaturesSel, 0);
        transport.Write(VirtioMmio.DriverFeatures, (uint)accepted);
        transport.Write(VirtioMmio.DriverFeaturesSel, 1);
        transport.Write(VirtioMmio.DriverFeatures, (uint)(accepted >> 32));
        AddStatus(transport, VirtioStatus.FeaturesOk);
        if ((Status(transport) & VirtioStatus.FeaturesOk) == 0)
        {
            Fail(transport);
            throw new VirtioSetupException($"virtio: device refused features {VirtioFeatures.Describe(accepted)}");
        }

        return accepted;
    }

    private static VirtioStatus Status(Window transport) => (VirtioStatus)transport.Read(VirtioMmio.Status);

    private static void AddStatus(Window transport, VirtioStatus bit) =>
        transport.Write(VirtioMmio.Status, (uint)(Status(transport) | bit));

    private static void Fail(Window transport) => AddStatus(transport, VirtioStatus.Failed);

    /// <summary>Register access of either kind of handle: the kernel's transport or a VFIO device region.</summary>
    private readonly record struct Window(Func<int, uint> Read, Action<int, uint> Write);
}
