using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>A buffer of a <see cref="PagePool"/>: its page and the bus address it stays mapped at.</summary>
/// <param name="Page">The memory.</param>
/// <param name="Dma">Where the device reaches it, for as long as the pool lives.</param>
/// <param name="Index">Position in the pool.</param>
public sealed record PagePoolBuffer(KBuffer Page, DmaAddr Dma, int Index);
