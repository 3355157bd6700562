namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// The DMA debug layer: each driver mistake is reported under the id of the static rule that would
/// have caught it, with the device, address, length, direction and where the mapping was made.
/// </summary>
public sealed class DmaDebugTests
{
    private const int Page = PhysicalMemory.PageSize;

    private static (Machine Machine, Device Nic, KBuffer Buffer) Setup(
        DmaDebugMode mode = DmaDebugMode.Collect, DomainKind kind = DomainKind.Translated, bool confidential = false)
    {
        Machine machine = confidential ? Machines.Confidential(mode) : Machines.With(kind, debug: mode);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        return (machine, nic, buffer);
    }

    private static DmaViolation Only(Machine machine, string ruleId)
    {
        DmaViolation violation = Assert.Single(machine.Debug.Violations);
        Assert.Equal(ruleId, violation.RuleId);
        return violation;
    }

    [Fact]
    public void CleanDriver_ReportsNothing()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        nic.Bus.TryWrite(address, new byte[100]);
        nic.Dma.SyncForCpu(address, 100, DmaDirection.FromDevice);
        _ = buffer.Span[0];
        nic.Dma.SyncForDevice(address, 100, DmaDirection.FromDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.FromDevice);
        nic.UnbindDriver();

        Assert.Empty(machine.Debug.Violations);
        Assert.Contains("no violations", machine.Debug.Report());
    }

    [Fact]
    public void MappingStillLiveAtUnbind_IsALeak_DMA002_WithItsDetails()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.Dma.MapSingle(buffer, 8, 100, DmaDirection.ToDevice); // mapped here, in the test
        Assert.False(nic.Dma.MappingError(address));

        nic.UnbindDriver();

        DmaViolation leak = Only(machine, RuleIds.Leak);
        Assert.Equal(Machines.Nic, leak.Device);
        Assert.Equal(address, leak.Address);
        Assert.Equal(100, leak.Length);
        Assert.Equal(DmaDirection.ToDevice, leak.Direction);
        Assert.Contains($"{nameof(DmaDebugTests)}.{nameof(MappingStillLiveAtUnbind_IsALeak_DMA002_WithItsDetails)}", leak.MappedAt); // where the driver mapped it
        Assert.Contains("DMA002", leak.ToString());
    }

    [Fact]
    public void CoherentBufferStillAllocatedAtDeviceRemoval_IsALeak_DMA002()
    {
        var (machine, nic, _) = Setup();
        nic.Dma.AllocCoherent(64);

        machine.RemoveDevice(nic);

        Assert.Contains("coherent", Only(machine, RuleIds.Leak).Message);
        Assert.True(nic.IsRemoved);
    }

    [Fact]
    public void UnmapWithoutCheckingMappingError_IsDMA003()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        DmaViolation unchecked_ = Only(machine, RuleIds.UncheckedMapping);
        Assert.Equal(address, unchecked_.Address);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void DeviceUsingAnUncheckedMapping_IsDMA003_ReportedOnce()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice);

        nic.DeviceRead(address, 10);
        nic.DeviceRead(address, 10);

        Only(machine, RuleIds.UncheckedMapping);
    }

    [Fact]
    public void UnmappingAFailedMapping_IsDMA003()
    {
        Machine machine = Machines.WithoutIommu(DmaDebugMode.Collect, bouncePool: 0);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(new byte[64], MemoryPlacement.Above4G);
        DmaAddr failed = nic.Dma.MapSingle(high, 0, 64, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(failed, 64, DmaDirection.ToDevice);

        Assert.Contains("failed mapping", Only(machine, RuleIds.UncheckedMapping).Message);
    }

    [Fact]
    public void UnmapWithAnotherLength_IsDMA004()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(address, 90, DmaDirection.ToDevice);

        DmaViolation mismatch = Only(machine, RuleIds.LengthOrDirectionMismatch);
        Assert.Equal((Machines.Nic, address, 90, DmaDirection.ToDevice), (mismatch.Device, mismatch.Address, mismatch.Length, mismatch.Direction));
        Assert.Contains("100", mismatch.Message);
        Assert.NotNull(mismatch.MappedAt); // the report points back at the map call
    }

    [Fact]
    public void UnmapWithAnotherDirection_IsDMA004()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(address, 100, DmaDirection.Bidirectional);

        Assert.Equal(DmaDirection.Bidirectional, Only(machine, RuleIds.LengthOrDirectionMismatch).Direction);
    }

    [Fact]
    public void SyncWithAnotherDirection_IsDMA004()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        nic.Dma.SyncForCpu(address, 100, DmaDirection.ToDevice);

        Only(machine, RuleIds.LengthOrDirectionMismatch);
    }

    [Fact]
    public void SyncOfASubRange_IsFine()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        nic.Dma.SyncForCpu(new DmaAddr(address.Value + 20), 30, DmaDirection.FromDevice);

        Assert.Empty(machine.Debug.Violations);
    }

    [Theory]
    [InlineData(DomainKind.Translated, false)]
    [InlineData(DomainKind.Identity, false)]
    [InlineData(DomainKind.Identity, true)]
    public void SyncLongerThanTheMapping_IsDMA004(DomainKind kind, bool confidential)
    {
        var (machine, nic, buffer) = Setup(kind: kind, confidential: confidential);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        nic.Dma.SyncForCpu(address, 101, DmaDirection.FromDevice);

        DmaViolation mismatch = Only(machine, RuleIds.LengthOrDirectionMismatch);
        Assert.Equal(101, mismatch.Length);
        Assert.Equal(address, mismatch.Address);
    }

    [Fact]
    public void CpuTakingTheSpanOfADeviceOwnedBuffer_IsDMA005()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        _ = buffer.Span[0];

        DmaViolation violation = Only(machine, RuleIds.CpuAccessWhileDeviceOwned);
        Assert.Equal(address, violation.Address);
        Assert.Equal(DmaDirection.FromDevice, violation.Direction);
    }

    [Fact]
    public void CpuAccessAfterSyncForCpu_IsFine_ButAfterSyncForDeviceIsNotAgain()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.Bidirectional);
        nic.Dma.SyncForCpu(address, 100, DmaDirection.Bidirectional);
        _ = buffer.Span[0];
        Assert.Empty(machine.Debug.Violations);

        nic.Dma.SyncForDevice(address, 100, DmaDirection.Bidirectional);
        _ = buffer.Span[0];

        Only(machine, RuleIds.CpuAccessWhileDeviceOwned);
    }

    [Fact]
    public void CpuAccess_IsStillDMA005_WhileAnotherMappingOfTheBufferIsDeviceOwned()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr first = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        DmaAddr second = nic.MapChecked(buffer, 200, 100, DmaDirection.FromDevice);
        nic.Dma.UnmapSingle(second, 100, DmaDirection.FromDevice);

        _ = buffer.Span[0]; // the first mapping still gives the device the buffer

        Assert.Equal(first, Only(machine, RuleIds.CpuAccessWhileDeviceOwned).Address);
        nic.Dma.UnmapSingle(first, 100, DmaDirection.FromDevice);
        _ = buffer.Span[0];
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void CpuReadingAToDeviceBuffer_IsNotAnOwnershipViolation()
    {
        var (machine, nic, buffer) = Setup();
        nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        _ = buffer.Span[0];

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void DoubleUnmap_IsDMA006()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        Assert.Contains("already unmapped", Only(machine, RuleIds.UseAfterUnmap).Message);
    }

    [Fact]
    public void DoubleUnmap_IsDMA006_EvenInPassthroughWhereTheHardwareCannotTell()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        Only(machine, RuleIds.UseAfterUnmap);
    }

    [Fact]
    public void UnmapOfAnAddressNeverMapped_IsDMA006()
    {
        var (machine, nic, _) = Setup();

        nic.Dma.UnmapSingle(new DmaAddr(0x7000), 100, DmaDirection.ToDevice);

        Assert.Contains("never mapped", Only(machine, RuleIds.UseAfterUnmap).Message);
    }

    [Fact]
    public void SyncAfterUnmap_IsDMA006()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.FromDevice);

        nic.Dma.SyncForCpu(address, 100, DmaDirection.FromDevice);

        Only(machine, RuleIds.UseAfterUnmap);
    }

    [Fact]
    public void DeviceAccessAfterUnmap_IsDMA006_EvenWhenTheLazyWindowLetsItThrough()
    {
        Machine machine = Machines.With(invalidation: InvalidationMode.Lazy, debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        nic.DeviceRead(address, 8);
        nic.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);

        Assert.NotNull(nic.DeviceRead(address, 8)); // the hardware let it through...

        Assert.Equal(address, Only(machine, RuleIds.UseAfterUnmap).Address); // ...the debug layer did not
    }

    [Fact]
    public void DeviceAccessAtARawPhysicalAddress_IsDMA001_EvenInPassthrough()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);

        // The legacy driver bug: the device is handed the CPU physical address, no mapping made.
        Assert.True(nic.Bus.TryWrite(new DmaAddr(buffer.PhysicalAddress.Value), new byte[4]));

        DmaViolation violation = Only(machine, RuleIds.RawPhysicalAddress);
        Assert.Equal(buffer.PhysicalAddress.Value, violation.Address.Value);
        Assert.Equal(4, violation.Length);
        Assert.Null(violation.MappedAt);
    }

    [Fact]
    public void DeviceAccessPastTheEndOfItsMapping_IsDMA001()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        nic.DeviceRead(new DmaAddr(address.Value + 90), 20);

        Only(machine, RuleIds.RawPhysicalAddress);
    }

    [Fact]
    public void DeviceAccessInsideCoherentAndStreamingMappings_IsFine()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);
        CoherentBuffer ring = nic.Dma.AllocCoherent(256);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        nic.DeviceRead(ring.DmaAddress, 256);
        nic.DeviceRead(address, 100);

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void OneDevicesMapping_DoesNotCoverAnotherDevicesAccess()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);
        Device disk = machine.AddDevice(Machines.Disk);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        disk.DeviceRead(address, 10);

        Assert.Equal(Machines.Disk, Only(machine, RuleIds.RawPhysicalAddress).Device);
    }

    [Fact]
    public void ThrowMode_ThrowsAtTheFirstViolation_WithIt()
    {
        var (machine, nic, buffer) = Setup(DmaDebugMode.Throw);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        var error = Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(address, 99, DmaDirection.ToDevice));

        Assert.Equal(RuleIds.LengthOrDirectionMismatch, error.Violation.RuleId);
        Assert.Contains("DMA004", error.Message);
    }

    [Fact]
    public void Report_CountsViolationsPerRule_AndListsEach()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr a = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(a, 99, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(a, 99, DmaDirection.ToDevice);
        nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.UnbindDriver();

        string report = machine.Debug.Report();

        Assert.Contains("3 violation(s)", report);
        Assert.Contains("DMA002: 1", report);
        Assert.Contains("DMA004: 1", report);
        Assert.Contains("DMA006: 1", report);
        Assert.Equal(1, machine.Debug.CountOf(RuleIds.Leak));
        Assert.Equal(3, machine.Debug.For(Machines.Nic).Count());
    }

    [Fact]
    public void DebugOff_TracksNothing_AndReportsNothing()
    {
        var (machine, nic, buffer) = Setup(DmaDebugMode.Off);
        nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.FromDevice);
        _ = buffer.Span[0];
        nic.Bus.TryRead(new DmaAddr(0x1000), new byte[1]);
        nic.UnbindDriver();

        Assert.False(machine.Debug.IsEnabled);
        Assert.Empty(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void ScatterGatherMapping_IsCheckedByItsCount_AndTrackedPerDmaSegment()
    {
        var (machine, nic, buffer) = Setup();
        var list = new ScatterList(2);
        list.Add(buffer, 0, Page);
        list.Add(buffer, Page, 100);
        int count = nic.Dma.MapSg(list, DmaDirection.ToDevice);
        Assert.Equal(count, machine.Debug.LiveMappings(Machines.Nic));

        nic.DeviceRead(list.DmaAddress(0), list.DmaLength(0));
        nic.Dma.UnmapSg(list, DmaDirection.ToDevice);

        Assert.Empty(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void FreeCoherentTwice_IsDMA006_AndChangesNothing()
    {
        var (machine, nic, _) = Setup();
        CoherentBuffer ring = nic.Dma.AllocCoherent(64);
        nic.Dma.FreeCoherent(ring);

        nic.Dma.FreeCoherent(ring);

        Only(machine, RuleIds.UseAfterUnmap);
    }

    [Fact]
    public void ReAddedDevice_DoesNotInheritTheRemovedDevicesMappings()
    {
        var (machine, nic, buffer) = Setup(kind: DomainKind.Identity);
        DmaAddr stale = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        machine.RemoveDevice(nic); // reports the leak once
        machine.Debug.ClearViolations();

        Device replugged = machine.AddDevice(Machines.Nic);
        replugged.DeviceRead(stale, 10); // the new driver never mapped this
        replugged.UnbindDriver();

        Assert.Equal(RuleIds.RawPhysicalAddress, Assert.Single(machine.Debug.Violations).RuleId);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }
}
