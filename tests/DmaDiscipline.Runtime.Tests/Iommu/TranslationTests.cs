namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>What each domain kind does with a device's bus address, and the IOTLB in front of the page table.</summary>
public sealed class TranslationTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void TranslatedDomain_HandsOutAnIova_NotThePhysicalAddress_KeepingThePageOffset()
    {
        Machine machine = Machines.With(DomainKind.Translated);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(2 * Page, 3));

        DmaAddr address = nic.MapChecked(buffer, 100, 50, DmaDirection.ToDevice);

        Assert.Equal(DmaPath.Iommu, nic.Dma.Path);
        Assert.NotEqual(buffer.PhysicalAddress.Value + 100, address.Value);
        Assert.Equal(100UL, address.Value & PhysicalMemory.PageMask);
        Assert.Equal(Machines.Pattern(2 * Page, 3)[100..150], nic.DeviceRead(address, 50));
    }

    [Fact]
    public void IdentityDomain_PassesTheBusAddressThroughAsPhysical()
    {
        Machine machine = Machines.With(DomainKind.Identity);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 3));

        DmaAddr address = nic.MapChecked(buffer, 10, 20, DmaDirection.ToDevice);

        Assert.Equal(DomainKind.Identity, nic.Domain!.Kind);
        Assert.Equal(buffer.PhysicalAddress.Value + 10, address.Value);
        Assert.Equal(Machines.Pattern(Page, 3)[10..30], nic.DeviceRead(address, 20));
    }

    [Fact]
    public void BlockedDomain_FaultsEveryAccess()
    {
        Machine machine = Machines.With(DomainKind.Blocked);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 3));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);

        Assert.Null(nic.DeviceRead(address, 8));
        Assert.False(nic.Bus.TryWrite(address, new byte[8]));

        Assert.All(machine.Faults.Records, f => Assert.Equal(FaultReason.Blocked, f.Reason));
        Assert.Equal(2, machine.Faults.Count);
        Assert.Equal(Machines.Pattern(Page, 3), buffer.Span.ToArray());
    }

    [Fact]
    public void IoTlb_MissesOnTheFirstAccessToAPage_AndHitsAfterwards()
    {
        Machine machine = Machines.With(DomainKind.Translated);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 2 * Page, DmaDirection.ToDevice);
        IoTlb tlb = nic.Domain!.IoTlb!;
        tlb.ResetCounters();

        nic.DeviceRead(address, 2 * Page); // two pages: two misses
        nic.DeviceRead(address, 2 * Page); // two hits
        nic.DeviceRead(address, 8);        // one hit

        Assert.Equal(2, tlb.Misses);
        Assert.Equal(3, tlb.Hits);
    }

    [Fact]
    public void IoTlbSize_IsConfigurable_AndASingleEntryThrashesBetweenTwoPages()
    {
        Machine machine = Machines.With(DomainKind.Translated, ioTlbEntries: 1);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 2 * Page, DmaDirection.ToDevice);
        IoTlb tlb = nic.Domain!.IoTlb!;
        tlb.ResetCounters();

        for (int i = 0; i < 5; i++)
        {
            nic.DeviceRead(address, 1);
            nic.DeviceRead(new DmaAddr(address.Value + Page), 1);
        }

        Assert.Equal(1, tlb.Size);
        Assert.Equal(10, tlb.Misses);
        Assert.Equal(0, tlb.Hits);
    }

    [Fact]
    public void ExplicitMapping_TranslatesEveryPageToItsFrame_WithThePageOffset()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[3 * Page]);

        domain.Map(0x4000_0000, buffer.PhysicalAddress, 3 * Page, IommuPermission.ReadWrite);

        Assert.True(domain.TryTranslate(0x4000_0000 + 2 * Page + 17, DmaAccess.Write, out ulong physical, out _));
        Assert.Equal(buffer.PhysicalAddress.Value + 2 * Page + 17, physical);
        Assert.Equal(3, domain.PresentPages);
    }

    [Fact]
    public void ExplicitMapping_EnforcesItsPermissionBits()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        domain.Map(0x1000, buffer.PhysicalAddress, Page, IommuPermission.Read);
        domain.Map(0x2000, new PhysAddr(buffer.PhysicalAddress.Value + Page), Page, IommuPermission.Write);

        Assert.True(domain.TryTranslate(0x1000, DmaAccess.Read, out _, out _));
        Assert.False(domain.TryTranslate(0x1000, DmaAccess.Write, out _, out FaultReason readOnly));
        Assert.True(domain.TryTranslate(0x2000, DmaAccess.Write, out _, out _));
        Assert.False(domain.TryTranslate(0x2000, DmaAccess.Read, out _, out FaultReason writeOnly));

        Assert.Equal(FaultReason.Permission, readOnly);
        Assert.Equal(FaultReason.Permission, writeOnly);
    }

    [Fact]
    public void AddressBeyondTheIovaWidth_IsOutOfRange()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);

        Assert.False(domain.TryTranslate(1UL << 48, DmaAccess.Read, out _, out FaultReason reason));
        Assert.Equal(FaultReason.OutOfRange, reason);
    }

    [Fact]
    public void ExplicitMapping_RejectsMisalignedOverlappingOrPermissionlessRanges_ChangingNothing()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[4 * Page]);
        domain.Map(0x3000, buffer.PhysicalAddress, Page, IommuPermission.Read);

        Assert.Throws<ArgumentException>(() => domain.Map(0x1001, buffer.PhysicalAddress, Page, IommuPermission.Read));
        Assert.Throws<ArgumentException>(() => domain.Map(0x5000, new PhysAddr(buffer.PhysicalAddress.Value + 1), Page, IommuPermission.Read));
        Assert.Throws<ArgumentException>(() => domain.Map(0x5000, buffer.PhysicalAddress, Page, IommuPermission.None));
        Assert.Throws<ArgumentException>(() => domain.Map(0, buffer.PhysicalAddress, Page, IommuPermission.Read));
        Assert.Throws<ArgumentException>(() => domain.Map(0x2000, buffer.PhysicalAddress, 3 * Page, IommuPermission.Read)); // overlaps 0x3000

        Assert.Equal(1, domain.PresentPages);
        Assert.False(domain.IsMapped(0x2000));
        Assert.False(domain.IsMapped(0x4000));
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL)] // iova + length wraps around 2^64
    [InlineData(1UL << 48)]
    public void ExplicitMapping_BeyondTheIovaWidth_IsRejected_WithoutAliasingAValidIova(ulong iova)
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[Page]);

        Assert.Throws<ArgumentException>(() => domain.Map(iova, buffer.PhysicalAddress, Page, IommuPermission.ReadWrite));

        Assert.Equal(0, domain.PresentPages);
        Assert.False(domain.IsMapped((1UL << 48) - Page)); // the page the 36 frame bits would alias to
    }

    [Fact]
    public void ExplicitUnmap_OfARangeNotEntirelyMapped_Throws_AndKeepsTheMappedPart()
    {
        Machine machine = Machines.With();
        IommuDomain domain = machine.Iommu!.CreateDomain(DomainKind.Translated);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        domain.Map(0x3000, buffer.PhysicalAddress, Page, IommuPermission.Read);

        Assert.Throws<ArgumentException>(() => domain.Unmap(0x3000, 2 * Page));
        Assert.True(domain.IsMapped(0x3000));
    }

    [Fact]
    public void OnlyTranslatedDomains_HaveAPageTable()
    {
        Machine machine = Machines.With();
        IommuDomain identity = machine.Iommu!.CreateDomain(DomainKind.Identity);

        Assert.Null(identity.IoTlb);
        Assert.Null(identity.Iova);
        Assert.Throws<InvalidOperationException>(() => identity.Map(0x1000, new PhysAddr(0x100000), Page, IommuPermission.Read));
    }

    [Fact]
    public void EachDeviceGetsItsOwnDomain_SoOneDevicesIovaMeansNothingToAnother()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 5));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        Assert.NotSame(nic.Domain, disk.Domain);
        Assert.NotNull(nic.DeviceRead(address, 8));
        Assert.Null(disk.DeviceRead(address, 8));
        Assert.Equal(Machines.Disk, Assert.Single(machine.Faults.Records).Device);
    }

    [Fact]
    public void GroupedDevices_ShareOneDomain_AndSeeEachOthersMappings()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        Device function1 = machine.AddDevice(new DeviceId(0, 3, 1), new DeviceOptions { GroupWith = Machines.Nic });
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 5));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        Assert.Same(nic.Domain, function1.Domain);
        Assert.Equal(2, nic.Domain!.Devices.Count);
        Assert.Equal(Machines.Pattern(Page, 5)[..8], function1.DeviceRead(address, 8));
    }
    [Fact]
    public void AttachingADeviceToAnotherDomain_TakesEffectOnItsNextTransaction()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 6));
        DmaAddr iova = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        Assert.NotNull(nic.DeviceRead(iova, 8));

        machine.Iommu!.Attach(Machines.Nic, machine.Iommu.CreateDomain(DomainKind.Identity));

        Assert.Equal(Machines.Pattern(Page, 6)[..8], nic.DeviceRead(new DmaAddr(buffer.PhysicalAddress.Value), 8));
        machine.Iommu.Attach(Machines.Nic, nic.Domain!);
        Assert.Equal(Machines.Pattern(Page, 6)[..8], nic.DeviceRead(iova, 8));
        Assert.Null(nic.DeviceRead(new DmaAddr(buffer.PhysicalAddress.Value), 8));
    }
}
