using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// One scatter-gather element handed to a virtqueue (a <c>struct scatterlist</c> entry): part of a
/// kernel buffer the virtqueue maps for the request and unmaps when the device returns it.
/// </summary>
/// <param name="Buffer">The buffer.</param>
/// <param name="Offset">First byte.</param>
/// <param name="Length">Bytes.</param>
public readonly record struct VirtqueueBuffer(KBuffer Buffer, int Offset, int Length);
