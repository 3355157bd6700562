namespace DmaDiscipline.Runtime.Virtio;

/// <summary>The bits of the virtio-mmio InterruptStatus register (virtio 1.x §4.2.2).</summary>
[Flags]
public enum VirtioInterrupt : uint
{
    /// <summary>No interrupt pending.</summary>
    None = 0,

    /// <summary>Used Buffer Notification (bit 0): the device used at least one buffer of some virtqueue.</summary>
    UsedBuffer = 1,

    /// <summary>Configuration Change Notification (bit 1): the configuration space changed, or the device set DEVICE_NEEDS_RESET.</summary>
    ConfigChange = 2,
}
