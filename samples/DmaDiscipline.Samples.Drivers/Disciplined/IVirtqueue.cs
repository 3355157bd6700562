using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// The virtqueue API the drivers use (<c>struct virtqueue</c> and <c>virtqueue_*</c>), the same
/// for the split and the packed layout.
/// </summary>
public interface IVirtqueue : IDisposable
{
    /// <summary>Ring size.</summary>
    int Num { get; }

    /// <summary>Free descriptors.</summary>
    int NumFree { get; }

    /// <summary>Maps and exposes a request: device-readable buffers, then device-writable ones. False when full or a mapping failed.</summary>
    bool AddSgs(ReadOnlySpan<VirtqueueBuffer> outBufs, ReadOnlySpan<VirtqueueBuffer> inBufs, object data);

    /// <summary>Exposes one buffer the caller mapped and keeps mapped; <paramref name="deviceWrites"/> for receive buffers.</summary>
    bool AddPremapped(DmaAddr addr, int length, bool deviceWrites, object data);

    /// <summary>Notifies the device unless it asked not to be; returns whether it was notified.</summary>
    bool Kick();

    /// <summary>Takes the next used buffer (unmapping what the virtqueue mapped), or null.</summary>
    object? GetBuf(out int len);

    /// <summary>Takes back a buffer the device never used (teardown after reset), or null.</summary>
    object? DetachUnusedBuf();
}
