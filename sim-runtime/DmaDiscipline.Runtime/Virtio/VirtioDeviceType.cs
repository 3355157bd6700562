namespace DmaDiscipline.Runtime.Virtio;

/// <summary>Virtio device ids (virtio 1.x §5, the value of the transport's DeviceID register).</summary>
public enum VirtioDeviceType : uint
{
    /// <summary>Reserved: no device (an empty virtio-mmio slot reads DeviceID 0).</summary>
    Invalid = 0,

    /// <summary>Network card.</summary>
    Net = 1,

    /// <summary>Block device.</summary>
    Block = 2,
}
