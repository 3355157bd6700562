namespace DmaDiscipline.Runtime;

/// <summary>The direction of a streaming DMA mapping, with the values of Linux's <c>enum dma_data_direction</c>.</summary>
public enum DmaDirection
{
    /// <summary>The device may read and write the buffer (<c>DMA_BIDIRECTIONAL</c>).</summary>
    Bidirectional = 0,

    /// <summary>The device only reads the buffer (<c>DMA_TO_DEVICE</c>).</summary>
    ToDevice = 1,

    /// <summary>The device only writes the buffer (<c>DMA_FROM_DEVICE</c>).</summary>
    FromDevice = 2,

    /// <summary>No transfer; only valid for debugging (<c>DMA_NONE</c>). Mapping with it is a programming error.</summary>
    None = 3,
}
