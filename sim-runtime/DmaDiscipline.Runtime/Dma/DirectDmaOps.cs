namespace DmaDiscipline.Runtime;

/// <summary>
/// Identity DMA (Linux's dma-direct): the bus address is the physical address. A buffer the device's
/// mask cannot reach, or every buffer when the machine forces bouncing (confidential guests), goes
/// through the <see cref="Swiotlb"/> pool instead.
/// </summary>
internal sealed class DirectDmaOps : DmaOps
{
    private readonly PhysicalMemory _memory;
    private readonly Swiotlb? _swiotlb;
    private readonly bool _forceBounce;

    public DirectDmaOps(PhysicalMemory memory, Swiotlb? swiotlb, bool forceBounce)
    {
        if (forceBounce && swiotlb is null)
        {
            throw new ArgumentException("Forced bouncing needs a bounce pool.", nameof(swiotlb));
        }

        _memory = memory;
        _swiotlb = swiotlb;
        _forceBounce = forceBounce;
    }

    public override DmaPath Path => _forceBounce ? DmaPath.ForcedBounce : DmaPath.Direct;

    public override DmaAddr Map(KBuffer buffer, int offset, int length, DmaDirection direction, ulong mask, int me)
    {
        ulong physical = buffer.Physical.Value + (ulong)offset;
        if (!_forceBounce && physical + (ulong)length - 1 <= mask)
        {
            return new DmaAddr(physical);
        }

        return _swiotlb is not null && _swiotlb.TryMap(buffer, offset, length, mask, me, out ulong slot)
            ? new DmaAddr(slot)
            : DmaAddr.Error;
    }

    public override bool Unmap(DmaAddr address, int length, DmaDirection direction, int me) =>
        !IsBounced(address.Value) || _swiotlb!.TryUnmap(address.Value, length, direction, me);

    // The same as Unmap (a direct mapping has no record of its own to skip); overridden so that the
    // call is one direct, inlinable one.
    public override bool UnmapRecorded(DmaAddr address, int length, DmaDirection direction, int me) => Unmap(address, length, direction, me);

    public override bool SyncForCpu(DmaAddr address, int length, DmaDirection direction) =>
        !IsBounced(address.Value) || _swiotlb!.TrySync(address.Value, length, direction, forCpu: true);

    public override bool SyncForDevice(DmaAddr address, int length, DmaDirection direction) =>
        !IsBounced(address.Value) || _swiotlb!.TrySync(address.Value, length, direction, forCpu: false);

    public override int MapSg(ScatterList list, DmaDirection direction, ulong mask)
    {
        // dma-direct maps segment by segment and never merges.
        int me = Environment.CurrentManagedThreadId;
        for (int i = 0; i < list.Count; i++)
        {
            DmaAddr address = Map(list.Buffer(i), list.Offset(i), list.Length(i), direction, mask, me);
            if (address == DmaAddr.Error)
            {
                for (int j = 0; j < i; j++)
                {
                    Unmap(new DmaAddr(list.DmaAddressUnchecked(j)), list.Length(j), DmaDirection.None, me);
                }

                return 0;
            }

            list.SetDmaSegment(i, address.Value, list.Length(i));
        }

        return list.Count;
    }

    public override bool UnmapSg(ScatterList list, DmaDirection direction)
    {
        bool all = true;
        int me = Environment.CurrentManagedThreadId;
        for (int i = 0; i < list.MappedCount; i++)
        {
            all &= Unmap(list.DmaAddress(i), list.DmaLength(i), direction, me);
        }

        return all;
    }

    public override bool TryAllocCoherent(DeviceId device, int length, ulong mask, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoherentBuffer? buffer)
    {
        buffer = null;
        KBuffer memory;
        try
        {
            memory = _memory.Allocate(length, mask < PhysicalMemory.FourGiB ? MemoryPlacement.Below4G : MemoryPlacement.Default);
        }
        catch (InsufficientMemoryException)
        {
            return false;
        }

        if (memory.Physical.Value + (ulong)memory.Pages * PhysicalMemory.PageSize - 1 > mask)
        {
            _memory.Free(memory);
            return false;
        }

        if (_forceBounce)
        {
            // Coherent memory in a confidential guest is decrypted (shared) so the device can reach it.
            _memory.SetShared(memory.Physical.PageFrame, memory.Pages, shared: true);
        }

        buffer = new CoherentBuffer(device, memory, length, new DmaAddr(memory.Physical.Value));
        return true;
    }

    public override bool FreeCoherent(CoherentBuffer buffer)
    {
        _memory.Free(buffer.Buffer);
        return true;
    }

    private bool IsBounced(ulong address) => _swiotlb is not null && _swiotlb.Contains(address);
}
