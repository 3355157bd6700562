using System.Buffers.Binary;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>
/// A userspace-assigned device: the driver maps its own memory at IOVAs of its choosing in the
/// container's domain and drives the device through the region; the device reaches nothing else.
/// </summary>
public sealed class VfioContainerTests
{
    private const ulong Iova = 0x4000_0000;
    private const int QueueSize = 8;
    private const int AvailAt = 16 * QueueSize;
    private const int UsedAt = 4096;
    private const int HeaderAt = 8192;
    private const int StatusAt = 8192 + 64;
    private const int DataAt = 12288;
    private const int MemorySize = 64 << 10;

    private readonly Machine _machine = Machines.With(DomainKind.Translated, debug: DmaDebugMode.Collect);
    private readonly VirtioBlkDevice _blk = new();
    private readonly VirtioMmioTransport _transport;
    private readonly KBuffer _memory;

    public VfioContainerTests()
    {
        Device device = _machine.AddDevice(Machines.Disk, new DeviceOptions { Name = "assigned-blk" });
        _transport = new VirtioMmioTransport(device, _blk);
        _memory = _machine.Memory.Allocate(MemorySize);
    }

    /// <summary>The userspace driver: features with ACCESS_PLATFORM, one split queue at IOVAs inside its own mapping.</summary>
    private static void BringUp(VfioDevice device, ulong features = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform)
    {
        device.WriteRegister(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver));
        device.WriteRegister(VirtioMmio.DriverFeaturesSel, 0);
        device.WriteRegister(VirtioMmio.DriverFeatures, (uint)features);
        device.WriteRegister(VirtioMmio.DriverFeaturesSel, 1);
        device.WriteRegister(VirtioMmio.DriverFeatures, (uint)(features >> 32));
        device.WriteRegister(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk));
        device.WriteRegister(VirtioMmio.QueueSel, 0);
        device.WriteRegister(VirtioMmio.QueueNum, QueueSize);
        device.WriteRegister(VirtioMmio.QueueDescLow, (uint)Iova);
        device.WriteRegister(VirtioMmio.QueueDriverLow, (uint)(Iova + AvailAt));
        device.WriteRegister(VirtioMmio.QueueDeviceLow, (uint)(Iova + UsedAt));
        device.WriteRegister(VirtioMmio.QueueReady, 1);
        device.WriteRegister(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk));
    }

    /// <summary>Writes an OUT/IN request whose data buffer is at <paramref name="dataIova"/> and submits it.</summary>
    private void Submit(VfioDevice device, uint type, ulong sector, ulong dataIova, ushort availIdx)
    {
        Span<byte> mem = _memory.Span;
        BinaryPrimitives.WriteUInt32LittleEndian(mem[HeaderAt..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(mem[(HeaderAt + VirtioBlkReq.SectorOffset)..], sector);
        mem[StatusAt] = 0xFF;
        VirtqDescFlags data = type == VirtioBlkReq.TypeIn ? VirtqDescFlags.Write : VirtqDescFlags.None;
        new VirtqDesc(Iova + HeaderAt, 16, VirtqDescFlags.Next, 1).Write(mem[VirtqDesc.OffsetOf(0)..]);
        new VirtqDesc(dataIova, 512, VirtqDescFlags.Next | data, 2).Write(mem[VirtqDesc.OffsetOf(1)..]);
        new VirtqDesc(Iova + StatusAt, 1, VirtqDescFlags.Write, 0).Write(mem[VirtqDesc.OffsetOf(2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(mem[(AvailAt + VirtqAvail.RingEntryOffset(availIdx % QueueSize))..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(mem[(AvailAt + VirtqAvail.IdxOffset)..], (ushort)(availIdx + 1));
        device.WriteRegister(VirtioMmio.QueueNotify, 0);
    }

    [Fact]
    public void AMappingLeftInTheContainer_IsReportedAsAVfioMapping_NotAsACoherentBuffer()
    {
        var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, MemorySize, VfioDmaFlags.ReadWrite);

        _machine.RemoveDevice(device.Device);

        DmaViolation leak = Assert.Single(_machine.Debug.Violations, v => v.RuleId == RuleIds.Leak);
        Assert.Contains("VFIO container mapping", leak.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("coherent", leak.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UserspaceDriver_MapsItsOwnIovas_AndTheDeviceWorksThroughThem()
    {
        using var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, MemorySize, VfioDmaFlags.ReadWrite);
        BringUp(device);
        Machines.Pattern(512, 0x31).CopyTo(_memory.Span[DataAt..]);

        Submit(device, VirtioBlkReq.TypeOut, 4, Iova + DataAt, 0);

        Assert.Equal(VirtioBlkReq.StatusOk, _memory.Span[StatusAt]);
        Assert.Equal(Machines.Pattern(512, 0x31), _blk.Disk.Slice(4 * 512, 512).ToArray());
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(_memory.Span[(UsedAt + VirtqUsed.IdxOffset)..]));
        Assert.Same(container.Domain, _machine.Iommu!.DomainOf(_transport.Device.Id));
        Assert.Empty(_machine.Faults.Records);
        Assert.Empty(_machine.Debug.Violations);
    }

    [Fact]
    public void DeviceCannotReachMemoryTheDriverDidNotMap()
    {
        using var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, 12 << 10, VfioDmaFlags.ReadWrite); // rings, header and status only: DataAt is outside
        BringUp(device);
        _blk.Disk.Fill(0x66);

        Submit(device, VirtioBlkReq.TypeIn, 0, Iova + DataAt, 0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, _memory.Span[StatusAt]);
        Assert.Contains(_machine.Faults.Records, f => f.Address.Value == Iova + DataAt && f.Reason == FaultReason.NotPresent);
        Assert.True(_memory.Span.Slice(DataAt, 512).ToArray().All(b => b == 0));
    }

    [Fact]
    public void ReadOnlyMapping_BlocksDeviceWrites()
    {
        using var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, 12 << 10, VfioDmaFlags.ReadWrite);
        container.MapDma(_memory, DataAt, Iova + DataAt, 4096, VfioDmaFlags.Read);
        BringUp(device);

        Submit(device, VirtioBlkReq.TypeIn, 0, Iova + DataAt, 0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, _memory.Span[StatusAt]);
        Assert.Contains(_machine.Faults.Records, f => f.Reason == FaultReason.Permission && f.Access == DmaAccess.Write);
    }

    [Fact]
    public void UnmapDma_RevokesAccessImmediately()
    {
        using var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, 12 << 10, VfioDmaFlags.ReadWrite);
        container.MapDma(_memory, DataAt, Iova + DataAt, 4096, VfioDmaFlags.ReadWrite);
        BringUp(device);
        Submit(device, VirtioBlkReq.TypeIn, 0, Iova + DataAt, 0);
        Assert.Equal(VirtioBlkReq.StatusOk, _memory.Span[StatusAt]);

        container.UnmapDma(Iova + DataAt, 4096);
        Submit(device, VirtioBlkReq.TypeIn, 0, Iova + DataAt, 1);

        Assert.Equal(VirtioBlkReq.StatusIoErr, _memory.Span[StatusAt]);
        Assert.Single(container.Mappings);
    }

    [Fact]
    public void Dispose_UnmapsResetsAndReturnsTheDeviceToItsDomain()
    {
        IommuDomain? before = _machine.Iommu!.DomainOf(_transport.Device.Id);
        var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, MemorySize, VfioDmaFlags.ReadWrite);
        BringUp(device);
        IommuDomain domain = container.Domain!;

        container.Dispose();

        Assert.Same(before, _machine.Iommu.DomainOf(_transport.Device.Id));
        Assert.False(domain.IsMapped(Iova));
        Assert.Equal(VirtioStatus.None, _transport.Status);
        Assert.Equal(0, _machine.Debug.LiveMappings(_transport.Device.Id));
        Assert.Throws<ObjectDisposedException>(() => device.ReadRegister(VirtioMmio.Status));
    }

    [Fact]
    public void Refuses_ADeviceWhoseKernelDriverStillHoldsMappings()
    {
        CoherentBuffer kernelRing = _transport.Device.Dma.AllocCoherent(4096);
        using var container = new VfioContainer(_machine);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => container.AddDevice(_transport));

        Assert.Contains("unbind", error.Message);
        _transport.Device.Dma.FreeCoherent(kernelRing);
    }

    [Fact]
    public void Refuses_AMachineWithoutIommu_AndADeviceThatBypassesIt()
    {
        Assert.Throws<InvalidOperationException>(() => new VfioContainer(Machines.WithoutIommu()));

        Device bypass = _machine.AddDevice(Machines.Gpu, new DeviceOptions { BehindIommu = false });
        using var container = new VfioContainer(_machine);
        Assert.Throws<InvalidOperationException>(() => container.AddDevice(new VirtioMmioTransport(bypass, new VirtioBlkDevice())));
    }

    [Fact]
    public void MapDma_ChecksAlignmentBoundsAndOverlap()
    {
        using var container = new VfioContainer(_machine);
        Assert.Throws<InvalidOperationException>(() => container.MapDma(_memory, 0, Iova, 4096, VfioDmaFlags.Read)); // no device yet
        container.AddDevice(_transport);

        Assert.Throws<ArgumentOutOfRangeException>(() => container.MapDma(_memory, 100, Iova, 4096, VfioDmaFlags.Read));
        Assert.Throws<ArgumentOutOfRangeException>(() => container.MapDma(_memory, 0, Iova, 100, VfioDmaFlags.Read));
        Assert.Throws<ArgumentOutOfRangeException>(() => container.MapDma(_memory, 0, Iova, MemorySize + 4096, VfioDmaFlags.Read));
        Assert.Throws<ArgumentException>(() => container.MapDma(_memory, 0, Iova + 1, 4096, VfioDmaFlags.Read));
        Assert.Throws<ArgumentException>(() => container.MapDma(_memory, 0, Iova, 4096, VfioDmaFlags.None));
        container.MapDma(_memory, 0, Iova, 8192, VfioDmaFlags.Read);
        Assert.Throws<ArgumentException>(() => container.MapDma(_memory, 0, Iova + 4096, 4096, VfioDmaFlags.Read));
        Assert.Throws<ArgumentException>(() => container.UnmapDma(Iova, 4096));
    }

    [Fact]
    public void WithoutAccessPlatform_TheDeviceIgnoresTheContainerDomain()
    {
        using var container = new VfioContainer(_machine);
        VfioDevice device = container.AddDevice(_transport);
        container.MapDma(_memory, 0, Iova, MemorySize, VfioDmaFlags.ReadWrite);

        BringUp(device, features: VirtioFeatures.Version1);
        Submit(device, VirtioBlkReq.TypeFlush, 0, Iova + DataAt, 0);

        // The IOVAs are read as physical addresses: the request never reaches the device model.
        Assert.Equal(0xFF, _memory.Span[StatusAt]);
        Assert.Equal(0, _blk.Flushes);
        Assert.False(_transport.UsesPlatformDma);
    }
}
