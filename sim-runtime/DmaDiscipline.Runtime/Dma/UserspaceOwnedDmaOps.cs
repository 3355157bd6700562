namespace DmaDiscipline.Runtime;

/// <summary>
/// The kernel DMA path of a device a userspace driver owns (<see cref="Vfio.VfioContainer.AddDevice"/>):
/// it maps nothing, as Linux refuses the DMA API of a device whose DMA a user domain owns
/// (<c>iommu_device_use_default_domain</c> fails). A mapping made on the old path would give the
/// kernel driver IOVAs that the device, attached to the container's domain, resolves to the
/// userspace driver's pages. <see cref="DmaApi"/> turns every refusal into an
/// <see cref="InvalidOperationException"/>; the path reported stays the one the device returns to.
/// </summary>
internal sealed class UserspaceOwnedDmaOps(DmaPath path) : DmaOps
{
    public override DmaPath Path { get; } = path;

    public override DmaAddr Map(KBuffer buffer, int offset, int length, DmaDirection direction, ulong mask, int me) => DmaAddr.Error;

    public override bool Unmap(DmaAddr address, int length, DmaDirection direction, int me) => false;

    public override bool SyncForCpu(DmaAddr address, int length, DmaDirection direction) => false;

    public override bool SyncForDevice(DmaAddr address, int length, DmaDirection direction) => false;

    public override int MapSg(ScatterList list, DmaDirection direction, ulong mask) => 0;

    public override bool UnmapSg(ScatterList list, DmaDirection direction) => false;

    public override bool TryAllocCoherent(DeviceId device, int length, ulong mask, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoherentBuffer? buffer)
    {
        buffer = null;
        return false;
    }

    public override bool FreeCoherent(CoherentBuffer buffer) => false;
}
