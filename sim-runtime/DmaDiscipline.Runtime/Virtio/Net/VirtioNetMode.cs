namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>Where a simulated virtio-net device's traffic goes and comes from.</summary>
public enum VirtioNetMode
{
    /// <summary>Every transmitted frame comes back on the receive queue, unchanged.</summary>
    Loopback = 0,

    /// <summary>Transmitted frames are consumed; the receive queue is filled with generated frames (receive throughput).</summary>
    Generator = 1,
}
