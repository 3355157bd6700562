namespace DmaDiscipline.Runner.Scenario;

/// <summary>The three kinds of driver the matrix compares.</summary>
internal enum DriverFamily
{
    /// <summary>Writes physical addresses into descriptors and queue registers (pre-DMA-API virtio_ring).</summary>
    Legacy,

    /// <summary>Gets every bus address from the DMA API.</summary>
    Disciplined,

    /// <summary>A userspace driver that maps its own IOVAs through a VFIO-like container.</summary>
    Userspace,
}
