namespace DmaDiscipline.Runtime;

/// <summary>
/// How one device's DMA API calls are carried out (Linux's <c>struct dma_map_ops</c>): the platform
/// picks <see cref="DirectDmaOps"/> (identity, with bounce buffers when needed) or
/// <see cref="IommuDmaOps"/> (translated domain) per device. Drivers never see which.
/// A method returning false refused a call that would have corrupted the layer's state
/// (an unknown address, a mismatched size); nothing was changed.
/// </summary>
internal abstract class DmaOps
{
    public abstract DmaPath Path { get; }

    // The streaming calls take the caller's managed thread id (read once per DMA API call: a
    // thread-local read costs a call into the runtime here, and the layers below need it for their
    // biased locks and owned counters).
    public abstract DmaAddr Map(KBuffer buffer, int offset, int length, DmaDirection direction, ulong mask, int me);

    public abstract bool Unmap(DmaAddr address, int length, DmaDirection direction, int me);

    /// <summary>
    /// Unmaps a streaming mapping the DMA layer's own live record holds with exactly this address and
    /// length (made by this path): a path may skip its own lookup of the mapping.
    /// </summary>
    public virtual bool UnmapRecorded(DmaAddr address, int length, DmaDirection direction, int me) => Unmap(address, length, direction, me);

    public abstract bool SyncForCpu(DmaAddr address, int length, DmaDirection direction);

    public abstract bool SyncForDevice(DmaAddr address, int length, DmaDirection direction);

    /// <summary>Maps every segment; returns the number of DMA segments, 0 on failure (nothing stays mapped).</summary>
    public abstract int MapSg(ScatterList list, DmaDirection direction, ulong mask);

    public abstract bool UnmapSg(ScatterList list, DmaDirection direction);

    public abstract bool TryAllocCoherent(DeviceId device, int length, ulong mask, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoherentBuffer? buffer);

    public abstract bool FreeCoherent(CoherentBuffer buffer);
}
