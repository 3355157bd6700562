namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>
/// Strict and lazy IOTLB invalidation. Lazy mode trades invalidations for a window in which a cached
/// translation still lets the device reach a page the driver has unmapped; strict mode has no window.
/// </summary>
public sealed class InvalidationTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void StrictInvalidation_DeviceCannotReachThePage_OnceUnmapReturns()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 16)); // warms the IOTLB

        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        Assert.Null(nic.DeviceRead(address, 16));
        Assert.False(nic.Bus.TryWrite(address, new byte[] { 0xBA, 0xD0 }));
        Assert.Equal(Machines.Pattern(Page, 1), buffer.Span.ToArray());
        Assert.All(machine.Faults.Records, f => Assert.Equal(FaultReason.NotPresent, f.Reason));
        Assert.Equal(2, machine.Faults.Count);
    }

    [Fact]
    public void LazyInvalidation_StaleIoTlbEntryStillReachesUnmappedPage_UntilFlush()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 16)); // warms the IOTLB

        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        // The window: the page table no longer maps the page, but the cached entry still does.
        Assert.False(nic.Domain!.IsMapped(address.Value));
        Assert.Equal(Machines.Pattern(Page, 1)[..16], nic.DeviceRead(address, 16));
        Assert.True(nic.Bus.TryWrite(address, new byte[] { 0xBA, 0xD0 }));
        Assert.Equal(new byte[] { 0xBA, 0xD0 }, buffer.Span[..2].ToArray()); // the CPU's buffer changed after unmap
        Assert.Equal(0, machine.Faults.Count);

        nic.Domain.Flush();

        Assert.Null(nic.DeviceRead(address, 16));
        Assert.False(nic.Bus.TryWrite(address, new byte[] { 0x11 }));
        Assert.Equal(0xBA, buffer.Span[0]);
        Assert.Equal(2, machine.Faults.Count);
    }

    [Fact]
    public void LazyInvalidation_WithoutACachedTranslation_TheUnmappedPageFaultsAtOnce()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);

        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        Assert.Null(nic.DeviceRead(address, 16));
        Assert.Equal(FaultReason.NotPresent, Assert.Single(machine.Faults.Records).Reason);
    }

    [Fact]
    public void LazyInvalidation_FlushesTheQueue_WhenTheBatchIsFull()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy, flushBatch: 4);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        IommuDomain domain = nic.Domain!;

        for (int i = 1; i <= 4; i++)
        {
            DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
            nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
            Assert.Equal(i, domain.PendingFlushes);
        }

        Assert.Equal(0, domain.Flushes);
        DmaAddr fifth = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(fifth, Page, DmaDirection.ToDevice);

        Assert.Equal(1, domain.Flushes);
        Assert.Equal(1, domain.PendingFlushes);
        Assert.Equal(1, domain.IoTlb!.GlobalInvalidations);
        Assert.Equal(0, domain.IoTlb.PageInvalidations);
    }

    [Fact]
    public void LazyInvalidation_AFlushOfAnotherThreadsQueue_FreesThisQueuesOlderRanges_WithoutAFlushOfItsOwn()
    {
        // Two queues on two threads, each with its own flush queue (Linux's per-CPU iova_fq): the
        // second's flush invalidated the first's older ranges too, so the first, when full, frees
        // those instead of flushing again.
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy, flushBatch: 4);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        IommuDomain domain = nic.Domain!;
        var older = new List<DmaAddr>();
        for (int i = 0; i < 3; i++)
        {
            DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
            nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
            older.Add(address);
        }

        OnThreadWithAnotherFlushQueue(() =>
        {
            for (int i = 0; i < 5; i++) // the fifth finds its queue full: a flush
            {
                DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
                nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
            }
        });
        Assert.Equal(1, domain.Flushes);
        Assert.Equal(3 + 1, domain.PendingFlushes); // the older ranges stay queued until this queue needs room

        for (int i = 0; i < 2; i++) // the second finds this queue full: it frees the three older ranges
        {
            DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
            nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
        }

        Assert.Equal(1, domain.Flushes);
        Assert.Equal(2 + 1, domain.PendingFlushes);
        Assert.All(older, address => Assert.False(domain.IsPendingFlush(address.Value >> PhysicalMemory.PageShift)));
        Assert.All(older, address => Assert.Null(nic.DeviceRead(address, 16)));
    }

    [Fact]
    public void LazyInvalidation_ARangeQueuedAfterAFlushBegan_WaitsForTheNextFlush()
    {
        // One thread: its own flush frees only what was queued before it, never what came after.
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy, flushBatch: 2);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        IommuDomain domain = nic.Domain!;

        for (int i = 1; i <= 5; i++)
        {
            DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
            nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
            Assert.True(domain.IsPendingFlush(address.Value >> PhysicalMemory.PageShift));
        }

        Assert.Equal(2, domain.Flushes); // at the third and the fifth unmap, as a full queue always did
        Assert.Equal(1, domain.PendingFlushes);
    }

    [Fact]
    public void LazyInvalidation_DoesNotReuseAnIova_WhileItsFlushIsPending()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer first = machine.Buffer(new byte[Page]);
        KBuffer second = machine.Buffer(new byte[Page]);
        DmaAddr old = nic.MapChecked(first, 0, Page, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(old, Page, DmaDirection.ToDevice);

        DmaAddr next = nic.MapChecked(second, 0, Page, DmaDirection.ToDevice);
        Assert.NotEqual(old, next);

        Assert.True(nic.Domain!.IsPendingFlush(old.Value >> PhysicalMemory.PageShift));

        nic.Domain.Flush();

        Assert.False(nic.Domain.IsPendingFlush(old.Value >> PhysicalMemory.PageShift));
        Assert.Equal(old, nic.MapChecked(first, 0, Page, DmaDirection.ToDevice)); // recycled once flushed
    }

    [Fact]
    public void StrictInvalidation_ReusesTheIovaAtOnce_AndInvalidatesEachPage()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[3 * Page]);
        DmaAddr old = nic.MapChecked(buffer, 0, 3 * Page, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(old, 3 * Page, DmaDirection.ToDevice);

        Assert.Equal(old, nic.MapChecked(buffer, 0, 3 * Page, DmaDirection.ToDevice));
        Assert.Equal(3, nic.Domain!.IoTlb!.PageInvalidations);
        Assert.Equal(0, nic.Domain.PendingFlushes);
    }

    [Fact]
    public void Flush_OfAStrictDomain_IsANoOp()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);

        nic.Domain!.Flush();

        Assert.Equal(0, nic.Domain.Flushes);
        Assert.Equal(0, nic.Domain.IoTlb!.GlobalInvalidations);
    }

    [Fact]
    public void ExplicitUnmap_IsSynchronous_EvenInALazyDomain()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer page = machine.Buffer(new byte[Page]);
        domain.Map(0x10000, page.PhysicalAddress, Page, IommuPermission.Read);
        Assert.True(domain.TryTranslate(0x10000, DmaAccess.Read, out _, out _));

        domain.Unmap(0x10000, Page);

        Assert.False(domain.TryTranslate(0x10000, DmaAccess.Read, out _, out FaultReason reason));
        Assert.Equal(FaultReason.NotPresent, reason);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread whose flush queue is not the calling thread's
    /// (queues are chosen by thread ticket modulo 16: a thread whose ticket collides does nothing, and
    /// another is started).
    /// </summary>
    private static void OnThreadWithAnotherFlushQueue(Action work)
    {
        int mine = ThreadTicket.Of(Environment.CurrentManagedThreadId) & 15;
        for (bool done = false; !done;)
        {
            var thread = new Thread(() =>
            {
                if ((ThreadTicket.Of(Environment.CurrentManagedThreadId) & 15) != mine)
                {
                    work();
                    done = true;
                }
            });
            thread.Start();
            thread.Join();
        }
    }
}
