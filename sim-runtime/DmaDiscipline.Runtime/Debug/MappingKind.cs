namespace DmaDiscipline.Runtime;

/// <summary>How a tracked DMA mapping was made.</summary>
public enum MappingKind
{
    /// <summary><see cref="DmaApi.MapSingle"/>.</summary>
    Single = 0,

    /// <summary>One DMA segment of <see cref="DmaApi.MapSg"/>.</summary>
    ScatterGather = 1,

    /// <summary><see cref="DmaApi.AllocCoherent"/>.</summary>
    Coherent = 2,

    /// <summary>A userspace driver's own mapping in its VFIO container (<see cref="Vfio.VfioContainer.MapDma"/>).</summary>
    Vfio = 3,
}
