using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>A fragment of a <see cref="PagePool"/> chunk: where its bytes are and the bus address it stays mapped at.</summary>
/// <param name="Page">The chunk the fragment lives in.</param>
/// <param name="Offset">The fragment's first byte in the chunk.</param>
/// <param name="Dma">Where the device reaches the fragment, for as long as the pool lives.</param>
/// <param name="Index">Position in the pool.</param>
public sealed record PagePoolBuffer(KBuffer Page, int Offset, DmaAddr Dma, int Index)
{
    /// <summary>The fragment's bytes (take them only while the CPU owns the fragment).</summary>
    public Span<byte> Span => Page.Span.Slice(Offset);
}
