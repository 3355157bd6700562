using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Samples.Drivers.Virtio;

/// <summary>
/// The driver's writes of the selected queue's three area addresses (the Low/High register pairs of
/// <c>vm_setup_vq</c>) and typed configuration reads. The address parameters are device-visible
/// sinks: only bus addresses from the DMA API (or a VFIO container's IOVAs) belong there.
/// </summary>
public static class VirtioMmioQueueRegisters
{
    /// <summary>Writes QueueDescLow/High: the bus address of the Descriptor Area.</summary>
    public static void SetQueueDesc(this VirtioMmioTransport transport, [BusAddress] ulong address) =>
        WritePair(transport, VirtioMmio.QueueDescLow, VirtioMmio.QueueDescHigh, address);

    /// <summary>Writes QueueDriverLow/High: the bus address of the Driver Area (available ring or driver event suppression).</summary>
    public static void SetQueueDriver(this VirtioMmioTransport transport, [BusAddress] ulong address) =>
        WritePair(transport, VirtioMmio.QueueDriverLow, VirtioMmio.QueueDriverHigh, address);

    /// <summary>Writes QueueDeviceLow/High: the bus address of the Device Area (used ring or device event suppression).</summary>
    public static void SetQueueDevice(this VirtioMmioTransport transport, [BusAddress] ulong address) =>
        WritePair(transport, VirtioMmio.QueueDeviceLow, VirtioMmio.QueueDeviceHigh, address);

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

    private static void WritePair(VirtioMmioTransport transport, int low, int high, ulong address)
    {
        ArgumentNullException.ThrowIfNull(transport);
        transport.Write(low, (uint)address);
        transport.Write(high, (uint)(address >> 32));
    }
}
