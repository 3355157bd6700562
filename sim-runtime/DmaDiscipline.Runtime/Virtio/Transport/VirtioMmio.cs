namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The virtio-mmio register layout, version 2 (virtio 1.x §4.2.2, "MMIO Device Register Layout").
/// The simulator implements version 2 — the "modern" layout with 64-bit feature words and separate
/// 64-bit descriptor/driver/device area addresses per queue — and not the legacy version 1 layout
/// (guest page size, QueuePFN). All registers are 32 bits wide and little-endian; offsets are bytes
/// from the base of the register window. Constant names follow the spec's register names.
/// </summary>
public static class VirtioMmio
{
    /// <summary>"virt" as a little-endian 32-bit value: what MagicValue reads.</summary>
    public const uint Magic = 0x74726976;

    /// <summary>The device version this transport implements (2: virtio 1.x, non-legacy).</summary>
    public const uint Version2 = 2;

    /// <summary>The vendor id the simulator reports ("DMAD" little-endian).</summary>
    public const uint SimulatorVendorId = 0x44414D44;

    /// <summary>Size of the register window up to the configuration space.</summary>
    public const int ConfigOffset = 0x100;

    /// <summary>0x000 R: MagicValue, 0x74726976 ("virt").</summary>
    public const int MagicValue = 0x000;

    /// <summary>0x004 R: Version, 2 for this layout.</summary>
    public const int Version = 0x004;

    /// <summary>0x008 R: DeviceID (<see cref="VirtioDeviceType"/>).</summary>
    public const int DeviceId = 0x008;

    /// <summary>0x00c R: VendorID.</summary>
    public const int VendorId = 0x00c;

    /// <summary>0x010 R: DeviceFeatures, the 32-bit word of the device's features selected by <see cref="DeviceFeaturesSel"/>.</summary>
    public const int DeviceFeatures = 0x010;

    /// <summary>0x014 W: DeviceFeaturesSel, 0 for bits 0–31, 1 for bits 32–63.</summary>
    public const int DeviceFeaturesSel = 0x014;

    /// <summary>0x020 W: DriverFeatures, the 32-bit word of accepted features selected by <see cref="DriverFeaturesSel"/>.</summary>
    public const int DriverFeatures = 0x020;

    /// <summary>0x024 W: DriverFeaturesSel.</summary>
    public const int DriverFeaturesSel = 0x024;

    /// <summary>0x030 W: QueueSel, the queue the Queue* registers below refer to.</summary>
    public const int QueueSel = 0x030;

    /// <summary>0x034 R: QueueNumMax, the largest queue size the device supports (0: the queue does not exist).</summary>
    public const int QueueNumMax = 0x034;

    /// <summary>0x038 W: QueueNum, the queue size the driver chose.</summary>
    public const int QueueNum = 0x038;

    /// <summary>0x044 RW: QueueReady. Writing 1 starts the queue with the size and addresses set; reads back whether it runs.</summary>
    public const int QueueReady = 0x044;

    /// <summary>0x050 W: QueueNotify, the index of the queue with new buffers (the available buffer notification).</summary>
    public const int QueueNotify = 0x050;

    /// <summary>0x060 R: InterruptStatus (<see cref="VirtioInterrupt"/>).</summary>
    public const int InterruptStatus = 0x060;

    /// <summary>0x064 W: InterruptACK, clears the InterruptStatus bits written.</summary>
    public const int InterruptAck = 0x064;

    /// <summary>0x070 RW: Status (<see cref="VirtioStatus"/>); writing 0 resets the device.</summary>
    public const int Status = 0x070;

    /// <summary>0x080 W: QueueDescLow, low 32 bits of the Descriptor Area's bus address.</summary>
    public const int QueueDescLow = 0x080;

    /// <summary>0x084 W: QueueDescHigh.</summary>
    public const int QueueDescHigh = 0x084;

    /// <summary>0x090 W: QueueDriverLow, low 32 bits of the Driver Area's bus address (split: available ring; packed: driver event suppression).</summary>
    public const int QueueDriverLow = 0x090;

    /// <summary>0x094 W: QueueDriverHigh.</summary>
    public const int QueueDriverHigh = 0x094;

    /// <summary>0x0a0 W: QueueDeviceLow, low 32 bits of the Device Area's bus address (split: used ring; packed: device event suppression).</summary>
    public const int QueueDeviceLow = 0x0a0;

    /// <summary>0x0a4 W: QueueDeviceHigh.</summary>
    public const int QueueDeviceHigh = 0x0a4;

    /// <summary>0x0fc R: ConfigGeneration, changes whenever the configuration space changes.</summary>
    public const int ConfigGeneration = 0x0fc;
}
