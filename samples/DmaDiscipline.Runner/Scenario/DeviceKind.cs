namespace DmaDiscipline.Runner.Scenario;

/// <summary>Which virtio device a driver drives.</summary>
internal enum DeviceKind
{
    /// <summary>virtio-net in loopback.</summary>
    Net,

    /// <summary>virtio-blk with an in-memory disk.</summary>
    Blk,
}
