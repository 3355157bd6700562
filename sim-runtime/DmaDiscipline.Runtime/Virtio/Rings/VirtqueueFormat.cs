namespace DmaDiscipline.Runtime.Virtio;

/// <summary>The virtqueue layout in use, fixed by whether VIRTIO_F_RING_PACKED was negotiated.</summary>
public enum VirtqueueFormat
{
    /// <summary>Split: Descriptor Table, available ring, used ring (virtio 1.x §2.7).</summary>
    Split = 0,

    /// <summary>Packed: one Descriptor Ring plus two event suppression structures (virtio 1.x §2.8).</summary>
    Packed = 1,
}
