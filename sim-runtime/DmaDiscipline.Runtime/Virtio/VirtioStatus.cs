namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The device status field (virtio 1.x §2.1). The driver sets bits as it brings the device up; the
/// device sets <see cref="DeviceNeedsReset"/> when it hit an error it cannot recover from, and
/// refuses <see cref="FeaturesOk"/> (the bit reads back clear) when it cannot work with the
/// features the driver accepted. Writing 0 resets the device.
/// </summary>
[Flags]
public enum VirtioStatus : byte
{
    /// <summary>Reset state.</summary>
    None = 0,

    /// <summary>ACKNOWLEDGE (1): the guest OS has found the device.</summary>
    Acknowledge = 1,

    /// <summary>DRIVER (2): the guest OS knows how to drive the device.</summary>
    Driver = 2,

    /// <summary>DRIVER_OK (4): the driver is set up and ready to drive the device.</summary>
    DriverOk = 4,

    /// <summary>FEATURES_OK (8): the driver has acknowledged the features it understands; feature negotiation is complete.</summary>
    FeaturesOk = 8,

    /// <summary>DEVICE_NEEDS_RESET (64): the device experienced an error from which it cannot recover.</summary>
    DeviceNeedsReset = 64,

    /// <summary>FAILED (128): something went wrong in the guest and it gave up on the device.</summary>
    Failed = 128,
}
