using DmaDiscipline.Runtime.Tests.Dma;

namespace DmaDiscipline.Runtime.Tests.Isolation;

/// <summary>
/// A coherent buffer or a scatter-gather segment given to <see cref="DmaApi.UnmapSingle"/> (dma-debug's
/// "frees DMA memory with wrong function") with the debug layer off: the DMA layer's own record of
/// live mappings knows how each was made, so the call is refused with an
/// <see cref="InvalidOperationException"/> on every path — on the IOMMU path too, where the page
/// table alone would let it tear the mapping down — and nothing is released: the device still
/// reaches the memory, and the right release still works. (With the debug layer on it is DMA004:
/// see the Debug tests of the same name.)
/// </summary>
public sealed class WrongFunctionReleaseTests
{
    private const int Page = PhysicalMemory.PageSize;

    public static TheoryData<string> Platforms => MapSingleTests.Platforms;

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ACoherentBufferGivenToUnmapSingle_IsRefused_AndReleasesNothing(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(Page);
        Machines.Pattern(64, 9).CopyTo(ring.Span);
        long present = nic.Domain?.PresentPages ?? 0;

        var refused = Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(ring.DmaAddress, Page, DmaDirection.Bidirectional));

        Assert.Contains("refused", refused.Message);
        Assert.False(ring.IsFreed);
        Assert.Equal(present, nic.Domain?.PresentPages ?? 0);
        Assert.Equal(Machines.Pattern(64, 9), nic.DeviceRead(ring.DmaAddress, 64));
        nic.Dma.FreeCoherent(ring);
        Assert.Equal(0, nic.Domain?.PresentPages ?? 0);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AScatterGatherSegmentGivenToUnmapSingle_IsRefused_AndReleasesNothing(string platform)
    {
        Machine machine = MapSingleTests.Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer first = machine.Buffer(Machines.Pattern(Page, 1));
        KBuffer second = machine.Buffer(Machines.Pattern(Page, 2));
        var list = new ScatterList(2);
        list.Add(first, 0, 1000);
        list.Add(second, 0, 1000);
        int count = nic.Dma.MapSg(list, DmaDirection.ToDevice);
        Assert.NotEqual(0, count);
        long present = nic.Domain?.PresentPages ?? 0;

        for (int i = 0; i < count; i++)
        {
            int segment = i;
            Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(list.DmaAddress(segment), list.DmaLength(segment), DmaDirection.ToDevice));
        }

        Assert.Equal(present, nic.Domain?.PresentPages ?? 0);
        Assert.Equal(Machines.Pattern(1000, 1), nic.DeviceRead(list.DmaAddress(0), 1000));
        Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(first)); // still pinned by the list's mapping
        nic.Dma.UnmapSg(list, DmaDirection.ToDevice);
        Assert.Equal(0, nic.Domain?.PresentPages ?? 0);
        machine.Memory.Free(first);
        machine.Memory.Free(second);
    }
}
