namespace DmaDiscipline.Runtime.Virtio;

/// <summary>The outcome of <see cref="DeviceVirtqueue.TryPop"/>.</summary>
public enum VirtqPopResult
{
    /// <summary>No buffer is available.</summary>
    Empty = 0,

    /// <summary>A well-formed chain was read into the <see cref="VirtqChain"/>.</summary>
    Chain = 1,

    /// <summary>The ring is malformed: the error is recorded, the device needs reset, the queue stopped.</summary>
    Broken = 2,
}
