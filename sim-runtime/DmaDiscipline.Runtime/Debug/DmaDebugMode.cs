namespace DmaDiscipline.Runtime;

/// <summary>What the DMA debug layer does with a violation (Linux's <c>CONFIG_DMA_API_DEBUG</c>, plus a mode for tests).</summary>
public enum DmaDebugMode
{
    /// <summary>No tracking, no checks: the fast configuration, as in a production kernel.</summary>
    Off = 0,

    /// <summary>Record violations and go on; <see cref="DmaDebug.Report"/> prints them at the end of a run.</summary>
    Collect = 1,

    /// <summary>Throw <see cref="DmaDebugException"/> at the first violation (for tests).</summary>
    Throw = 2,
}
