namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// Releasing memory with another function than the one its map needs (dma-debug's "frees DMA memory
/// with wrong function") is a release that does not match its map: DMA004. Nothing is released, so
/// the right release still works, and if it never comes the mapping is a DMA002 leak at unbind.
/// (The reverse — a single mapping given to <see cref="DmaApi.UnmapSg"/> or <see cref="DmaApi.FreeCoherent"/> —
/// cannot be written: those take the <see cref="ScatterList"/> or <see cref="CoherentBuffer"/> itself.)
/// </summary>
public sealed class WrongFunctionReleaseTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void CoherentBufferReleasedWithUnmapSingle_IsDMA004_AndReleasesNothing(DomainKind kind)
    {
        Machine machine = Machines.With(kind, debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(Page);
        long present = nic.Domain!.PresentPages;

        nic.Dma.UnmapSingle(ring.DmaAddress, Page, DmaDirection.Bidirectional);

        DmaViolation wrong = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.LengthOrDirectionMismatch, wrong.RuleId);
        Assert.Contains("wrong function", wrong.Message);
        Assert.Contains("FreeCoherent", wrong.Message);
        Assert.False(ring.IsFreed);
        Assert.Equal(present, nic.Domain.PresentPages);       // the IOMMU mapping is intact
        Assert.NotNull(nic.DeviceRead(ring.DmaAddress, 16));  // and the device still reaches the ring
        nic.Dma.FreeCoherent(ring);                           // the right release still works
        Assert.Single(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void CoherentBufferOnlyEverReleasedWithUnmapSingle_IsALeakAtUnbind_NotSilent()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(64);
        nic.Dma.UnmapSingle(ring.DmaAddress, 64, DmaDirection.Bidirectional);

        nic.UnbindDriver();

        Assert.Equal([RuleIds.LengthOrDirectionMismatch, RuleIds.Leak], machine.Debug.Violations.Select(v => v.RuleId));
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void ScatterGatherSegmentReleasedWithUnmapSingle_IsDMA004_AndTheListStaysMapped(DomainKind kind)
    {
        Machine machine = Machines.With(kind, debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        var list = new ScatterList(1);
        list.Add(buffer, 0, 512);
        Assert.Equal(1, nic.Dma.MapSg(list, DmaDirection.ToDevice));

        nic.Dma.UnmapSingle(list.DmaAddress(0), 512, DmaDirection.ToDevice);

        long present = nic.Domain!.PresentPages;
        Assert.Contains("scatter-gather segment", Assert.Single(machine.Debug.Violations).Message);
        Assert.Equal(kind == DomainKind.Translated ? 1 : 0, present); // not torn down behind the list's back
        Assert.NotNull(nic.DeviceRead(list.DmaAddress(0), 512));
        nic.Dma.UnmapSg(list, DmaDirection.ToDevice);
        Assert.Single(machine.Debug.Violations);
        Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic));
    }

    [Fact]
    public void WrongFunctionRelease_InThrowMode_ThrowsAndChangesNothing()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Throw);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(64);

        Assert.Throws<DmaDebugException>(() => nic.Dma.UnmapSingle(ring.DmaAddress, 64, DmaDirection.Bidirectional));

        Assert.Equal(1, machine.Debug.LiveMappings(Machines.Nic));
        nic.Dma.FreeCoherent(ring);
        Assert.Equal(0, nic.Domain!.PresentPages);
    }
}
