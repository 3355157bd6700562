namespace DmaDiscipline.Runtime;

/// <summary>The part a method plays in a DMA API, for <see cref="DmaApiRoleAttribute"/>. The values are fixed: the analyzers read them.</summary>
public enum DmaApiRole
{
    /// <summary>Creates a streaming mapping: returns the bus address (or maps its first argument, a scatter list, and returns a count, 0 = failure).</summary>
    Map = 0,

    /// <summary>Releases a streaming mapping; takes the map's address (or list), length and direction.</summary>
    Unmap = 1,

    /// <summary>Hands a streaming buffer to the CPU (<c>dma_sync_single_for_cpu</c>).</summary>
    SyncForCpu = 2,

    /// <summary>Hands a streaming buffer back to the device (<c>dma_sync_single_for_device</c>).</summary>
    SyncForDevice = 3,

    /// <summary>Returns true when a mapping failed (<c>dma_mapping_error</c>).</summary>
    MappingErrorCheck = 4,

    /// <summary>Allocates a coherent buffer (<c>dma_alloc_coherent</c>).</summary>
    CoherentAlloc = 5,

    /// <summary>Frees a coherent buffer (<c>dma_free_coherent</c>).</summary>
    CoherentFree = 6,
}
