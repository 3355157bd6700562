namespace DmaDiscipline.Runtime.Vfio;

/// <summary>Access a VFIO DMA mapping grants the device (<c>VFIO_DMA_MAP_FLAG_READ</c> / <c>_WRITE</c>).</summary>
[Flags]
public enum VfioDmaFlags
{
    /// <summary>No access (not a valid mapping).</summary>
    None = 0,

    /// <summary>VFIO_DMA_MAP_FLAG_READ (1 &lt;&lt; 0): the device may read the memory.</summary>
    Read = 1,

    /// <summary>VFIO_DMA_MAP_FLAG_WRITE (1 &lt;&lt; 1): the device may write the memory.</summary>
    Write = 2,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
}
