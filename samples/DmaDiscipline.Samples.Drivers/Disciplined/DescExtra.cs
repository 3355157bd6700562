using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// The driver's private shadow of one descriptor (<c>struct vring_desc_extra</c>): what it must
/// give back to the DMA API when the device returns the buffer. The device never sees this.
/// </summary>
internal struct DescExtra
{
    /// <summary>The bus address the DMA API returned.</summary>
    public DmaAddr Addr;

    /// <summary>Mapped length.</summary>
    public int Len;

    /// <summary>Mapping direction.</summary>
    public DmaDirection Direction;

    /// <summary>True when the virtqueue made the mapping and must unmap it; false for premapped buffers.</summary>
    public bool Unmap;

    /// <summary>Descriptor flags as written (the device may scribble on the ring; the driver trusts its own copy).</summary>
    public VirtqDescFlags Flags;

    /// <summary>Next descriptor of the chain (or of the free list).</summary>
    public ushort Next;
}
