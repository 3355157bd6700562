using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Samples.Drivers.Virtio;

/// <summary>
/// Queue area writes through a VFIO device region (the userspace driver's <c>vm_setup_vq</c>; the
/// kernel drivers use <see cref="VirtioMmioTransport.SetQueueDesc"/> and its siblings) and typed
/// configuration reads. The address parameters are device-visible sinks: only IOVAs the userspace
/// driver mapped through its container belong there.
/// </summary>
public static class VirtioMmioQueueRegisters
{
    /// <summary>Writes QueueDescLow/High through a VFIO device region: an IOVA the userspace driver mapped.</summary>
    public static void SetQueueDesc(this VfioDevice device, [BusAddress] ulong iova) =>
        WritePair(device, VirtioMmio.QueueDescLow, VirtioMmio.QueueDescHigh, iova);

    /// <summary>Writes QueueDriverLow/High through a VFIO device region.</summary>
    public static void SetQueueDriver(this VfioDevice device, [BusAddress] ulong iova) =>
        WritePair(device, VirtioMmio.QueueDriverLow, VirtioMmio.QueueDriverHigh, iova);

    /// <summary>Writes QueueDeviceLow/High through a VFIO device region.</summary>
    public static void SetQueueDevice(this VfioDevice device, [BusAddress] ulong iova) =>
        WritePair(device, VirtioMmio.QueueDeviceLow, VirtioMmio.QueueDeviceHigh, iova);

    /// <summary>Reads a little-endian 64-bit configuration field (for example virtio-blk's capacity).</summary>
    public static ulong ReadConfig64(this VirtioMmioTransport transport, int offset)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Span<byte> bytes = stackalloc byte[8];
        transport.ReadConfig(offset, bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    private static void WritePair(VfioDevice device, int low, int high, ulong address)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.WriteRegister(low, (uint)address);
        device.WriteRegister(high, (uint)(address >> 32));
    }
}
