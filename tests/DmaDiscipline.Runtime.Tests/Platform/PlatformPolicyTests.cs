namespace DmaDiscipline.Runtime.Tests.Platform;

/// <summary>
/// The platform, not the driver, decides each device's DMA path: from the firmware table, per-device
/// overrides, quirks that catch a lying table, and confidential mode.
/// </summary>
public sealed class PlatformPolicyTests
{
    private const int Page = PhysicalMemory.PageSize;

    private static Machine Build(FirmwareTable firmware, bool quirks, IReadOnlyDictionary<DeviceId, DomainKind>? overrides = null, bool confidential = false) =>
        new(new MachineOptions
        {
            Firmware = firmware,
            FirmwareQuirks = quirks,
            DomainOverrides = overrides ?? new Dictionary<DeviceId, DomainKind>(),
            Confidential = confidential,
            Debug = DmaDebugMode.Off,
        });

    /// <summary>A driver's transmit: map, let the device read, unmap. True when the device read the right bytes.</summary>
    private static bool DeviceReadsWhatTheDriverMapped(Device device)
    {
        KBuffer buffer = device.Machine.Buffer(Machines.Pattern(Page, 0x40));
        DmaAddr address = device.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        byte[]? seen = device.DeviceRead(address, Page);
        device.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
        return seen is not null && seen.AsSpan().SequenceEqual(Machines.Pattern(Page, 0x40));
    }

    [Fact]
    public void CoveredDevice_GetsTheDefaultDomainKind()
    {
        Machine machine = Build(FirmwareTable.All, quirks: false);

        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Equal(DomainKind.Translated, nic.Domain!.Kind);
        Assert.Equal(DmaPath.Iommu, nic.Dma.Path);
        Assert.Same(nic.Domain, machine.Iommu!.DomainOf(Machines.Nic));
    }

    [Fact]
    public void PerDeviceOverride_BeatsTheDefault()
    {
        Machine machine = Build(FirmwareTable.All, quirks: false, new Dictionary<DeviceId, DomainKind>
        {
            [Machines.Nic] = DomainKind.Identity,
            [Machines.Gpu] = DomainKind.Blocked,
        });

        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        Device gpu = machine.AddDevice(Machines.Gpu);

        Assert.Equal(DomainKind.Identity, nic.Domain!.Kind);
        Assert.Equal(DmaPath.Direct, nic.Dma.Path);
        Assert.Equal(DomainKind.Translated, disk.Domain!.Kind);
        Assert.Equal(DomainKind.Blocked, gpu.Domain!.Kind);
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
        Assert.True(DeviceReadsWhatTheDriverMapped(disk));
        Assert.False(DeviceReadsWhatTheDriverMapped(gpu));
    }

    [Fact]
    public void DeviceTheTableExcludes_GetsDirectDma_WithNoDomain()
    {
        Machine machine = Build(FirmwareTable.Parse("include-all\nexcluded 00:03.0"), quirks: false);

        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = false });

        Assert.Null(nic.Domain);
        Assert.Equal(DmaPath.Direct, nic.Dma.Path);
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
    }

    [Fact]
    public void MachineWithoutIommu_GivesEveryDeviceDirectDma()
    {
        Machine machine = Machines.WithoutIommu();

        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Null(machine.Iommu);
        Assert.Null(nic.Domain);
        Assert.Contains(machine.Log, line => line.Contains("none present"));
    }

    [Fact]
    public void TableClaimingCoverageOfABypassingDevice_WithoutQuirks_CorruptsItsDma()
    {
        // The QEMU case: the table says translated, the device's DMA bypasses the IOMMU, so it uses the
        // IOVA the driver got as a physical address.
        Machine machine = Build(FirmwareTable.All, quirks: false);

        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = false });

        Assert.Equal(DmaPath.Iommu, nic.Dma.Path);
        Assert.False(DeviceReadsWhatTheDriverMapped(nic));
    }

    [Fact]
    public void TableDenyingCoverageOfATranslatedDevice_WithoutQuirks_FaultsItsDma()
    {
        Machine machine = Build(FirmwareTable.Parse("include-all\nexcluded 00:03.0"), quirks: false);

        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = true });

        Assert.False(DeviceReadsWhatTheDriverMapped(nic));
        Assert.Equal(FaultReason.Blocked, machine.Faults.Records[0].Reason);
    }

    [Fact]
    public void Quirk_DetectsATableClaimingCoverageOfABypassingDevice_DisablesTranslation_AndLogsWhy()
    {
        Machine machine = Build(FirmwareTable.All, quirks: true);

        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { Name = "virtio-net", BehindIommu = false });

        Assert.Equal(DmaPath.Direct, nic.Dma.Path);
        Assert.Contains(machine.Log, line => line.Contains("Firmware Bug") && line.Contains("00:03.0") && line.Contains("bypasses translation"));
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
        Assert.Equal(0, machine.Faults.Count); // the probe's own faults are not recorded
    }

    [Fact]
    public void Quirk_DetectsATableDenyingCoverageOfATranslatedDevice_GivesItIdentity_AndLogsWhy()
    {
        Machine machine = Build(FirmwareTable.Parse("include-all\nexcluded 00:03.0"), quirks: true);

        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = true });

        Assert.Equal(DomainKind.Identity, nic.Domain!.Kind);
        Assert.Contains(machine.Log, line => line.Contains("Firmware Bug") && line.Contains("outside the IOMMU's scope"));
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
    }

    [Fact]
    public void Quirk_TrustsAnHonestTable_AndLeavesNoTrace()
    {
        Machine machine = Build(FirmwareTable.Parse("include-all\nexcluded 00:04.0"), quirks: true);

        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk, new DeviceOptions { BehindIommu = false });

        Assert.Equal(1, machine.Memory.LiveAllocations); // the bounce pool only: the probe's pages were freed
        Assert.Equal(DmaPath.Iommu, nic.Dma.Path);
        Assert.Null(disk.Domain);
        Assert.DoesNotContain(machine.Log, line => line.Contains("Firmware Bug"));
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
        Assert.True(DeviceReadsWhatTheDriverMapped(disk));
    }

    [Fact]
    public void Quirk_InAConfidentialGuest_DoesNotMistakePrivateMemoryForABrokenTable()
    {
        Machine machine = Build(FirmwareTable.All, quirks: true, confidential: true);

        Device nic = machine.AddDevice(Machines.Nic);

        Assert.DoesNotContain(machine.Log, line => line.Contains("Firmware Bug"));
        Assert.Equal(DmaPath.ForcedBounce, nic.Dma.Path);
        Assert.True(DeviceReadsWhatTheDriverMapped(nic));
    }

    [Fact]
    public void Confidential_BouncesEveryStreamingMapping_WhateverTheDomain()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        Device bypass = machine.AddDevice(Machines.Disk, new DeviceOptions { BehindIommu = false });
        KBuffer buffer = machine.Buffer(new byte[100]);

        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        Assert.Equal(DmaPath.ForcedBounce, nic.Dma.Path);
        Assert.Equal(DmaPath.ForcedBounce, bypass.Dma.Path);
        Assert.NotEqual(buffer.PhysicalAddress.Value, address.Value);
        Assert.Contains(machine.Log, line => line.Contains("confidential"));
    }

    [Fact]
    public void Confidential_DeviceCannotReachPrivateMemory_EvenByItsPhysicalAddress()
    {
        Machine machine = Machines.Confidential();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = false });
        KBuffer secret = machine.Buffer(Enumerable.Repeat((byte)0x5E, 64).ToArray());

        Assert.Null(nic.DeviceRead(new DmaAddr(secret.PhysicalAddress.Value), 64));
        Assert.False(nic.Bus.TryWrite(new DmaAddr(secret.PhysicalAddress.Value), new byte[64]));

        Assert.All(machine.Faults.Records, f => Assert.Equal(FaultReason.NotShared, f.Reason));
        Assert.All(secret.Span.ToArray(), b => Assert.Equal(0x5E, b));
    }

    [Fact]
    public void Confidential_WithoutABouncePool_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new Machine(new MachineOptions { Confidential = true, BouncePoolSize = 0 }));
    }

    [Fact]
    public void DeviceThatBypassesTheIommu_UsesTheBusAddressAsPhysical()
    {
        Machine machine = Machines.With();
        Device bypass = machine.AddDevice(Machines.Nic, new DeviceOptions { BehindIommu = false });
        KBuffer buffer = machine.Buffer(Machines.Pattern(64, 3));

        Assert.Equal(Machines.Pattern(64, 3), bypass.DeviceRead(new DmaAddr(buffer.PhysicalAddress.Value), 64));
    }

    [Fact]
    public void AddingAPresentIdTwice_Throws_ButAfterRemovalTheIdIsFreeAgain()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Throws<ArgumentException>(() => machine.AddDevice(Machines.Nic));
        machine.RemoveDevice(nic);
        Device again = machine.AddDevice(Machines.Nic);

        Assert.Same(again, machine.Find(Machines.Nic));
        Assert.Throws<ArgumentException>(() => machine.RemoveDevice(nic));
    }

    [Fact]
    public void RemovedDevice_LosesItsIommuContext()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        machine.RemoveDevice(nic);

        Assert.Null(machine.Iommu!.DomainOf(Machines.Nic));
        Assert.Null(nic.DeviceRead(address, 8));
        Assert.Equal(FaultReason.Blocked, machine.Faults.Records[^1].Reason);
    }

    [Fact]
    public void GroupWithAnUnknownPeer_Throws()
    {
        Machine machine = Machines.With();

        Assert.Throws<ArgumentException>(() => machine.AddDevice(Machines.Nic, new DeviceOptions { GroupWith = Machines.Gpu }));
    }

    [Fact]
    public void LogLine_SaysWhichPathEachDeviceGot()
    {
        Machine machine = Machines.With();

        machine.AddDevice(Machines.Nic, new DeviceOptions { Name = "virtio-net" });

        Assert.Contains(machine.Log, line => line.StartsWith("00:03.0 virtio-net: DMA through domain", StringComparison.Ordinal));
    }
}
