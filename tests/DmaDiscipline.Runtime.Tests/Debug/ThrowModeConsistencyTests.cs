namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// Throw mode: a call that throws a debug report has either completed in the DMA layer and the debug
/// layer, or changed neither, so later correct calls are never blamed for it. And when direct DMA
/// gives one address to two live mappings, each release is charged to the mapping it names.
/// </summary>
public sealed class ThrowModeConsistencyTests
{
    private const int Page = PhysicalMemory.PageSize;

    private static (Machine Machine, Device Nic, KBuffer Buffer) Setup(DomainKind kind = DomainKind.Translated, DmaDebugMode mode = DmaDebugMode.Throw)
    {
        Machine machine = Machines.With(kind, debug: mode);
        Device nic = machine.AddDevice(Machines.Nic);
        return (machine, nic, machine.Buffer(new byte[2 * Page]));
    }

    [Fact]
    public void UnmapWithAWrongLength_Throws_AfterBothLayersReleasedTheMapping()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        var error = Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(address, 90, DmaDirection.FromDevice));

        Assert.Equal(RuleIds.LengthOrDirectionMismatch, error.Violation.RuleId);
        Assert.Equal(0, nic.Domain!.PresentPages);                    // the DMA layer unmapped it...
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));    // ...and the debug layer knows
        _ = buffer.Span[0];                                           // so the CPU owns the buffer again: no DMA005
        nic.UnbindDriver();                                           // and nothing leaked: no DMA002
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void UnmapOfAnAddressInsideAMapping_Throws_ChangingNothing()
    {
        // The IOMMU layer alone would accept it (same IOVA page, same size) and tear the mapping down
        // behind the debug layer's back.
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        var error = Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(new DmaAddr(address.Value + 8), 100, DmaDirection.ToDevice));

        Assert.Equal(RuleIds.UseAfterUnmap, error.Violation.RuleId);
        Assert.Equal(1, nic.Domain!.PresentPages);
        Assert.Equal(1, machine.Debug.LiveMappings(Machines.Nic));
        Assert.NotNull(nic.DeviceRead(address, 100));
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);     // the correct unmap is not blamed
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void UncheckedUnmap_Throws_AfterTheUnmapCompleted()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.Dma.MapSingle(buffer, 0, 100, DmaDirection.ToDevice);

        Assert.Equal(RuleIds.UncheckedMapping, Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice)).Violation.RuleId);

        Assert.Equal(0, nic.Domain!.PresentPages);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void SyncWithAWrongDirection_Throws_AfterOwnershipPassed()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        Assert.Throws<DmaDebugException>(() => nic.Dma.SyncForCpu(address, 100, DmaDirection.Bidirectional));

        _ = buffer.Span[0]; // the sync happened: the CPU owns the buffer, no DMA005
        nic.Dma.UnmapSingle(address, 100, DmaDirection.FromDevice);
        Assert.Single(machine.Debug.Violations);
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void UnmapSgWithAWrongDirection_Throws_AfterEverySegmentWasReleased(DomainKind kind)
    {
        var (machine, nic, buffer) = Setup(kind);
        var list = new ScatterList(2);
        list.Add(buffer, 0, 100);
        list.Add(buffer, Page + 8, 100);
        Assert.NotEqual(0, nic.Dma.MapSg(list, DmaDirection.FromDevice));

        var error = Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSg(list, DmaDirection.ToDevice));

        Assert.Equal(RuleIds.LengthOrDirectionMismatch, error.Violation.RuleId);
        Assert.Equal(0, list.MappedCount);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
        Assert.Equal(0, nic.Domain!.PresentPages);
        Assert.Equal(2, machine.Debug.Violations.Count); // one per DMA segment, all recorded before the throw
    }

    [Fact]
    public void RemovingADeviceWithLeaks_RemovesIt_ThenThrowsTheFirstLeak_WithEveryLeakRecorded()
    {
        var (machine, nic, buffer) = Setup();
        nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.AllocCoherent(64);

        var error = Assert.Throws<DmaDebugException>(() => machine.RemoveDevice(nic));

        Assert.Equal(RuleIds.Leak, error.Violation.RuleId);
        Assert.True(nic.IsRemoved);
        Assert.Equal(2, machine.Debug.CountOf(RuleIds.Leak));
        Assert.Null(machine.Find(Machines.Nic));
    }

    [Fact]
    public void SameAddressMappedTwice_ADoubleUnmapOfTheFirst_IsReported_AndTheSecondsCorrectUnmapIsNot()
    {
        var (machine, nic, buffer) = Setup(DomainKind.Identity, DmaDebugMode.Collect);
        DmaAddr first = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        DmaAddr second = nic.MapChecked(buffer, 0, 200, DmaDirection.ToDevice);
        Assert.Equal(first, second); // direct DMA: the bus address is the physical address

        nic.Dma.UnmapSingle(first, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(first, 100, DmaDirection.ToDevice); // the bug: the first mapping again
        nic.Dma.UnmapSingle(second, 200, DmaDirection.ToDevice);

        DmaViolation doubleUnmap = Assert.Single(machine.Debug.Violations);
        Assert.Equal((RuleIds.UseAfterUnmap, 100), (doubleUnmap.RuleId, doubleUnmap.Length));
        Assert.Contains("already unmapped", doubleUnmap.Message);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void SameAddressMappedTwice_InThrowMode_TheDoubleUnmapThrows_AndLeavesTheOtherMappingLive()
    {
        var (machine, nic, buffer) = Setup(DomainKind.Identity);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.MapChecked(buffer, 0, 200, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice));

        Assert.Equal(1, machine.Debug.LiveMappings(Machines.Nic));
        nic.Dma.UnmapSingle(address, 200, DmaDirection.ToDevice);
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void AReleaseRememberedFromBeforeANewMapping_DoesNotExcuseAWrongReleaseOfTheNewOne()
    {
        var (machine, nic, buffer) = Setup(DomainKind.Identity, DmaDebugMode.Collect);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);
        nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice); // wrong direction for the live mapping

        DmaViolation mismatch = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.LengthOrDirectionMismatch, mismatch.RuleId);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }
}
