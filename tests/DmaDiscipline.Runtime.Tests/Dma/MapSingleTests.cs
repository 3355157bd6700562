namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>
/// Streaming map/unmap: the driver makes the same calls on every platform and cannot tell whether it
/// got a physical address, an IOVA or a bounce slot; the device reaches exactly the mapped bytes.
/// </summary>
public sealed class MapSingleTests
{
    private const int Page = PhysicalMemory.PageSize;

    public static TheoryData<string> Platforms => new() { "no-iommu", "identity", "translated-strict", "translated-lazy", "confidential" };

    internal static Machine Platform(string name, DmaDebugMode debug = DmaDebugMode.Off) => name switch
    {
        "no-iommu" => Machines.WithoutIommu(debug),
        "identity" => Machines.With(DomainKind.Identity, debug: debug),
        "translated-strict" => Machines.With(DomainKind.Translated, InvalidationMode.Strict, debug),
        "translated-lazy" => Machines.With(DomainKind.Translated, InvalidationMode.Lazy, debug),
        "confidential" => Machines.Confidential(debug),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Platforms))]
    public void SameDriverCalls_MoveTheRightBytesBothWays_OnEveryPlatform(string platform)
    {
        Machine machine = Platform(platform, DmaDebugMode.Throw);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer tx = machine.Buffer(Machines.Pattern(3000, 1));
        KBuffer rx = machine.Memory.Allocate(3000);

        // The "driver": map, check, let the device work, unmap. Identical on every platform.
        DmaAddr txAddress = nic.Dma.MapSingle(tx, 0, 3000, DmaDirection.ToDevice);
        Assert.False(nic.Dma.MappingError(txAddress));
        DmaAddr rxAddress = nic.Dma.MapSingle(rx, 0, 3000, DmaDirection.FromDevice);
        Assert.False(nic.Dma.MappingError(rxAddress));

        // The "device": copy tx to rx, as a loopback NIC would.
        var wire = new byte[3000];
        Assert.True(nic.Bus.TryRead(txAddress, wire));
        Assert.True(nic.Bus.TryWrite(rxAddress, wire));

        nic.Dma.UnmapSingle(txAddress, 3000, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(rxAddress, 3000, DmaDirection.FromDevice);
        Assert.Equal(Machines.Pattern(3000, 1), rx.Span.ToArray());
        Assert.Equal(0, machine.Faults.Count);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void WithoutAnIommu_TheBusAddressIsThePhysicalAddress()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);

        DmaAddr address = nic.MapChecked(buffer, 40, 60, DmaDirection.ToDevice);

        Assert.Equal(DmaPath.Direct, nic.Dma.Path);
        Assert.Equal(buffer.PhysicalAddress.Value + 40, address.Value);
    }

    [Fact]
    public void TranslatedMapping_GivesTheDeviceOnlyTheDirectionsPermission()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[3 * Page]);

        DmaAddr toDevice = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        DmaAddr fromDevice = nic.MapChecked(buffer, Page, Page, DmaDirection.FromDevice);
        DmaAddr both = nic.MapChecked(buffer, 2 * Page, Page, DmaDirection.Bidirectional);

        Assert.True(nic.Domain!.TryTranslate(toDevice.Value, DmaAccess.Read, out _, out _));
        Assert.False(nic.Domain.TryTranslate(toDevice.Value, DmaAccess.Write, out _, out _));
        Assert.False(nic.Domain.TryTranslate(fromDevice.Value, DmaAccess.Read, out _, out _));
        Assert.True(nic.Domain.TryTranslate(fromDevice.Value, DmaAccess.Write, out _, out _));
        Assert.True(nic.Domain.TryTranslate(both.Value, DmaAccess.Read, out _, out _));
        Assert.True(nic.Domain.TryTranslate(both.Value, DmaAccess.Write, out _, out _));
    }

    [Fact]
    public void TranslatedMapping_CoversExactlyThePagesOfTheRange()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[4 * Page]);

        // 2 bytes straddling the first page boundary: two pages, no more.
        DmaAddr address = nic.MapChecked(buffer, Page - 1, 2, DmaDirection.ToDevice);

        Assert.Equal(2, nic.Domain!.PresentPages);
        Assert.True(nic.Domain.IsMapped(address.Value));
        Assert.True(nic.Domain.IsMapped(address.Value + 1));
        nic.Dma.UnmapSingle(address, 2, DmaDirection.ToDevice);
        Assert.Equal(0, nic.Domain.PresentPages);
    }

    [Fact]
    public void TranslatedMapping_ReachesBuffersAboveFourGiB_WithA32BitMask()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(Machines.Pattern(Page, 4), MemoryPlacement.Above4G);

        DmaAddr address = nic.MapChecked(high, 0, Page, DmaDirection.ToDevice);

        Assert.True(address.Value + Page - 1 <= uint.MaxValue);
        Assert.Equal(Machines.Pattern(Page, 4), nic.DeviceRead(address, Page));
        Assert.Equal(0, machine.Swiotlb!.BouncedBytes); // the IOMMU, not bouncing, made it reachable
    }

    [Fact]
    public void IovaSpaceBelowTheMask_Exhausted_IsAMappingError_NotAnException()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = (1UL << 24) - 1 });
        KBuffer buffer = machine.Buffer(new byte[Page]);
        var live = new List<DmaAddr>();

        DmaAddr address;
        while (!nic.Dma.MappingError(address = nic.Dma.MapSingle(buffer, 0, Page, DmaDirection.ToDevice)))
        {
            live.Add(address);
        }

        Assert.Equal(4095, live.Count); // 16 MiB of IOVA space less frame 0
        Assert.Equal(1, nic.Dma.MappingFailures);
        nic.Dma.UnmapSingle(live[0], Page, DmaDirection.ToDevice);
        Assert.False(nic.Dma.MappingError(nic.Dma.MapSingle(buffer, 0, Page, DmaDirection.ToDevice)));
    }

    [Fact]
    public void WithDebuggingOff_AnUnmapNamingNoLiveMapping_IsRefusedWithAnException()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(new DmaAddr(0x1234_5000), 100, DmaDirection.ToDevice));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ASyncAfterUnmap_IsRefusedWithDebuggingOff_AndDma006WithItOn_OnEveryPlatform(string platform)
    {
        // The DMA layer keeps its own record of live mappings, so the documented refusal holds on the
        // IOMMU and direct paths too, where the sync itself would move no data (once a silent no-op).
        foreach (DmaDebugMode mode in new[] { DmaDebugMode.Off, DmaDebugMode.Collect })
        {
            Machine machine = Platform(platform, mode);
            Device nic = machine.AddDevice(Machines.Nic);
            KBuffer buffer = machine.Buffer(new byte[Page]);
            DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.ToDevice);
            nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice);

            if (mode == DmaDebugMode.Off)
            {
                Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(address, 100, DmaDirection.ToDevice));
                Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForDevice(address, 100, DmaDirection.ToDevice));
                Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice));
            }
            else
            {
                nic.Dma.SyncForCpu(address, 100, DmaDirection.ToDevice);
                Assert.Equal([RuleIds.UseAfterUnmap], machine.Debug.Violations.Select(v => v.RuleId));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ASyncOrUnmapOutsideEveryLiveMapping_IsRefusedWithDebuggingOff_OnEveryPlatform(string platform)
    {
        Machine machine = Platform(platform);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 100, DmaDirection.Bidirectional);

        // Past the end, before the start, a forged address, and a sync that starts inside but runs past the end.
        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(new DmaAddr(address.Value + 100), 1, DmaDirection.Bidirectional));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(new DmaAddr(address.Value - 1), 1, DmaDirection.Bidirectional));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForDevice(new DmaAddr(0x7_0000_0000), 8, DmaDirection.Bidirectional));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.SyncForCpu(new DmaAddr(address.Value + 50), 51, DmaDirection.Bidirectional));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(new DmaAddr(address.Value + 1), 99, DmaDirection.Bidirectional));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(new DmaAddr(0x7_0000_0000), 100, DmaDirection.Bidirectional));

        // The refusals changed nothing: the mapping is still live and releases normally.
        nic.Dma.SyncForCpu(new DmaAddr(address.Value + 50), 50, DmaDirection.Bidirectional);
        nic.Dma.SyncForDevice(address, 100, DmaDirection.Bidirectional);
        nic.Dma.UnmapSingle(address, 100, DmaDirection.Bidirectional);
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.Bidirectional));
    }

    [Fact]
    public void UnmapWithADifferentPageCount_IsRefused_AndTheMappingStaysLive()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, 2 * Page, DmaDirection.ToDevice);

        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(address, 100, DmaDirection.ToDevice));

        Assert.Equal(2, nic.Domain!.PresentPages);
        Assert.NotNull(nic.DeviceRead(address, 2 * Page));
    }

    [Fact]
    public void UsingTheErrorAddress_WithDebuggingOff_Throws()
    {
        Machine machine = Machines.WithoutIommu(bouncePool: 0);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { DmaMask = uint.MaxValue });
        KBuffer high = machine.Buffer(new byte[64], MemoryPlacement.Above4G);
        DmaAddr failed = nic.Dma.MapSingle(high, 0, 64, DmaDirection.ToDevice);

        Assert.True(nic.Dma.MappingError(failed));
        Assert.Throws<InvalidOperationException>(() => nic.Dma.UnmapSingle(failed, 64, DmaDirection.ToDevice));
    }

    [Fact]
    public void MapSingle_RejectsBadArguments()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[100]);
        KBuffer freed = machine.Buffer(new byte[100]);
        machine.Memory.Free(freed);

        Assert.Throws<ArgumentException>(() => nic.Dma.MapSingle(buffer, 0, 10, DmaDirection.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => nic.Dma.MapSingle(buffer, 95, 10, DmaDirection.ToDevice));
        Assert.Throws<ArgumentOutOfRangeException>(() => nic.Dma.MapSingle(buffer, -1, 10, DmaDirection.ToDevice));
        Assert.Throws<ArgumentOutOfRangeException>(() => nic.Dma.MapSingle(buffer, 0, 0, DmaDirection.ToDevice));
        Assert.Throws<ObjectDisposedException>(() => nic.Dma.MapSingle(freed, 0, 10, DmaDirection.ToDevice));
        Assert.Throws<ArgumentNullException>(() => nic.Dma.MapSingle(null!, 0, 10, DmaDirection.ToDevice));
        Assert.Equal(0, nic.Domain!.PresentPages);
    }

    [Theory]
    [InlineData(0UL, false)]
    [InlineData((1UL << 23) - 1, false)]
    [InlineData((1UL << 32) - 2, false)]
    [InlineData((1UL << 24) - 1, true)]
    [InlineData((1UL << 32) - 1, true)]
    [InlineData(ulong.MaxValue, true)]
    public void SetMaskAndCoherent_AcceptsOnlyMasksOfTheForm2PowNMinus1FromBits24To64(ulong mask, bool accepted)
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Equal(accepted, nic.Dma.SetMaskAndCoherent(mask));
        Assert.Equal(accepted ? mask : ulong.MaxValue, nic.Dma.DmaMask);
        Assert.Equal(nic.Dma.DmaMask, nic.Dma.CoherentMask);
    }
}
