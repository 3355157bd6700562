namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// The debug layer checks a release or sync under its device's lock, lets the DMA layer act with no
/// debug lock held, then completes it under the lock again. Here a second thread's call is stepped
/// by hand into that gap (the same check and complete calls the DMA API makes), so each interleaving
/// is tested every run rather than when the scheduler happens to produce it: a second release of a
/// mapping whose release is in flight is a double unmap; a release the DMA layer refused leaves the
/// mapping releasable; a sync whose mapping was unmapped or whose device was removed meanwhile passes
/// no ownership, and is reported when the DMA layer refused it.
/// </summary>
public sealed class InterleavedCallTests
{
    private const int Length = 256;

    private static (Machine Machine, Device Nic, KBuffer Buffer) Setup(DomainKind kind = DomainKind.Translated)
    {
        Machine machine = Machines.With(kind, debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        return (machine, nic, machine.Memory.Allocate(PhysicalMemory.PageSize));
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void ASecondRelease_CheckedWhileTheFirstIsInFlight_IsADoubleUnmap_AndNeverReachesTheDmaLayer(DomainKind kind)
    {
        var (machine, nic, buffer) = Setup(kind);
        DmaAddr address = nic.MapChecked(buffer, 0, Length, DmaDirection.ToDevice);
        DmaDebugVerdict first = machine.Debug.CheckRelease(nic.Id, MappingKind.Single, address.Value, Length, DmaDirection.ToDevice);

        DmaDebugVerdict second = machine.Debug.CheckRelease(nic.Id, MappingKind.Single, address.Value, Length, DmaDirection.ToDevice);

        Assert.True(first.Proceed);
        Assert.False(second.Proceed);
        DmaViolation report = Assert.Single(second.Violations!);
        Assert.Equal(RuleIds.UseAfterUnmap, report.RuleId);
        Assert.Contains("another thread is releasing", report.Message);
        machine.Debug.CompleteRelease(first, refused: false);
        machine.Debug.CompleteRelease(second, refused: true);
        Assert.Equal(0, machine.Debug.LiveMappings(nic.Id));
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void AReleaseTheDmaLayerRefused_DropsItsClaim_SoTheMappingCanStillBeReleased()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, Length, DmaDirection.ToDevice);
        DmaDebugVerdict refused = machine.Debug.CheckRelease(nic.Id, MappingKind.Single, address.Value, Length, DmaDirection.ToDevice);
        machine.Debug.CompleteRelease(refused, refused: true);

        nic.Dma.UnmapSingle(address, Length, DmaDirection.ToDevice);

        Assert.Empty(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(nic.Id));
        machine.Memory.Free(buffer);
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void ASyncWhoseMappingWasUnmappedMeanwhile_AndThatTheDmaLayerRefused_IsReported_AndPassesNoOwnership(DomainKind kind)
    {
        var (machine, nic, buffer) = Setup(kind);
        DmaAddr address = nic.MapChecked(buffer, 0, Length, DmaDirection.FromDevice);
        nic.Dma.SyncForCpu(address, Length, DmaDirection.FromDevice);
        DmaDebugVerdict sync = machine.Debug.CheckSync(nic.Id, address.Value, Length, DmaDirection.FromDevice, forCpu: false);

        nic.Dma.UnmapSingle(address, Length, DmaDirection.FromDevice); // the other thread
        machine.Debug.CompleteSync(sync, forCpu: false, refused: true);

        DmaViolation report = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.UseAfterUnmap, report.RuleId);
        Assert.Contains("unmapped during the call", report.Message);
        buffer.Span[0] = 1; // the CPU owns the unmapped buffer: no DMA005
        Assert.Single(machine.Debug.Violations);
    }

    [Fact]
    public void ASyncThatLandedBeforeTheUnmap_IsNotReported_AndPassesNoOwnershipToAMappingThatIsGone()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, Length, DmaDirection.FromDevice);
        nic.Dma.SyncForCpu(address, Length, DmaDirection.FromDevice);
        DmaDebugVerdict sync = machine.Debug.CheckSync(nic.Id, address.Value, Length, DmaDirection.FromDevice, forCpu: false);

        nic.Dma.UnmapSingle(address, Length, DmaDirection.FromDevice);
        machine.Debug.CompleteSync(sync, forCpu: false, refused: false);

        buffer.Span[0] = 1;
        Assert.Empty(machine.Debug.Violations);
        machine.Memory.Free(buffer);
    }

    [Fact]
    public void CallsWhoseDeviceWasRemovedMeanwhile_CompleteWithoutEffect_AndPassNoOwnership()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr address = nic.MapChecked(buffer, 0, Length, DmaDirection.FromDevice);
        nic.Dma.SyncForCpu(address, Length, DmaDirection.FromDevice);
        DmaDebugVerdict sync = machine.Debug.CheckSync(nic.Id, address.Value, Length, DmaDirection.FromDevice, forCpu: false);
        DmaDebugVerdict release = machine.Debug.CheckRelease(nic.Id, MappingKind.Single, address.Value, Length, DmaDirection.FromDevice);

        machine.RemoveDevice(nic); // the leak is reported (DMA002) and the device's tables are dropped
        machine.Debug.CompleteSync(sync, forCpu: false, refused: false);
        machine.Debug.CompleteRelease(release, refused: false);

        buffer.Span[0] = 1; // no device owns the buffer: no DMA005
        DmaViolation leak = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.Leak, leak.RuleId);
        Device again = machine.AddDevice(Machines.Nic); // same id: starts with clean tables
        Assert.Equal(0, machine.Debug.LiveMappings(again.Id));
    }
}
