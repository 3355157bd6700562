namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>
/// Scatter-gather: a translated domain maps the whole list into one contiguous IOVA range (merging
/// segments that meet at page boundaries); identity maps segment by segment; failure maps nothing.
/// </summary>
public sealed class ScatterGatherTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void Translated_WholePageSegments_MergeIntoOneContiguousDmaSegment()
    {
        Machine machine = Machines.With();
        Device disk = machine.AddDevice(Machines.Disk);
        var list = new ScatterList(16);
        var expected = new List<byte>();
        for (int i = 0; i < 16; i++)
        {
            byte[] bytes = Machines.Pattern(Page, (byte)i);
            list.Add(machine.Buffer(bytes), 0, Page);
            expected.AddRange(bytes);
        }

        int count = disk.Dma.MapSg(list, DmaDirection.ToDevice);

        Assert.Equal(1, count);
        Assert.Equal(16 * Page, list.DmaLength(0));
        Assert.Equal(expected.ToArray(), disk.DeviceRead(list.DmaAddress(0), 16 * Page));
        disk.Dma.UnmapSg(list, DmaDirection.ToDevice);
        Assert.Equal(0, disk.Domain!.PresentPages);
        Assert.Equal(0, list.MappedCount);
    }

    [Fact]
    public void Translated_SegmentsWithOffsets_GetOneIovaRange_AndKeepTheirOffsets()
    {
        Machine machine = Machines.With();
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer a = machine.Buffer(Machines.Pattern(Page, 1));
        KBuffer b = machine.Buffer(Machines.Pattern(Page, 2));
        var list = new ScatterList(2);
        list.Add(a, 100, 200);
        list.Add(b, 300, 50);

        int count = disk.Dma.MapSg(list, DmaDirection.ToDevice);

        Assert.Equal(2, count);
        Assert.Equal(100UL, list.DmaAddress(0).Value & PhysicalMemory.PageMask);
        Assert.Equal(300UL, list.DmaAddress(1).Value & PhysicalMemory.PageMask);
        Assert.Equal((list.DmaAddress(0).Value >> PhysicalMemory.PageShift) + 1, list.DmaAddress(1).Value >> PhysicalMemory.PageShift);
        Assert.Equal(Machines.Pattern(Page, 1)[100..300], disk.DeviceRead(list.DmaAddress(0), 200));
        Assert.Equal(Machines.Pattern(Page, 2)[300..350], disk.DeviceRead(list.DmaAddress(1), 50));
    }

    [Fact]
    public void Identity_MapsEachSegmentAtItsPhysicalAddress()
    {
        Machine machine = Machines.WithoutIommu();
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer a = machine.Buffer(new byte[Page]);
        KBuffer b = machine.Buffer(new byte[Page]);
        var list = new ScatterList(4);
        list.Add(a, 0, Page);
        list.Add(b, 10, 20);

        Assert.Equal(2, disk.Dma.MapSg(list, DmaDirection.FromDevice));

        Assert.Equal(a.PhysicalAddress.Value, list.DmaAddress(0).Value);
        Assert.Equal(b.PhysicalAddress.Value + 10, list.DmaAddress(1).Value);
        Assert.Equal(20, list.DmaLength(1));
    }

    [Fact]
    public void Bounced_FromDeviceList_ArrivesInEachBufferAfterSync()
    {
        Machine machine = Machines.Confidential();
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer a = machine.Buffer(new byte[300]);
        KBuffer b = machine.Buffer(new byte[300]);
        var list = new ScatterList(2);
        list.Add(a, 0, 300);
        list.Add(b, 0, 300);
        Assert.Equal(2, disk.Dma.MapSg(list, DmaDirection.FromDevice));
        disk.Bus.TryWrite(list.DmaAddress(0), Machines.Pattern(300, 1));
        disk.Bus.TryWrite(list.DmaAddress(1), Machines.Pattern(300, 2));

        disk.Dma.SyncSgForCpu(list, DmaDirection.FromDevice);

        Assert.Equal(Machines.Pattern(300, 1), a.Span.ToArray());
        Assert.Equal(Machines.Pattern(300, 2), b.Span.ToArray());
    }

    [Fact]
    public void FailureInTheMiddleOfAList_ReturnsZero_AndLeavesNothingMapped()
    {
        Machine machine = Machines.Confidential(bouncePool: 2 * Swiotlb.SlotSize);
        Device disk = machine.AddDevice(Machines.Disk);
        var list = new ScatterList(3);
        for (int i = 0; i < 3; i++)
        {
            list.Add(machine.Buffer(new byte[Swiotlb.SlotSize]), 0, Swiotlb.SlotSize);
        }

        Assert.Equal(0, disk.Dma.MapSg(list, DmaDirection.ToDevice));

        Assert.Equal(0, list.MappedCount);
        Assert.Equal(2, machine.Swiotlb!.SlotsFree);
        Assert.Equal(1, disk.Dma.MappingFailures);
    }

    [Fact]
    public void Translated_IovaExhaustion_ReturnsZero_AndLeavesNoPageMapped()
    {
        Machine machine = Machines.With();
        Device disk = machine.AddDevice(Machines.Disk, new DeviceOptions { DmaMask = (1UL << 24) - 1 });
        KBuffer big = machine.Buffer(new byte[PhysicalMemory.MaxAllocation]);
        var list = new ScatterList(8);
        for (int i = 0; i < 5; i++)
        {
            list.Add(big, 0, PhysicalMemory.MaxAllocation); // 5 × 4 MiB > 16 MiB of IOVA space
        }

        Assert.Equal(0, disk.Dma.MapSg(list, DmaDirection.ToDevice));
        Assert.Equal(0, disk.Domain!.PresentPages);
    }

    [Fact]
    public void MappedList_CannotBeChangedOrMappedAgain_UntilUnmapped()
    {
        Machine machine = Machines.With();
        Device disk = machine.AddDevice(Machines.Disk);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        var list = new ScatterList(4);
        list.Add(buffer, 0, 10);
        disk.Dma.MapSg(list, DmaDirection.ToDevice);

        Assert.Throws<InvalidOperationException>(() => list.Add(buffer, 10, 10));
        Assert.Throws<InvalidOperationException>(() => list.Clear());
        Assert.Throws<InvalidOperationException>(() => disk.Dma.MapSg(list, DmaDirection.ToDevice));

        disk.Dma.UnmapSg(list, DmaDirection.ToDevice);
        Assert.Throws<InvalidOperationException>(() => disk.Dma.UnmapSg(list, DmaDirection.ToDevice));
        list.Clear();
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void List_RejectsSegmentsOutsideTheirBuffer_AndOverflow()
    {
        Machine machine = Machines.With();
        KBuffer buffer = machine.Buffer(new byte[100]);
        var list = new ScatterList(1);

        Assert.Throws<ArgumentOutOfRangeException>(() => list.Add(buffer, 90, 20));
        list.Add(buffer, 0, 100);
        Assert.Throws<InvalidOperationException>(() => list.Add(buffer, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => list.DmaAddress(0));
        Assert.Equal(100, list.TotalLength);
    }
    [Fact]
    public void UnmapSgThroughAnotherDevice_IsRefused_AndTearsDownNeitherDevicesMapping()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        var nicList = new ScatterList(1);
        nicList.Add(machine.Buffer(Machines.Pattern(Page, 1)), 0, Page);
        var diskList = new ScatterList(1);
        diskList.Add(machine.Buffer(Machines.Pattern(Page, 2)), 0, Page);
        nic.Dma.MapSg(nicList, DmaDirection.ToDevice);
        disk.Dma.MapSg(diskList, DmaDirection.ToDevice);
        Assert.Equal(nicList.DmaAddress(0), diskList.DmaAddress(0)); // fresh domains allocate the same IOVA

        Assert.Throws<ArgumentException>(() => nic.Dma.UnmapSg(diskList, DmaDirection.ToDevice));

        Assert.Equal(Machines.Pattern(Page, 1), nic.DeviceRead(nicList.DmaAddress(0), Page));
        Assert.Equal(Machines.Pattern(Page, 2), disk.DeviceRead(diskList.DmaAddress(0), Page));
        Assert.Equal(1, diskList.MappedCount);
        disk.Dma.UnmapSg(diskList, DmaDirection.ToDevice);
        Assert.Equal(0, disk.Domain!.PresentPages);
    }
}
