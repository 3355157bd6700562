using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using static DmaDiscipline.Runtime.Tests.Hostile.Hostile;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// A driver that lies to the DMA API, the IOMMU and VFIO through their public members: addresses
/// that wrap the bus, lengths past everything, objects that were freed, removed or belong to another
/// machine, and the platform's own allocators poked from outside. Each lie is refused clearly and
/// leaves the machine whole.
/// </summary>
public sealed class DmaApiAttackTests
{
    private const int Page = PhysicalMemory.PageSize;

    public static TheoryData<string> Platforms() => new() { "strict", "lazy", "identity", "no-iommu", "confidential", "dma32-bounce" };

    private static (Machine Machine, Device Device) Platform(string platform, DmaDebugMode debug = DmaDebugMode.Off)
    {
        Machine machine = platform switch
        {
            "strict" => Machines.With(debug: debug),
            "lazy" => Machines.With(invalidation: InvalidationMode.Lazy, debug: debug),
            "identity" => Machines.With(DomainKind.Identity, debug: debug),
            "no-iommu" => Machines.WithoutIommu(debug),
            "confidential" => Machines.Confidential(debug),
            "dma32-bounce" => new Machine(new MachineOptions { IommuPresent = false, Debug = debug, BouncePoolSize = 256 << 10, Memory = new PhysicalMemoryOptions { DefaultPlacement = MemoryPlacement.Above4G } }),
            _ => throw new ArgumentOutOfRangeException(nameof(platform)),
        };
        Device device = machine.AddDevice(Machines.Nic, platform == "dma32-bounce" ? new DeviceOptions { DmaMask = uint.MaxValue } : null);
        return (machine, device);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void UnmapAndSync_OfARangeThatWrapsTheBus_AreRefused_WithDebuggingOff(string platform)
    {
        (Machine machine, Device device) = Platform(platform);
        KBuffer buffer = machine.Memory.Allocate(2 * Page);
        DmaAddr live = device.MapChecked(buffer, 0, Page, DmaDirection.FromDevice);

        foreach (ulong address in new[] { ulong.MaxValue, ulong.MaxValue - 7, ulong.MaxValue - Page + 1, live.Value + Page - 1 })
        {
            foreach (int length in new[] { 16, Page, int.MaxValue })
            {
                var at = new DmaAddr(address);
                Refuses<InvalidOperationException>(() => device.Dma.SyncForCpu(at, length, DmaDirection.FromDevice));
                Refuses<InvalidOperationException>(() => device.Dma.SyncForDevice(at, length, DmaDirection.FromDevice));
                Refuses<InvalidOperationException>(() => device.Dma.UnmapSingle(at, length, DmaDirection.FromDevice));
            }
        }

        device.Dma.UnmapSingle(live, Page, DmaDirection.FromDevice);
        machine.Memory.Free(buffer);
        StillWorks(machine, device);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void UnmapAndSync_OfARangeThatWrapsTheBus_AreReported_WithDebuggingOn(string platform)
    {
        (Machine machine, Device device) = Platform(platform, DmaDebugMode.Collect);
        KBuffer buffer = machine.Memory.Allocate(2 * Page);
        DmaAddr live = device.MapChecked(buffer, 0, Page, DmaDirection.FromDevice);
        var wrapping = new DmaAddr(live.Value + 16);

        NeverInternal(() => device.Dma.SyncForCpu(wrapping, int.MaxValue, DmaDirection.FromDevice));
        NeverInternal(() => device.Dma.SyncForCpu(new DmaAddr(ulong.MaxValue - 7), 64, DmaDirection.FromDevice));
        NeverInternal(() => device.Dma.UnmapSingle(new DmaAddr(ulong.MaxValue - 7), 64, DmaDirection.FromDevice));

        Assert.True(machine.Debug.Violations.Count >= 3, machine.Debug.Report());
        Assert.Equal(1, machine.Debug.LiveMappings(device.Id));
        device.Dma.UnmapSingle(live, Page, DmaDirection.FromDevice);
        Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
        machine.Memory.Free(buffer);
        machine.Debug.ClearViolations();
        StillWorks(machine, device);
        Assert.Empty(machine.Debug.Violations);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void ScatterGatherCalls_OnAListNotMappedOrMappedElsewhere_AreRefused(string platform)
    {
        (Machine machine, Device device) = Platform(platform);
        Device other = machine.AddDevice(Machines.Disk);
        KBuffer buffer = machine.Memory.Allocate(Page);
        var list = new ScatterList(2);
        list.Add(buffer, 0, 128);

        Refuses<InvalidOperationException>(() => device.Dma.SyncSgForCpu(list, DmaDirection.ToDevice));
        Refuses<InvalidOperationException>(() => device.Dma.SyncSgForDevice(list, DmaDirection.ToDevice));
        Refuses<InvalidOperationException>(() => device.Dma.UnmapSg(list, DmaDirection.ToDevice));
        Refuses<ArgumentNullException>(() => device.Dma.SyncSgForCpu(null!, DmaDirection.ToDevice), "list");
        Refuses<ArgumentNullException>(() => device.Dma.UnmapSg(null!, DmaDirection.ToDevice), "list");

        Assert.True(device.Dma.MapSg(list, DmaDirection.ToDevice) > 0);
        Refuses<ArgumentException>(() => other.Dma.SyncSgForCpu(list, DmaDirection.ToDevice), "list");
        Refuses<ArgumentException>(() => other.Dma.SyncSgForDevice(list, DmaDirection.ToDevice), "list");
        Refuses<ArgumentException>(() => device.Dma.SyncSgForCpu(list, (DmaDirection)17), "direction");
        Refuses<ArgumentException>(() => device.Dma.SyncSgForCpu(list, DmaDirection.None), "direction");
        Refuses<ArgumentException>(() => device.Dma.UnmapSg(list, (DmaDirection)(-3)), "direction");
        Assert.Equal(1, list.Count);

        device.Dma.UnmapSg(list, DmaDirection.ToDevice);
        Assert.Equal(0, list.MappedCount);
        list.Clear();
        machine.Memory.Free(buffer);
        StillWorks(machine, device);
        StillWorks(machine, other);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AListWhoseBufferWasFreedAfterItWasAdded_IsRefusedAtMapTime_AndNothingIsMapped(string platform)
    {
        (Machine machine, Device device) = Platform(platform);
        Held before = Held.Of(machine, device);
        KBuffer kept = machine.Memory.Allocate(Page);
        KBuffer freed = machine.Memory.Allocate(Page);
        var list = new ScatterList(2);
        list.Add(kept, 0, 256);
        list.Add(freed, 0, 256);
        machine.Memory.Free(freed);

        Refuses<ObjectDisposedException>(() => device.Dma.MapSg(list, DmaDirection.FromDevice));

        Assert.Equal(0, list.MappedCount);
        list.Clear();
        machine.Memory.Free(kept);
        Assert.Equal(before, Held.Of(machine, device));
        StillWorks(machine, device);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void RemovingADevice_ReleasesEverythingItsMappingsHeld(string platform)
    {
        (Machine machine, Device device) = Platform(platform);
        Device survivor = machine.AddDevice(Machines.Disk);
        Held before = Held.Of(machine);
        KBuffer single = machine.Memory.Allocate(3 * Page);
        KBuffer segment = machine.Memory.Allocate(Page);
        var list = new ScatterList(1);
        list.Add(segment, 0, 512);
        _ = device.MapChecked(single, 100, 2 * Page, DmaDirection.Bidirectional);
        Assert.True(device.Dma.MapSg(list, DmaDirection.ToDevice) > 0);
        _ = device.Dma.AllocCoherent(3 * Page);

        machine.RemoveDevice(device);

        // Nothing of the removed device's may still be held: its buffers are free to go, its bounce slots back in the pool.
        machine.Memory.Free(single);
        Refuses<ObjectDisposedException>(() => device.Dma.UnmapSg(list, DmaDirection.ToDevice));
        list.Clear();
        machine.Memory.Free(segment);
        Assert.Equal(before, Held.Of(machine));
        StillWorks(machine, survivor);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public void AnUnpluggedDevice_ReachesNoMemory_NotEvenWithoutAnIommu(string platform)
    {
        (Machine machine, Device device) = Platform(platform);
        CoherentBuffer ring = device.Dma.AllocCoherent(Page);
        DmaAddr address = ring.DmaAddress;
        machine.RemoveDevice(device); // frees the ring: its frames may go to a new owner
        KBuffer next = machine.Buffer(Machines.Pattern(4 * Page, 3));

        Assert.False(device.Bus.TryWrite(address, new byte[64]));
        Assert.False(device.Bus.TryWrite(new DmaAddr(next.PhysicalAddress.Value), new byte[64]));
        Assert.Null(device.DeviceRead(new DmaAddr(next.PhysicalAddress.Value), 64));

        Assert.Equal(Machines.Pattern(4 * Page, 3), next.Span.ToArray());
        machine.Memory.Free(next);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnOldHandleOfARemovedDevice_CannotReachTheMappingsOfTheDeviceNowPluggedInUnderItsId(bool ats)
    {
        // The IOMMU's context table is keyed by requester id: the old bus master must not find the new device's domain there.
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device old = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = ats });
        machine.RemoveDevice(old);
        Device current = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = ats });
        KBuffer secret = machine.Buffer(Machines.Pattern(Page, 0x42));
        DmaAddr mapped = current.MapChecked(secret, 0, Page, DmaDirection.Bidirectional);

        Assert.Null(old.DeviceRead(mapped, 64));
        Assert.False(old.Bus.TryWrite(mapped, new byte[64]));

        Assert.Equal(Machines.Pattern(Page, 0x42), current.DeviceRead(mapped, Page));
        current.Dma.UnmapSingle(mapped, Page, DmaDirection.Bidirectional);
        machine.Memory.Free(secret);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void AnOldHandleOfARemovedDevice_CannotUnbindTheDeviceNowPluggedInUnderItsId()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device old = machine.AddDevice(Machines.Nic);
        machine.RemoveDevice(old);
        Device current = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Memory.Allocate(Page);
        DmaAddr live = current.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        Refuses<ObjectDisposedException>(old.UnbindDriver);

        Assert.Empty(machine.Debug.Violations); // the new device's live mapping is no leak of the old handle's
        current.Dma.UnmapSingle(live, Page, DmaDirection.ToDevice);
        machine.Memory.Free(buffer);
    }

    [Theory]
    [InlineData(InvalidationMode.Strict)]
    [InlineData(InvalidationMode.Lazy)]
    public void RemovingADeviceOfAGroup_GivesItsIovasBackToTheSharedDomain_AndLeavesItsPeerWorking(InvalidationMode mode)
    {
        Machine machine = Machines.With(invalidation: mode);
        Device peer = machine.AddDevice(Machines.Disk);
        Device device = machine.AddDevice(Machines.Nic, new DeviceOptions { GroupWith = Machines.Disk });
        IommuDomain shared = peer.Domain!;
        Held before = Held.Of(machine, peer);
        KBuffer buffer = machine.Memory.Allocate(8 * Page);
        for (int i = 0; i < 8; i++)
        {
            _ = device.MapChecked(buffer, i * Page, Page, DmaDirection.ToDevice);
        }

        _ = device.Dma.AllocCoherent(2 * Page);

        machine.RemoveDevice(device);
        shared.Flush();

        machine.Memory.Free(buffer);
        Assert.Same(shared, peer.Domain);
        Assert.Equal(before, Held.Of(machine, peer));
        StillWorks(machine, peer);
    }

    [Fact]
    public void ACoherentBufferOfAnotherMachine_IsRefused_AndStaysItsOwnersBuffer()
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        Machine elsewhere = Machines.With();
        Device foreign = elsewhere.AddDevice(Machines.Nic);
        CoherentBuffer theirs = foreign.Dma.AllocCoherent(Page);

        Refuses<ArgumentException>(() => device.Dma.FreeCoherent(theirs), "buffer");

        Assert.False(theirs.IsFreed);
        foreign.Dma.FreeCoherent(theirs);
        StillWorks(machine, device);
        StillWorks(elsewhere, foreign);
    }

    [Fact]
    public void TheDmaApisOwnIovaRanges_CannotBeFreedFromOutside_SoNoIovaServesTwoLiveMappings()
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        KBuffer first = machine.Buffer(Machines.Pattern(Page, 1));
        KBuffer second = machine.Buffer(Machines.Pattern(Page, 2));
        DmaAddr live = device.MapChecked(first, 0, Page, DmaDirection.ToDevice);
        ulong frame = live.Value >> PhysicalMemory.PageShift;

        // A hostile caller reaches the domain's allocator through the public surface and frees the live mapping's IOVA.
        bool freed = false;
        NeverInternal(() => freed = device.Domain!.Iova!.Free(frame, 1));
        Assert.False(freed, "the DMA API's live IOVA range was freed from outside");

        DmaAddr next = device.MapChecked(second, 0, Page, DmaDirection.ToDevice);
        Assert.NotEqual(live.Value >> PhysicalMemory.PageShift, next.Value >> PhysicalMemory.PageShift);
        Assert.Equal(Machines.Pattern(Page, 1), device.DeviceRead(live, Page));
        device.Dma.UnmapSingle(next, Page, DmaDirection.ToDevice);
        device.Dma.UnmapSingle(live, Page, DmaDirection.ToDevice);
        machine.Memory.Free(first);
        machine.Memory.Free(second);
        StillWorks(machine, device);
    }

    [Fact]
    public void ARangeTakenFromTheDomainsAllocatorFromOutside_IsNeverHandedToTheDmaApi()
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        IovaAllocator iova = device.Domain!.Iova!;
        var stolen = new List<ulong>();
        for (int i = 0; i < 64 && iova.TryAllocate(1, iova.EndFrame - 1, out ulong frame); i++)
        {
            stolen.Add(frame);
        }

        KBuffer buffer = machine.Memory.Allocate(Page);
        for (int i = 0; i < 64; i++)
        {
            DmaAddr address = device.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
            Assert.DoesNotContain(address.Value >> PhysicalMemory.PageShift, stolen);
            device.Dma.UnmapSingle(address, Page, DmaDirection.ToDevice);
        }

        machine.Memory.Free(buffer);
        foreach (ulong frame in stolen)
        {
            Assert.True(iova.Free(frame, 1));
        }

        StillWorks(machine, device);
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(0x1000UL, 0)]
    [InlineData(0x1000UL, -4096)]
    [InlineData(0x1000UL, int.MinValue)]
    [InlineData(0xffff_ffff_ffff_f000UL, 8192)]
    [InlineData(0xffff_ffff_ffff_e000UL, 8192)]
    [InlineData(0x0000_ffff_ffff_f000UL, 8192)]
    [InlineData(0x1000UL, 4095)]
    public void AnExplicitIommuMapping_WithAnAbsurdRange_IsRefused_AndMapsNothing(ulong iova, int length)
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        IommuDomain domain = device.Domain!;
        KBuffer buffer = machine.Memory.Allocate(2 * Page);
        long present = domain.PresentPages;

        Exception? error = NeverInternal(() => domain.Map(iova, buffer.PhysicalAddress, length, IommuPermission.Read));

        Assert.IsAssignableFrom<ArgumentException>(error);
        Assert.Equal(present, domain.PresentPages);
        NeverInternal(() => domain.Unmap(iova, length), typeof(ArgumentException), typeof(ArgumentOutOfRangeException));
        Assert.Equal(present, domain.PresentPages);
        machine.Memory.Free(buffer);
        StillWorks(machine, device);
    }

    [Theory]
    [InlineData(IommuPermission.None)]
    [InlineData((IommuPermission)4)]
    [InlineData((IommuPermission)(-1))]
    public void AnExplicitIommuMapping_WithoutAValidPermission_IsRefused(IommuPermission permission)
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Memory.Allocate(Page);

        Assert.IsAssignableFrom<ArgumentException>(NeverInternal(() => device.Domain!.Map(0x10_0000, buffer.PhysicalAddress, Page, permission)));

        Assert.False(device.Domain!.IsMapped(0x10_0000));
        machine.Memory.Free(buffer);
        StillWorks(machine, device);
    }

    [Fact]
    public void AnExplicitIommuMapping_OfPhysicalMemoryThatDoesNotExist_IsRefused_OrFaultsTheDevice()
    {
        // Linux lets iommu_map name any physical address (MMIO, peer memory); what is not memory must fault, never throw.
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        foreach (ulong physical in new[] { machine.Memory.Size, ulong.MaxValue & ~0xfffUL })
        {
            Exception? error = NeverInternal(() => device.Domain!.Map(0x10_0000, new PhysAddr(physical), Page, IommuPermission.ReadWrite));
            if (error is null)
            {
                Assert.Null(device.DeviceRead(new DmaAddr(0x10_0000), 64));
                Assert.False(device.Bus.TryWrite(new DmaAddr(0x10_0000), new byte[64]));
                device.Domain!.Unmap(0x10_0000, Page);
            }
            else
            {
                Assert.IsAssignableFrom<ArgumentException>(error);
            }
        }

        Assert.False(device.Domain!.IsMapped(0x10_0000));
        StillWorks(machine, device);
    }

    [Fact]
    public void AttachingADeviceToAnotherMachinesDomain_IsRefused()
    {
        Machine machine = Machines.With();
        Device device = machine.AddDevice(Machines.Nic);
        IommuDomain foreign = Machines.With().Iommu!.CreateDomain(DomainKind.Translated);

        Assert.IsAssignableFrom<ArgumentException>(NeverInternal(() => machine.Iommu!.Attach(device.Id, foreign)));
        Refuses<ArgumentNullException>(() => machine.Iommu!.Attach(device.Id, null!), "domain");

        Assert.Same(device.Domain, machine.Iommu!.DomainOf(device.Id));
        StillWorks(machine, device);
    }

    private static (Machine Machine, VfioContainer Container, VfioDevice Device, KBuffer Memory) Vfio()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        var container = new VfioContainer(machine);
        VfioDevice device = container.AddDevice(new VirtioMmioTransport(machine.AddDevice(Machines.Disk), new VirtioBlkDevice()));
        return (machine, container, device, machine.Memory.Allocate(4 * Page));
    }

    [Theory]
    [InlineData(0UL, Page)]
    [InlineData(0x10000UL, 0)]
    [InlineData(0x10000UL, -Page)]
    [InlineData(0x10000UL, Page + 1)]
    [InlineData(0xffff_ffff_ffff_f000UL, 2 * Page)]
    [InlineData(0xffff_ffff_ffff_f000UL, Page)]
    public void AVfioMapping_WithAnAbsurdIovaOrLength_IsRefused_AndMapsNothing(ulong iova, int length)
    {
        (Machine machine, VfioContainer container, _, KBuffer memory) = Vfio();

        Assert.IsAssignableFrom<ArgumentException>(NeverInternal(() => container.MapDma(memory, 0, iova, length, VfioDmaFlags.ReadWrite)));

        Assert.Empty(container.Mappings);
        container.MapDma(memory, 0, 0x10000, Page, VfioDmaFlags.ReadWrite);
        container.UnmapDma(0x10000, Page);
        container.Dispose();
        machine.Memory.Free(memory);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void AVfioUnmap_OfPartOfAMappingOrMoreThanIt_IsRefused_AndTheMappingStays()
    {
        (Machine machine, VfioContainer container, _, KBuffer memory) = Vfio();
        container.MapDma(memory, 0, 0x10000, 2 * Page, VfioDmaFlags.Read);

        foreach ((ulong iova, int length) in new[] { (0x10000UL, Page), (0x11000UL, Page), (0x10000UL, 3 * Page), (0x10000UL, 0), (0x10000UL, -2 * Page), (0x10000UL, int.MaxValue) })
        {
            Assert.IsAssignableFrom<ArgumentException>(NeverInternal(() => container.UnmapDma(iova, length)));
        }

        Assert.Single(container.Mappings);
        Assert.True(container.Domain!.IsMapped(0x11000));
        container.UnmapDma(0x10000, 2 * Page);
        container.Dispose();
        machine.Memory.Free(memory);
    }

    [Fact]
    public void AClosedContainer_RefusesEveryCall_AndClosingTwiceIsHarmless()
    {
        (Machine machine, VfioContainer container, VfioDevice device, KBuffer memory) = Vfio();
        container.MapDma(memory, 0, 0x10000, Page, VfioDmaFlags.Read);

        container.Dispose();
        container.Dispose();

        Refuses<ObjectDisposedException>(() => container.MapDma(memory, 0, 0x20000, Page, VfioDmaFlags.Read));
        Refuses<ObjectDisposedException>(() => container.UnmapDma(0x10000, Page));
        Refuses<ObjectDisposedException>(() => container.AddDevice(new VirtioMmioTransport(machine.AddDevice(Machines.Gpu), new VirtioBlkDevice())));
        Refuses<ObjectDisposedException>(() => device.ReadRegister(0));
        Refuses<ObjectDisposedException>(() => device.WriteRegister(VirtioMmio.Status, 0));
        machine.Memory.Free(memory);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void AFreedBuffer_CannotBeMappedThroughVfio()
    {
        (Machine machine, VfioContainer container, _, KBuffer memory) = Vfio();
        machine.Memory.Free(memory);

        Refuses<ObjectDisposedException>(() => container.MapDma(memory, 0, 0x10000, Page, VfioDmaFlags.Read));

        Assert.Empty(container.Mappings);
        container.Dispose();
    }

    [Fact]
    public void AnAssignedDevice_RemovedFromTheMachine_LeavesTheContainerUsable_AndClosable()
    {
        (Machine machine, VfioContainer container, VfioDevice device, KBuffer memory) = Vfio();
        container.MapDma(memory, 0, 0x10000, Page, VfioDmaFlags.ReadWrite);

        NeverInternal(() => machine.RemoveDevice(device.Device));
        NeverInternal(() => device.WriteRegister(VirtioMmio.Status, 0));
        NeverInternal(() => container.UnmapDma(0x10000, Page));
        NeverInternal(container.Dispose, Type.EmptyTypes); // closing never throws

        machine.Memory.Free(memory);
        Assert.Null(machine.Find(Machines.Disk));
        StillWorks(machine, machine.AddDevice(Machines.Disk));
    }

    [Fact]
    public void WhileAUserspaceDriverOwnsTheDevice_TheKernelDmaApiRefusesNewMappings_AndAfterTheContainerClosesItWorksAgain()
    {
        // As Linux's DMA ownership (iommu_device_use_default_domain fails while a user domain owns the device):
        // a kernel mapping made now would hand out IOVAs of the old domain that the device, attached to the
        // container's domain, would resolve to the userspace driver's pages.
        (Machine machine, VfioContainer container, VfioDevice device, KBuffer memory) = Vfio();
        DmaApi kernel = device.Device.Dma;
        container.MapDma(memory, 0, 0xffff_f000, Page, VfioDmaFlags.ReadWrite);
        KBuffer buffer = machine.Memory.Allocate(Page);

        Refuses<InvalidOperationException>(() => kernel.MapSingle(buffer, 0, 64, DmaDirection.ToDevice));
        Refuses<InvalidOperationException>(() => kernel.AllocCoherent(Page));
        var list = new ScatterList(1);
        list.Add(buffer, 0, 64);
        Refuses<InvalidOperationException>(() => kernel.MapSg(list, DmaDirection.ToDevice));
        Assert.Equal(0, list.MappedCount);

        container.Dispose();
        machine.Memory.Free(memory);
        machine.Memory.Free(buffer);
        StillWorks(machine, device.Device);
    }

    [Fact]
    public void ADeviceOfAnotherMachine_CannotJoinAContainer()
    {
        (Machine machine, VfioContainer container, _, KBuffer memory) = Vfio();
        Machine elsewhere = Machines.With();

        Refuses<InvalidOperationException>(() => container.AddDevice(new VirtioMmioTransport(elsewhere.AddDevice(Machines.Gpu), new VirtioBlkDevice())));

        Assert.Single(container.Devices);
        container.Dispose();
        machine.Memory.Free(memory);
    }
}
