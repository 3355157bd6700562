namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// Descriptor flags (virtio 1.x §2.7.5 split, §2.8 packed). <see cref="Next"/>, <see cref="Write"/>
/// and <see cref="Indirect"/> mean the same in both layouts; <see cref="Avail"/> and
/// <see cref="Used"/> exist only in packed descriptors.
/// </summary>
[Flags]
public enum VirtqDescFlags : ushort
{
    /// <summary>No flag: a device-readable buffer that ends the chain.</summary>
    None = 0,

    /// <summary>VIRTQ_DESC_F_NEXT (1): the buffer continues in the next descriptor (split: the <c>next</c> field; packed: the next ring slot).</summary>
    Next = 1,

    /// <summary>VIRTQ_DESC_F_WRITE (2): the buffer is device write-only (otherwise device read-only).</summary>
    Write = 2,

    /// <summary>VIRTQ_DESC_F_INDIRECT (4): the buffer holds a table of descriptors (needs VIRTIO_F_INDIRECT_DESC).</summary>
    Indirect = 4,

    /// <summary>VIRTQ_DESC_F_AVAIL (1 &lt;&lt; 7), packed only: equals the Driver Ring Wrap Counter when the driver made the descriptor available.</summary>
    Avail = 1 << 7,

    /// <summary>VIRTQ_DESC_F_USED (1 &lt;&lt; 15), packed only: equals the Device Ring Wrap Counter when the device marked the descriptor used.</summary>
    Used = 1 << 15,
}
