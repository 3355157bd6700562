namespace DmaDiscipline.Runtime;

/// <summary>
/// DMA through a translated domain (Linux's dma-iommu): map allocates an IOVA range below the mask
/// and installs page table entries with the direction's permissions; unmap removes them and releases
/// the IOVA under the domain's strict or lazy invalidation. Sub-page offsets are preserved, so the
/// bus address of byte <c>k</c> of a page-aligned buffer ends in the same 12 bits as its physical one.
/// </summary>
internal sealed class IommuDmaOps : DmaOps
{
    private readonly PhysicalMemory _memory;
    private readonly IommuDomain _domain;

    public IommuDmaOps(PhysicalMemory memory, IommuDomain domain)
    {
        if (domain.Kind != DomainKind.Translated)
        {
            throw new ArgumentException($"{domain} is not translated.", nameof(domain));
        }

        _memory = memory;
        _domain = domain;
    }

    public override DmaPath Path => DmaPath.Iommu;

    public override DmaAddr Map(KBuffer buffer, int offset, int length, DmaDirection direction, ulong mask, int me)
    {
        ulong physical = buffer.Physical.Value + (ulong)offset;
        ulong inPage = physical & PhysicalMemory.PageMask;
        ulong pages = (inPage + (ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;
        return _domain.TryMapDmaRange(pages, mask >> PhysicalMemory.PageShift, physical >> PhysicalMemory.PageShift, PermissionFor(direction), me, out ulong iovaFrame)
            ? new DmaAddr((iovaFrame << PhysicalMemory.PageShift) | inPage)
            : DmaAddr.Error;
    }

    public override bool Unmap(DmaAddr address, int length, DmaDirection direction, int me)
    {
        return TryLocate(address.Value, length, out ulong iovaFrame, out ulong pages)
            && _domain.TryUnmapDmaRange(iovaFrame, pages, me);
    }

    // The DMA layer's live record holds this mapping with exactly this address and length, and only
    // this path made it (the path cannot change while a mapping is live): the IOVA allocation is
    // vouched for, so it is not looked up again (one striped lock and a hash lookup fewer). The
    // domain still checks under its lock that every page is present, and the allocator checks the
    // allocation once more when it takes the range back.
    public override bool UnmapRecorded(DmaAddr address, int length, DmaDirection direction, int me)
    {
        ulong iovaFrame = address.Value >> PhysicalMemory.PageShift;
        ulong pages = ((address.Value & PhysicalMemory.PageMask) + (ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;
        return _domain.TryUnmapDmaRange(iovaFrame, pages, me);
    }

    // Translation is coherent: syncs move no data, and there is no state a wrong address could
    // corrupt, so — as dma-iommu on a coherent device — they do nothing. The debug layer checks them
    // against its own record of live mappings (DMA006 for an unmapped range); a bounce path, where a
    // wrong address would copy over someone else's memory, refuses them instead.
    public override bool SyncForCpu(DmaAddr address, int length, DmaDirection direction) => true;

    public override bool SyncForDevice(DmaAddr address, int length, DmaDirection direction) => true;

    public override int MapSg(ScatterList list, DmaDirection direction, ulong mask)
    {
        // One IOVA range for the whole list (iommu_dma_map_sg): each segment gets its own pages, laid
        // out back to back, and segments that meet at a page boundary merge into one DMA segment.
        ulong totalPages = 0;
        for (int i = 0; i < list.Count; i++)
        {
            totalPages += SegmentPages(list, i);
        }

        if (!_domain.TryAllocateDmaRange(totalPages, mask >> PhysicalMemory.PageShift, out ulong baseFrame))
        {
            return 0;
        }

        IommuPermission permission = PermissionFor(direction);
        ulong frame = baseFrame;
        int mapped = 0;
        ulong runStart = 0;
        int runLength = 0;
        for (int i = 0; i < list.Count; i++)
        {
            ulong physical = list.Buffer(i).Physical.Value + (ulong)list.Offset(i);
            ulong pages = SegmentPages(list, i);
            if (!_domain.MapPages(frame, physical >> PhysicalMemory.PageShift, pages, permission))
            {
                UnmapFrames(baseFrame, frame - baseFrame);
                _domain.Iova!.FreeOwn(baseFrame, totalPages);
                return 0;
            }

            ulong address = (frame << PhysicalMemory.PageShift) | (physical & PhysicalMemory.PageMask);
            if (runLength > 0 && runStart + (ulong)runLength == address)
            {
                runLength += list.Length(i);
            }
            else
            {
                if (runLength > 0)
                {
                    list.SetDmaSegment(mapped++, runStart, runLength);
                }

                runStart = address;
                runLength = list.Length(i);
            }

            frame += pages;
        }

        list.SetDmaSegment(mapped++, runStart, runLength);
        list.IovaRange = (baseFrame, totalPages);
        return mapped;
    }

    public override bool UnmapSg(ScatterList list, DmaDirection direction)
    {
        (ulong frame, ulong pages) = list.IovaRange;
        if (pages == 0 || !_domain.Iova!.IsAllocated(frame, out ulong allocated) || allocated != IovaAllocator.RoundedSize(pages)
            || !_domain.TryUnmapDmaRange(frame, pages, Environment.CurrentManagedThreadId))
        {
            return false;
        }

        list.IovaRange = default;
        return true;
    }

    public override bool TryAllocCoherent(DeviceId device, int length, ulong mask, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoherentBuffer? buffer)
    {
        buffer = null;
        KBuffer memory;
        try
        {
            // Any physical page will do: the IOVA, not the page, has to fit the mask.
            memory = _memory.Allocate(length);
        }
        catch (InsufficientMemoryException)
        {
            return false;
        }

        DmaAddr address = Map(memory, 0, memory.Pages * PhysicalMemory.PageSize, DmaDirection.Bidirectional, mask, Environment.CurrentManagedThreadId);
        if (address == DmaAddr.Error)
        {
            _memory.Free(memory);
            return false;
        }

        buffer = new CoherentBuffer(device, memory, length, address);
        return true;
    }

    public override bool FreeCoherent(CoherentBuffer buffer)
    {
        if (!Unmap(buffer.Address, buffer.Buffer.Pages * PhysicalMemory.PageSize, DmaDirection.Bidirectional, Environment.CurrentManagedThreadId))
        {
            return false;
        }

        _memory.Free(buffer.Buffer);
        return true;
    }

    private static IommuPermission PermissionFor(DmaDirection direction) => direction switch
    {
        DmaDirection.ToDevice => IommuPermission.Read,
        DmaDirection.FromDevice => IommuPermission.Write,
        _ => IommuPermission.ReadWrite,
    };

    private static ulong SegmentPages(ScatterList list, int index)
    {
        ulong inPage = (list.Buffer(index).Physical.Value + (ulong)list.Offset(index)) & PhysicalMemory.PageMask;
        return (inPage + (ulong)list.Length(index) + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;
    }

    /// <summary>Finds the live IOVA allocation an unmap names; false if the address or size does not match one (its pages are checked by the unmap itself).</summary>
    private bool TryLocate(ulong address, int length, out ulong iovaFrame, out ulong pages)
    {
        iovaFrame = address >> PhysicalMemory.PageShift;
        pages = ((address & PhysicalMemory.PageMask) + (ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;
        return address >> IoPageTable.AddressWidth == 0
            && _domain.Iova!.IsAllocated(iovaFrame, out ulong allocated)
            && allocated == IovaAllocator.RoundedSize(pages);
    }

    private void UnmapFrames(ulong frame, ulong pages)
    {
        // Rolling back a partial scatter-gather map: nothing was visible to the device yet.
        _domain.UnmapPagesForRollback(frame, pages);
    }
}
