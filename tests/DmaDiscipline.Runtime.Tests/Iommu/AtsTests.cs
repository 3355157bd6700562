namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>
/// PCIe ATS: a device that caches its domain's translations in its own address translation cache.
/// The cache speeds up repeated accesses and must never outlive what the IOMMU would allow: every
/// IOTLB invalidation reaches it as a Device-TLB invalidation, so strict mode stays strict, lazy mode
/// has the same window as its IOTLB, and a change of domain empties it.
/// </summary>
public sealed class AtsTests
{
    private const int Page = PhysicalMemory.PageSize;

    private static readonly DeviceOptions AtsNic = new() { Name = "ats-nic", Ats = true, AtcEntries = 8 };

    [Fact]
    public void RepeatedAccesses_HitTheDevicesCache_AndLeaveTheIoTlbAlone()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        DmaAddr address = nic.MapChecked(machine.Buffer(Machines.Pattern(Page, 1)), 0, Page, DmaDirection.Bidirectional);

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(Machines.Pattern(Page, 1)[..16], nic.DeviceRead(address, 16));
        }

        IoTlb atc = Assert.IsType<IoTlb>(nic.Bus.DeviceTlb);
        Assert.Equal(8, atc.Size);
        Assert.Equal((1, 4), (atc.Misses, atc.Hits));
        Assert.Equal(1, nic.Domain!.IoTlb!.Misses + nic.Domain.IoTlb.Hits); // only the cache miss asked the IOMMU
    }

    [Fact]
    public void WithoutAts_TheDeviceHasNoCache()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Null(nic.Bus.DeviceTlb);
    }

    [Fact]
    public void StrictUnmap_InvalidatesTheDevicesCache_BeforeItReturns()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 16)); // now cached by the device

        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        Assert.Null(nic.DeviceRead(address, 16));
        Assert.False(nic.Bus.TryWrite(address, new byte[] { 0xBA, 0xD0 }));
        Assert.Equal(Machines.Pattern(Page, 1), buffer.Span.ToArray());
        Assert.Equal(1, nic.Bus.DeviceTlb!.PageInvalidations);
        Assert.All(machine.Faults.Records, f => Assert.Equal(FaultReason.NotPresent, f.Reason));
    }

    [Fact]
    public void StrictUnmap_FromAnotherThread_DropsThePageFromTheCachesOfEveryThreadThatTranslatedIt()
    {
        // Two queue threads translate the page (each fills the IOTLB's and the device's cache of its
        // own), a third unmaps it: neither can reach the page afterwards, from its cache or otherwise.
        Machine machine = Machines.With(invalidation: InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        using var cached = new Barrier(3);
        using var unmapped = new Barrier(3);
        var before = new bool[2];
        var after = new bool[2];
        var written = new bool[2];
        Thread[] queues = Enumerable.Range(0, 2).Select(q => new Thread(() =>
        {
            before[q] = nic.DeviceRead(address, 16) is not null;
            cached.SignalAndWait();
            unmapped.SignalAndWait();
            after[q] = nic.DeviceRead(address, 16) is not null;
            written[q] = nic.Bus.TryWrite(address, new byte[] { 0xBA, 0xD0 });
        })).ToArray();
        foreach (Thread queue in queues)
        {
            queue.Start();
        }

        cached.SignalAndWait();
        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);
        unmapped.SignalAndWait();
        foreach (Thread queue in queues)
        {
            queue.Join();
        }

        Assert.Equal([true, true], before);
        Assert.Equal([false, false], after);
        Assert.Equal([false, false], written);
        Assert.Equal(Machines.Pattern(Page, 1), buffer.Span.ToArray());
        Assert.Equal(1, nic.Bus.DeviceTlb!.PageInvalidations);
    }

    [Fact]
    public void LazyUnmap_LeavesTheSameWindowInTheDevicesCache_UntilTheFlush()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy);
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 16));

        nic.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        Assert.True(nic.Bus.TryWrite(address, new byte[] { 0xBA }));
        Assert.Equal(0xBA, buffer.Span[0]); // the lazy window, through the device's own cache

        nic.Domain!.Flush();

        Assert.False(nic.Bus.TryWrite(address, new byte[] { 0x11 }));
        Assert.Equal(0xBA, buffer.Span[0]);
        Assert.Equal(1, nic.Bus.DeviceTlb!.GlobalInvalidations);
    }

    [Fact]
    public void ACachedReadOnlyTranslation_DoesNotLetTheDeviceWrite()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        Assert.NotNull(nic.DeviceRead(address, 16));

        Assert.False(nic.Bus.TryWrite(address, new byte[] { 0xBA }));

        Assert.Equal(Machines.Pattern(Page, 1), buffer.Span.ToArray());
        Assert.Equal(FaultReason.Permission, Assert.Single(machine.Faults.Records).Reason);
    }

    [Fact]
    public void MovingTheDeviceToAnotherDomain_EmptiesItsCache()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 16));
        IommuDomain empty = machine.Iommu!.CreateDomain(DomainKind.Translated);

        machine.Iommu.Attach(Machines.Nic, empty);

        Assert.Null(nic.DeviceRead(address, 16)); // the new domain maps nothing; the old translation is gone
        Assert.Equal(FaultReason.NotPresent, Assert.Single(machine.Faults.Records).Reason);
        Assert.Equal(1, nic.Bus.DeviceTlb!.GlobalInvalidations);
    }

    [Fact]
    public void AnAccessAcrossTwoPages_IsCachedPageByPage()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        DmaAddr address = nic.MapChecked(machine.Buffer(Machines.Pattern(2 * Page, 3)), 0, 2 * Page, DmaDirection.Bidirectional);
        var crossing = new DmaAddr(address.Value + Page - 8);

        Assert.Equal(Machines.Pattern(2 * Page, 3)[(Page - 8)..(Page + 8)], nic.DeviceRead(crossing, 16));
        Assert.Equal(Machines.Pattern(2 * Page, 3)[(Page - 8)..(Page + 8)], nic.DeviceRead(crossing, 16));

        Assert.Equal((2, 2), (nic.Bus.DeviceTlb!.Misses, nic.Bus.DeviceTlb.Hits));
    }

    [Fact]
    public void ATranslationThatFaultsAfterTheIommu_IsNeverCached()
    {
        // An explicit mapping of a frame past the end of memory: the IOMMU translates it, the access
        // then faults; the device must not keep the translation and skip the check next time.
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        nic.Domain!.Map(0x10_0000, new PhysAddr(machine.Memory.Size), Page, IommuPermission.ReadWrite);

        Assert.Null(nic.DeviceRead(new DmaAddr(0x10_0000), 8));
        Assert.Null(nic.DeviceRead(new DmaAddr(0x10_0000), 8));

        Assert.Equal(0, nic.Bus.DeviceTlb!.Hits);
        Assert.Equal(2, machine.Faults.Records.Count(f => f.Reason == FaultReason.OutOfRange));
    }

    [Fact]
    public void ARemovedDevicesCache_NoLongerReceivesInvalidations()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        Device peer = machine.AddDevice(new DeviceId(0, 3, 1), AtsNic with { GroupWith = Machines.Nic });
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = peer.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
        Assert.NotNull(nic.DeviceRead(address, 8)); // both caches now belong to the shared domain
        Assert.NotNull(peer.DeviceRead(address, 8));

        machine.RemoveDevice(nic);
        peer.Dma.UnmapSingle(address, Page, DmaDirection.Bidirectional);

        Assert.Equal(1, peer.Bus.DeviceTlb!.PageInvalidations);
        Assert.Equal(0, nic.Bus.DeviceTlb!.PageInvalidations);
    }

    [Fact]
    public void InAnIdentityDomain_NothingIsCached()
    {
        Machine machine = Machines.With(DomainKind.Identity);
        Device nic = machine.AddDevice(Machines.Nic, AtsNic);
        DmaAddr address = nic.MapChecked(machine.Buffer(Machines.Pattern(Page, 1)), 0, Page, DmaDirection.Bidirectional);

        Assert.Equal(Machines.Pattern(Page, 1)[..16], nic.DeviceRead(address, 16));

        Assert.Equal(0, nic.Bus.DeviceTlb!.Hits + nic.Bus.DeviceTlb.Misses);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1 << 17)]
    public void ACacheSizeThatIsNotAPowerOfTwo_IsRefusedWithAClearError(int entries)
    {
        Machine machine = Machines.With();

        var error = Assert.Throws<ArgumentException>(() => machine.AddDevice(Machines.Nic, AtsNic with { AtcEntries = entries }));

        Assert.Contains("AtcEntries", error.Message, StringComparison.Ordinal);
    }
}
