namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// Device-writable streaming mappings that share a CPU cache line (dma-debug's "cacheline tracking
/// EEXIST", double mappings included) are an ownership conflict: DMA005, reported before anything is
/// mapped. A device writing into a ToDevice mapping is a direction error: DMA004, in every domain.
/// </summary>
public sealed class OverlapAndDirectionTests
{
    private const int Page = PhysicalMemory.PageSize;

    private static (Machine Machine, Device Nic, KBuffer Buffer) Setup(DomainKind kind = DomainKind.Translated, DmaDebugMode mode = DmaDebugMode.Collect)
    {
        Machine machine = Machines.With(kind, debug: mode);
        Device nic = machine.AddDevice(Machines.Nic);
        return (machine, nic, machine.Buffer(new byte[2 * Page]));
    }

    [Theory]
    [InlineData(DmaDirection.FromDevice, DmaDirection.FromDevice)]
    [InlineData(DmaDirection.Bidirectional, DmaDirection.FromDevice)]
    [InlineData(DmaDirection.FromDevice, DmaDirection.Bidirectional)]
    public void TwoDeviceWritableMappingsInOneCacheLine_AreDMA005(DmaDirection first, DmaDirection second)
    {
        var (machine, nic, buffer) = Setup();
        nic.MapChecked(buffer, 0, 32, first);

        nic.MapChecked(buffer, 32, 32, second);

        DmaViolation overlap = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.CpuAccessWhileDeviceOwned, overlap.RuleId);
        Assert.Contains("cache line", overlap.Message);
        Assert.Contains(nameof(Machines.MapChecked), overlap.MappedAt); // where the second mapping was made
    }

    [Theory]
    [InlineData(DmaDirection.ToDevice, DmaDirection.ToDevice)]
    [InlineData(DmaDirection.ToDevice, DmaDirection.FromDevice)]
    [InlineData(DmaDirection.FromDevice, DmaDirection.ToDevice)]
    public void ALineSharedWithAToDeviceMapping_IsFine(DmaDirection first, DmaDirection second)
    {
        // virtio-blk's request: a header the device reads next to a status byte it writes.
        var (machine, nic, buffer) = Setup();
        nic.MapChecked(buffer, 0, 16, first);

        nic.MapChecked(buffer, 16, 1, second);

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void AdjacentCacheLines_DoNotOverlap()
    {
        var (machine, nic, buffer) = Setup();
        nic.MapChecked(buffer, 0, 64, DmaDirection.FromDevice);

        nic.MapChecked(buffer, 64, 64, DmaDirection.FromDevice);

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void TheSameMemoryMappedTwiceForTheDevice_IsADoubleMapping()
    {
        var (machine, nic, buffer) = Setup(DomainKind.Identity);
        nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        Assert.Contains("double mapping", Assert.Single(machine.Debug.Violations).Message);
    }

    [Fact]
    public void OverlapWithAnotherDevicesMapping_IsReported_NamingThatDevice()
    {
        var (machine, nic, buffer) = Setup();
        Device disk = machine.AddDevice(Machines.Disk);
        nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);

        disk.MapChecked(buffer, 64, 100, DmaDirection.FromDevice);

        DmaViolation overlap = Assert.Single(machine.Debug.Violations);
        Assert.Equal(Machines.Disk, overlap.Device);
        Assert.Contains(Machines.Nic.ToString(), overlap.Message);
    }

    [Fact]
    public void AfterTheFirstMappingIsGone_TheLineCanBeMappedAgain()
    {
        var (machine, nic, buffer) = Setup();
        DmaAddr first = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        nic.Dma.UnmapSingle(first, 100, DmaDirection.FromDevice);

        DmaAddr again = nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        nic.Dma.UnmapSingle(again, 100, DmaDirection.FromDevice);
        machine.RemoveDevice(nic);

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void AnOverlappingMap_InThrowMode_ThrowsBeforeAnythingIsMapped()
    {
        var (machine, nic, buffer) = Setup(mode: DmaDebugMode.Throw);
        nic.MapChecked(buffer, 0, 100, DmaDirection.FromDevice);
        long maps = nic.Dma.Maps;

        Assert.Throws<DmaDebugException>(() => nic.Dma.MapSingle(buffer, 96, 100, DmaDirection.FromDevice));

        Assert.Equal(maps, nic.Dma.Maps);
        Assert.Equal(1, machine.Debug.LiveMappings(Machines.Nic));
        Assert.Equal(1, nic.Domain!.PresentPages);
    }

    [Fact]
    public void ScatterGatherSegmentsSharingADeviceWrittenLine_AreReported()
    {
        var (machine, nic, buffer) = Setup();
        var list = new ScatterList(2);
        list.Add(buffer, 0, 40);
        list.Add(buffer, 40, 40);

        nic.Dma.MapSg(list, DmaDirection.FromDevice);

        Assert.Contains("share a cache line", Assert.Single(machine.Debug.Violations).Message);
    }

    [Fact]
    public void AScatterGatherListsMemory_ConflictsWithALaterSingleMapping()
    {
        var (machine, nic, buffer) = Setup();
        var list = new ScatterList(2);
        list.Add(buffer, 0, 64);
        list.Add(buffer, Page, 64);
        nic.Dma.MapSg(list, DmaDirection.FromDevice);

        nic.MapChecked(buffer, Page + 32, 8, DmaDirection.FromDevice); // the second CPU segment's line

        Assert.Single(machine.Debug.Violations);
        nic.Dma.UnmapSg(list, DmaDirection.FromDevice);
    }

    [Theory]
    [InlineData(DomainKind.Identity, true)]
    [InlineData(DomainKind.Translated, false)]
    public void ADeviceWritingIntoAToDeviceMapping_IsDMA004_InEveryDomain(DomainKind kind, bool writeLands)
    {
        var (machine, nic, buffer) = Setup(kind);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        bool wrote = nic.Bus.TryWrite(address, new byte[8]);
        nic.Bus.TryWrite(address, new byte[8]); // reported once per mapping

        Assert.Equal(writeLands, wrote); // identity lets it through; the translated domain's read-only entry faults
        DmaViolation violation = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.LengthOrDirectionMismatch, violation.RuleId);
        Assert.Contains("ToDevice mapping", violation.Message);
        Assert.Equal(address, violation.Address);
    }

    [Fact]
    public void ADeviceWritingIntoAToDeviceMapping_IsReported_WithoutAnIommu()
    {
        Machine machine = Machines.WithoutIommu(DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);

        Assert.True(nic.Bus.TryWrite(address, new byte[8]));

        Assert.Equal(RuleIds.LengthOrDirectionMismatch, Assert.Single(machine.Debug.Violations).RuleId);
    }

    [Fact]
    public void ADeviceReadingAToDeviceMapping_AndWritingAFromDeviceOne_IsFine()
    {
        var (machine, nic, buffer) = Setup(DomainKind.Identity);
        DmaAddr request = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        DmaAddr reply = nic.MapChecked(buffer, Page, 100, DmaDirection.FromDevice);

        nic.DeviceRead(request, 100);
        nic.Bus.TryWrite(reply, new byte[100]);

        Assert.Empty(machine.Debug.Violations);
    }
}
