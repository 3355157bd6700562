using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using static DmaDiscipline.Runtime.Tests.Hostile.Hostile;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// Broken configuration and hardware objects built by hand: every constructor and option of the
/// runtime refuses a value outside its documented range at the public boundary, with an
/// <see cref="ArgumentException"/> (or a subclass) that names what was wrong, never an exception from
/// deep inside the object it was about to build.
/// </summary>
public sealed class ConfigurationAttackTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void AFaultLogOfNoRecords_IsRefused_NamingTheCapacity(int capacity) =>
        Refuses<ArgumentOutOfRangeException>(() => _ = new FaultLog(capacity), "capacity");

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(3)]
    [InlineData(1 << 17)]
    public void AnIoTlbOfABadSize_IsRefused_NamingTheEntries(int entries) =>
        Refuses<ArgumentOutOfRangeException>(() => _ = new IoTlb(entries), "entries");

    [Fact]
    public void AnIovaAllocatorWhoseEndIsBeforeItsStart_IsRefused() =>
        Assert.IsAssignableFrom<ArgumentException>(NeverInternal(() => _ = new IovaAllocator(100, 10)));

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue / 2)]
    public void AnIovaAllocator_AskedForAnAbsurdSize_RefusesWithoutOverflowing(ulong pages)
    {
        var allocator = new IovaAllocator(1, 1 << 20);
        bool allocated = false;
        Exception? error = NeverInternal(() => allocated = allocator.TryAllocate(pages, 1 << 20, out _));
        Assert.False(allocated && pages != 0, "an allocation larger than the aperture succeeded");
        if (error is not null)
        {
            Assert.Equal("pages", Assert.IsAssignableFrom<ArgumentException>(error).ParamName);
        }

        Assert.True(allocator.TryAllocate(1, 1 << 20, out ulong frame));
        Assert.True(allocator.Free(frame, 1));
    }

    [Fact]
    public void AnIovaAllocator_FreeingNonsense_RefusesAndChangesNothing()
    {
        var allocator = new IovaAllocator(1, 1 << 20);
        Assert.True(allocator.TryAllocate(4, 1 << 20, out ulong frame));

        Assert.False(allocator.Free(0, 0));
        Assert.False(allocator.Free(ulong.MaxValue, ulong.MaxValue));
        Assert.False(allocator.Free(frame, 0));
        Assert.False(allocator.Free(frame, ulong.MaxValue));
        Assert.False(allocator.Free(frame + 1, 4));

        Assert.Equal(1, allocator.Allocated);
        Assert.True(allocator.Free(frame, 4));
        Assert.Equal(0, allocator.Allocated);
    }

    [Fact]
    public void AnIommuWithoutOptionsOrFaultLog_IsRefused()
    {
        Refuses<ArgumentNullException>(() => _ = new global::DmaDiscipline.Runtime.Iommu(null!, new FaultLog()), "options");
        Refuses<ArgumentNullException>(() => _ = new global::DmaDiscipline.Runtime.Iommu(new IommuOptions(), null!), "faults");
    }

    public static TheoryData<string, Func<MachineOptions>> BrokenMachines() => new()
    {
        { "no memory options", () => new MachineOptions { Memory = null! } },
        { "no domain overrides", () => new MachineOptions { DomainOverrides = null! } },
        { "a firmware table without an excluded set", () => new MachineOptions { Firmware = new FirmwareTable { Excluded = null! } } },
        { "a negative fault log", () => new MachineOptions { FaultLogCapacity = -1 } },
        { "a flush batch of 0", () => new MachineOptions { Iommu = new IommuOptions { FlushBatchSize = 0 } } },
        { "a negative flush batch", () => new MachineOptions { Iommu = new IommuOptions { FlushBatchSize = -5 } } },
        { "a flush batch above 65536", () => new MachineOptions { Iommu = new IommuOptions { FlushBatchSize = 65537 } } },
        { "an IOTLB that is not a power of two", () => new MachineOptions { Iommu = new IommuOptions { IoTlbEntries = 3 } } },
        { "a negative IOTLB", () => new MachineOptions { Iommu = new IommuOptions { IoTlbEntries = -256 } } },
        { "a bounce pool larger than the memory below 4 GiB", () => new MachineOptions { BouncePoolSize = 1 << 30, Memory = new PhysicalMemoryOptions { Size = 512UL << 20 } } },
        { "a bounce pool of int.MaxValue rounded to slots", () => new MachineOptions { BouncePoolSize = int.MaxValue / Swiotlb.SlotSize * Swiotlb.SlotSize } },
        { "a memory size that is not page-aligned", () => new MachineOptions { Memory = new PhysicalMemoryOptions { Size = (64UL << 20) + 1 } } },
        { "a memory size above 2^48", () => new MachineOptions { Memory = new PhysicalMemoryOptions { Size = 1UL << 49 } } },
        { "a first allocatable address that is not page-aligned", () => new MachineOptions { Memory = new PhysicalMemoryOptions { FirstAllocatable = 0x100001 } } },
        { "a first allocatable address past the end of memory", () => new MachineOptions { Memory = new PhysicalMemoryOptions { Size = 64UL << 20, FirstAllocatable = 128UL << 20 } } },
        { "a first allocatable address at 2^64 - 4096", () => new MachineOptions { Memory = new PhysicalMemoryOptions { FirstAllocatable = ulong.MaxValue & ~0xfffUL } } },
    };

    [Theory]
    [MemberData(nameof(BrokenMachines))]
    public void ABrokenMachineConfiguration_IsRefused_AtTheConstructor(string what, Func<MachineOptions> options)
    {
        _ = what;
        Exception? error = NeverInternal(() => _ = new Machine(options()));
        Assert.NotNull(error);
        ArgumentException argument = Assert.IsAssignableFrom<ArgumentException>(error);
        Assert.Equal("options", argument.ParamName);
    }

    [Fact]
    public void AMachineWhoseMemoryIsTooSmallForItsBouncePool_IsRefused_OrWorks()
    {
        // 16 MiB of memory, every byte of it below 4 GiB, and a 4 MiB pool: either it fits and works, or the constructor says why.
        Machine? machine = null;
        Exception? error = NeverInternal(() => machine = new Machine(new MachineOptions { Memory = new PhysicalMemoryOptions { Size = 16UL << 20 }, BouncePoolSize = 4 << 20 }));
        if (error is null)
        {
            StillWorks(machine!, machine!.AddDevice(Machines.Nic));
        }
        else
        {
            Assert.Equal("options", Assert.IsAssignableFrom<ArgumentException>(error).ParamName);
        }
    }

    [Fact]
    public void ADeviceClaimingToBeBehindAnIommuTheMachineDoesNotHave_DoesDirectDma_AsDocumented()
    {
        // Not refused: the option says whether a device passes through the machine's IOMMU, and there is none
        // (the runner's platform descriptions say true in every scenario). It must not pretend to translate.
        Machine machine = Machines.WithoutIommu();

        Device device = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = true });

        Assert.Equal(DmaPath.Direct, device.Dma.Path);
        Assert.Null(device.Domain);
        StillWorks(machine, device);
    }

    [Fact]
    public void ADeviceGroupedWithItself_IsRefused()
    {
        Machine machine = Machines.With();

        Refuses<ArgumentException>(() => machine.AddDevice(Machines.Nic, new DeviceOptions { GroupWith = Machines.Nic }), "options");

        Assert.Empty(machine.Devices);
        StillWorks(machine, machine.AddDevice(Machines.Nic));
    }

    [Fact]
    public void ADeviceGroupedWithARemovedDevice_IsRefused()
    {
        Machine machine = Machines.With();
        Device gone = machine.AddDevice(Machines.Disk);
        machine.RemoveDevice(gone);

        Refuses<ArgumentException>(() => machine.AddDevice(Machines.Nic, new DeviceOptions { GroupWith = Machines.Disk }), "options");

        StillWorks(machine, machine.AddDevice(Machines.Nic));
    }

    [Fact]
    public void AddDevice_WithNullOptions_MeansTheDefaults()
    {
        Machine machine = Machines.With();
        StillWorks(machine, machine.AddDevice(Machines.Nic, null));
    }

    [Theory]
    [InlineData("100:00.0")]
    [InlineData("00:20.0")]
    [InlineData("00:1f.8")]
    [InlineData("-1:00.0")]
    [InlineData("")]
    [InlineData("00:00.0 ")]
    [InlineData("00:00")]
    [InlineData("00.00:0")]
    public void DeviceIdText_ThatIsNoId_IsAFormatException_AndTryParseSaysNo(string text)
    {
        Assert.False(DeviceId.TryParse(text, out _));
        Refuses<FormatException>(() => DeviceId.Parse(text));
    }

    [Fact]
    public void FirmwareTableText_IsCheckedLineByLine_WithoutInternalErrors()
    {
        Exception? error = NeverInternal(() => FirmwareTable.Parse(null!), typeof(ArgumentNullException), typeof(FormatException));
        Assert.NotNull(error);
        foreach (string text in new[] { "covered", "covered zz:00.0", "excluded 00:20.0", "include-all extra", "covered 00:03.0 00:04.0", "\0" })
        {
            FormatException format = Refuses<FormatException>(() => FirmwareTable.Parse(text));
            Assert.Contains("1", format.Message);
        }
    }

    [Fact]
    public void ATransportWithAnAbsurdQueueSize_IsRefused()
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        foreach (int size in new[] { -1, 32769, int.MaxValue, int.MinValue })
        {
            Exception? error = NeverInternal(() => _ = new VirtioMmioTransport(device, new VirtioBlkDevice(), new VirtioTransportOptions { QueueNumMax = size }));
            Assert.IsAssignableFrom<ArgumentException>(error);
        }

        _ = new VirtioMmioTransport(device, new VirtioBlkDevice());
    }

    [Fact]
    public void ALayoutMadeWithAnInitializer_IsCheckedLikeOneMadeByFor()
    {
        Refuses<ArgumentOutOfRangeException>(() => _ = SplitRingLayout.For(8) with { QueueSize = 3 }, "value");
        Refuses<ArgumentOutOfRangeException>(() => _ = SplitRingLayout.For(8) with { QueueSize = 65536 }, "value");
        Refuses<ArgumentOutOfRangeException>(() => _ = SplitRingLayout.For(8) with { UsedAlignment = 3 }, "value");
        Refuses<ArgumentOutOfRangeException>(() => _ = PackedRingLayout.For(8) with { QueueSize = 0 }, "value");
        Refuses<ArgumentOutOfRangeException>(() => _ = PackedRingLayout.For(8) with { QueueSize = 32769 }, "value");
    }

    [Fact]
    public void ADefaultLayout_IsNoLayout_AndSaysSo_InsteadOfFailingInsideTheRingArithmetic()
    {
        SplitRingLayout split = default;
        PackedRingLayout packed = default;

        foreach (Func<int> property in new Func<int>[] { () => split.TotalSize, () => split.UsedOffset, () => split.AvailOffset, () => packed.TotalSize, () => packed.DeviceEventOffset, () => packed.DriverEventOffset })
        {
            Refuses<InvalidOperationException>(() => property());
        }
    }
    [Fact]
    public void CollectionsGivenToTheMachine_ChangedAfterwards_ChangeNeitherItsChecksNorItsDecisions()
    {
        var covered = new HashSet<DeviceId> { Machines.Nic };
        var overrides = new Dictionary<DeviceId, DomainKind> { [Machines.Nic] = DomainKind.Identity };
        var machine = new Machine(new MachineOptions { Firmware = new FirmwareTable { IncludeAll = false, Covered = covered }, DomainOverrides = overrides });

        covered.Clear();
        covered.Add(Machines.Disk);
        overrides[Machines.Nic] = (DomainKind)42; // undefined: checked at construction, must not reach AddDevice
        overrides[Machines.Disk] = DomainKind.Blocked;

        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk, new DeviceOptions { BehindIommu = false }); // the table is honest about it
        Assert.Equal(DomainKind.Identity, nic.Domain?.Kind);
        Assert.Null(disk.Domain); // not covered by the table the machine was built with: direct DMA
        StillWorks(machine, nic);
        StillWorks(machine, disk);
    }

    [Fact]
    public void TheDebugLayersDeviceFilter_IsItsOwnCopy_NeitherTheCallersCollectionNorWritableThroughTheGetter()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        var devices = new List<DeviceId> { Machines.Disk };
        machine.Debug.SetDeviceFilter(devices);

        devices.Add(Machines.Nic);
        Assert.False(machine.Debug.DeviceFilter is ICollection<DeviceId> { IsReadOnly: false }, "the filter can be changed through its getter");
        nic.Dma.UnmapSingle(new DmaAddr(0x1000), 64, DmaDirection.ToDevice); // DMA006 of a device outside the filter

        Assert.Empty(machine.Debug.Violations);
        Assert.Equal(1, machine.Debug.Filtered);
    }
}
