using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using IommuUnit = DmaDiscipline.Runtime.Iommu;
using DmaDiscipline.Runtime.Vfio;

namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>
/// The documented bad inputs of every public member of the runtime that takes arguments, and the
/// members whose every input has a meaning (with why). <see cref="BadInputTests"/> checks that the
/// two lists cover the public surface exactly and that each bad input gets its clear answer.
/// </summary>
internal static class BadInputCases
{
    private const int Page = Rig.Page;

    /// <summary>Members with no bad input: every value of every argument is a meaningful question or datum.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoBadInput = new Dictionary<string, string>
    {
        ["DeviceVirtqueue.TryPop(VirtqChain&)"] = "an out parameter only",
        ["DmaAddr.ctor(UInt64)"] = "any 64-bit value is a bus address; what it names is checked where it is used (DMA API refusals, IOMMU faults, DMA001/DMA008 reports)",
        ["PhysAddr.ctor(UInt64)"] = "any 64-bit value is a physical address; PhysicalMemory.Read/Write check the range",
        ["DmaApi.MappingError(DmaAddr)"] = "any address: only the error address is an error",
        ["DmaDebug.For(DeviceId)"] = "any id: a device never seen has no violations",
        ["DmaDebug.LiveMappings(DeviceId)"] = "any id: a device never seen has no mappings",
        ["DmaViolation.ctor(String, DeviceId, DmaAddr, Int32, DmaDirection, String, String)"] = "a report record: it holds whatever the debug layer observed",
        ["FaultLog.For(DeviceId)"] = "any id: a device never seen has no faults",
        ["FirmwareTable.Claims(DeviceId)"] = "any id: the table answers for every requester id",
        ["Iommu.Detach(DeviceId)"] = "a device without a context entry has nothing to remove (a no-op, as on hardware)",
        ["Iommu.DomainOf(DeviceId)"] = "any id: null when the device has no context entry",
        ["IommuDomain.IsMapped(UInt64)"] = "any IOVA: false where nothing is mapped, beyond the address width included",
        ["IommuFault.ctor(Int64, DeviceId, DmaAddr, DmaAccess, FaultReason)"] = "a fault record: it holds whatever the hardware observed",
        ["IovaAllocator.IsAllocated(UInt64, UInt64&)"] = "any frame: false where no allocation starts",
        ["IovaAllocator.RoundedSize(UInt64)"] = "arithmetic on any size (0 pages round to the 1-page minimum)",
        ["Machine.Find(DeviceId)"] = "any id: null when no such device is present",
        ["PhysicalMemory.Contains(UInt64, Int32)"] = "a question about any range: false outside memory or for a negative length",
        ["PvirtqDesc.AvailFlags(Boolean)"] = "both wrap counter values are meaningful",
        ["PvirtqDesc.UsedFlags(Boolean)"] = "both wrap counter values are meaningful",
        ["PvirtqDesc.IsAvailable(VirtqDescFlags, Boolean)"] = "reads two bits of any flags value, as a device must of driver-written memory",
        ["PvirtqDesc.IsUsed(VirtqDescFlags, Boolean)"] = "reads two bits of any flags value",
        ["PvirtqDesc.ctor(UInt64, UInt32, UInt16, VirtqDescFlags)"] = "a descriptor holds whatever the driver wrote; the device validates it when it pops the chain",
        ["VirtqDesc.ctor(UInt64, UInt32, VirtqDescFlags, UInt16)"] = "a descriptor holds whatever the driver wrote; the device validates it when it pops the chain",
        ["VfioDmaMapping.ctor(UInt64, Int32, KBuffer, Int32, VfioDmaFlags)"] = "a record of a mapping VfioContainer.MapDma made (and validated)",
        ["VirtioDeviceError.ctor(Int64, Int32, VirtioErrorKind, String, Boolean)"] = "an error record: it holds whatever the device reported",
        ["VirtioFeatures.Describe(UInt64)"] = "any feature word can be described",
        ["VirtioMmioTransport.SetQueueDesc(UInt64)"] = "a register write: any value is the driver's to write; the device checks the address when the queue runs (a fault, a device error)",
        ["VirtioMmioTransport.SetQueueDriver(UInt64)"] = "a register write, as SetQueueDesc",
        ["VirtioMmioTransport.SetQueueDevice(UInt64)"] = "a register write, as SetQueueDesc",
        ["IBlkQueue.Submit(Boolean, UInt64, KBuffer, Int32, Int32)"] = "a face a driver implements: the runtime has no implementation to validate (the runner holds drivers to their results)",
        ["IBlkQueue.TryComplete(Int32&, Boolean&)"] = "a face a driver implements; out parameters only",
        ["IMultiQueueBlkDriver.RequestQueue(Int32)"] = "a face a driver implements: the runtime has no implementation to validate (the samples' drivers throw ArgumentOutOfRangeException, tested there)",
        ["IMultiQueueNetDriver.QueuePair(Int32)"] = "a face a driver implements: the runtime has no implementation to validate (the samples' drivers throw ArgumentOutOfRangeException, tested there)",
        ["INetQueue.Receive(Span<Byte>)"] = "a face a driver implements: the runtime has no implementation to validate",
        ["INetQueue.TrySend(ReadOnlySpan<Byte>)"] = "a face a driver implements: the runtime has no implementation to validate",
    };

    public static IEnumerable<BadInput> All()
    {
        // The device side: any address is a transaction the bus answers, with a fault when it must.
        const string read = "BusMaster.TryRead(DmaAddr, Span<Byte>)";
        yield return Refused(read, "an address no mapping covers", r => r.Nic.Bus.TryRead(new DmaAddr(0x1234_5000), new byte[8]));
        yield return Refused(read, "a read that wraps past 2^64", r => r.Nic.Bus.TryRead(new DmaAddr(ulong.MaxValue - 3), new byte[8]));
        yield return Refused("BusMaster.TryReadUInt16(DmaAddr, UInt16&)", "the last byte of the bus", r => r.Nic.Bus.TryReadUInt16(new DmaAddr(ulong.MaxValue), out _));
        yield return Refused("BusMaster.TryReadUInt32(DmaAddr, UInt32&)", "an unmapped IOVA", r => r.Nic.Bus.TryReadUInt32(new DmaAddr(0x5000), out _));
        yield return Refused("BusMaster.TryReadUInt64(DmaAddr, UInt64&)", "beyond the IOVA width", r => r.Nic.Bus.TryReadUInt64(new DmaAddr(1UL << 60), out _));
        const string write = "BusMaster.TryWrite(DmaAddr, ReadOnlySpan<Byte>)";
        yield return Refused(write, "an address no mapping covers", r => r.Nic.Bus.TryWrite(new DmaAddr(0x1234_5000), new byte[8]));
        yield return Refused(write, "a write that wraps past 2^64", r => r.Nic.Bus.TryWrite(new DmaAddr(ulong.MaxValue - 3), new byte[8]));
        yield return Refused("BusMaster.TryWriteUInt16(DmaAddr, UInt16)", "the last byte of the bus", r => r.Nic.Bus.TryWriteUInt16(new DmaAddr(ulong.MaxValue), 1));
        yield return Refused("BusMaster.TryWriteUInt32(DmaAddr, UInt32)", "an unmapped IOVA", r => r.Nic.Bus.TryWriteUInt32(new DmaAddr(0x5000), 1));
        yield return Refused("BusMaster.TryWriteUInt64(DmaAddr, UInt64)", "beyond the IOVA width", r => r.Nic.Bus.TryWriteUInt64(new DmaAddr(1UL << 60), 1));

        yield return Throws<FormatException>("DeviceId.Parse(String)", "malformed text", _ => DeviceId.Parse("00:zz.0"));
        yield return Throws<FormatException>("DeviceId.Parse(String)", "null", _ => DeviceId.Parse(null!));
        yield return Refused("DeviceId.TryParse(String, DeviceId&)", "null", x => DeviceId.TryParse(null, out _));
        yield return Refused("DeviceId.TryParse(String, DeviceId&)", "device 32", x => DeviceId.TryParse("00:20.0", out _));
        yield return Throws<ArgumentOutOfRangeException>("DeviceId.ctor(Byte, Byte, Byte)", "device 32", _ => new DeviceId(0, 32, 0));
        yield return Throws<ArgumentOutOfRangeException>("DeviceId.ctor(Byte, Byte, Byte)", "function 8", _ => new DeviceId(0, 1, 8));

        const string push = "DeviceVirtqueue.Push(VirtqChain, UInt32)";
        yield return Throws<ArgumentNullException>(push, "null", r => r.Queue.Push(null!, 0));
        yield return Throws<InvalidOperationException>(push, "a chain never popped", r => r.Queue.Push(r.Queue.LastPopped, 0));

        yield return Throws<ArgumentOutOfRangeException>("DmaApi.AllocCoherent(Int32)", "length 0", r => r.Dma.AllocCoherent(0));
        yield return Throws<ArgumentOutOfRangeException>("DmaApi.AllocCoherent(Int32)", "above the largest allocation", r => r.Dma.AllocCoherent(PhysicalMemory.MaxAllocation + 1));
        yield return Throws<ArgumentOutOfRangeException>("DmaApi.TryAllocCoherent(Int32, CoherentBuffer&)", "a negative length", r => r.Dma.TryAllocCoherent(-1, out CoherentBuffer? _));
        yield return Throws<ArgumentNullException>("DmaApi.FreeCoherent(CoherentBuffer)", "null", r => Do(() => r.Dma.FreeCoherent(null!)));
        yield return Throws<ArgumentException>("DmaApi.FreeCoherent(CoherentBuffer)", "another device's buffer", r => Do(() => r.Dma.FreeCoherent(r.Machine.AddDevice(Machines.Disk).Dma.AllocCoherent(64))));

        const string mapSingle = "DmaApi.MapSingle(KBuffer, Int32, Int32, DmaDirection)";
        yield return Throws<ArgumentNullException>(mapSingle, "null buffer", r => r.Dma.MapSingle(null!, 0, 64, DmaDirection.ToDevice));
        yield return Throws<ArgumentOutOfRangeException>(mapSingle, "a negative offset", r => r.Dma.MapSingle(r.Buffer, -1, 64, DmaDirection.ToDevice));
        yield return Throws<ArgumentOutOfRangeException>(mapSingle, "length 0", r => r.Dma.MapSingle(r.Buffer, 0, 0, DmaDirection.ToDevice));
        yield return Throws<ArgumentOutOfRangeException>(mapSingle, "past the buffer's end", r => r.Dma.MapSingle(r.Buffer, Page, 2 * Page, DmaDirection.ToDevice));
        yield return Throws<ArgumentOutOfRangeException>(mapSingle, "offset + length overflowing int", r => r.Dma.MapSingle(r.Buffer, int.MaxValue, int.MaxValue, DmaDirection.ToDevice));
        yield return Throws<ArgumentException>(mapSingle, "direction None", r => r.Dma.MapSingle(r.Buffer, 0, 64, DmaDirection.None));
        yield return Throws<ArgumentException>(mapSingle, "an undefined direction", r => r.Dma.MapSingle(r.Buffer, 0, 64, (DmaDirection)9));
        yield return Throws<ObjectDisposedException>(mapSingle, "a freed buffer", r => { r.Machine.Memory.Free(r.Buffer); return r.Dma.MapSingle(r.Buffer, 0, 64, DmaDirection.ToDevice); });

        const string mapSg = "DmaApi.MapSg(ScatterList, DmaDirection)";
        yield return Throws<ArgumentNullException>(mapSg, "null", r => r.Dma.MapSg(null!, DmaDirection.ToDevice));
        yield return Throws<InvalidOperationException>(mapSg, "an empty list", r => r.Dma.MapSg(new ScatterList(1), DmaDirection.ToDevice));
        yield return Throws<ArgumentException>(mapSg, "an undefined direction", r => r.Dma.MapSg(r.List(), (DmaDirection)(-1)));
        yield return Throws<InvalidOperationException>(mapSg, "a list already mapped", r => { ScatterList list = r.List(); r.Dma.MapSg(list, DmaDirection.ToDevice); return r.Dma.MapSg(list, DmaDirection.ToDevice); });

        yield return Refused("DmaApi.SetMaskAndCoherent(UInt64)", "not 2^n - 1", r => r.Dma.SetMaskAndCoherent(0x1234_5678));
        yield return Refused("DmaApi.SetMaskAndCoherent(UInt64)", "23 bits", r => r.Dma.SetMaskAndCoherent((1UL << 23) - 1));

        foreach (string sync in new[] { "DmaApi.SyncForCpu(DmaAddr, Int32, DmaDirection)", "DmaApi.SyncForDevice(DmaAddr, Int32, DmaDirection)", "DmaApi.UnmapSingle(DmaAddr, Int32, DmaDirection)" })
        {
            Action<DmaApi, DmaAddr, int, DmaDirection> call = sync switch
            {
                _ when sync.Contains("SyncForCpu") => (d, a, l, dir) => d.SyncForCpu(a, l, dir),
                _ when sync.Contains("SyncForDevice") => (d, a, l, dir) => d.SyncForDevice(a, l, dir),
                _ => (d, a, l, dir) => d.UnmapSingle(a, l, dir),
            };
            yield return Throws<ArgumentOutOfRangeException>(sync, "length 0", r => Do(() => call(r.Dma, new DmaAddr(0x1000), 0, DmaDirection.ToDevice)));
            yield return Throws<ArgumentOutOfRangeException>(sync, "a negative length", r => Do(() => call(r.Dma, new DmaAddr(0x1000), -5, DmaDirection.ToDevice)));
            yield return Throws<ArgumentException>(sync, "direction None", r => Do(() => call(r.Dma, new DmaAddr(0x1000), 64, DmaDirection.None)));
            yield return Throws<ArgumentException>(sync, "an undefined direction", r => Do(() => call(r.Dma, new DmaAddr(0x1000), 64, (DmaDirection)42)));
        }

        foreach (string sg in new[] { "DmaApi.SyncSgForCpu(ScatterList, DmaDirection)", "DmaApi.SyncSgForDevice(ScatterList, DmaDirection)", "DmaApi.UnmapSg(ScatterList, DmaDirection)" })
        {
            Action<DmaApi, ScatterList, DmaDirection> call = sg switch
            {
                _ when sg.Contains("SyncSgForCpu") => (d, l, dir) => d.SyncSgForCpu(l, dir),
                _ when sg.Contains("SyncSgForDevice") => (d, l, dir) => d.SyncSgForDevice(l, dir),
                _ => (d, l, dir) => d.UnmapSg(l, dir),
            };
            yield return Throws<ArgumentNullException>(sg, "null", r => Do(() => call(r.Dma, null!, DmaDirection.ToDevice)));
            yield return Throws<InvalidOperationException>(sg, "a list never mapped", r => Do(() => call(r.Dma, r.List(), DmaDirection.ToDevice)));
            yield return Throws<ArgumentException>(sg, "an undefined direction", r => Do(() => { ScatterList list = r.List(); r.Dma.MapSg(list, DmaDirection.ToDevice); call(r.Dma, list, (DmaDirection)7); }));
            yield return Throws<ArgumentException>(sg, "a list another device mapped", r => Do(() => { ScatterList list = r.List(); r.Machine.AddDevice(Machines.Disk).Dma.MapSg(list, DmaDirection.ToDevice); call(r.Dma, list, DmaDirection.ToDevice); }));
        }

        yield return Throws<ArgumentNullException>("DmaDebug.CountOf(String)", "null", r => r.Machine.Debug.CountOf(null!));
        yield return Throws<ArgumentException>("DmaDebug.SetDeviceFilter(IEnumerable<DeviceId>)", "no device", r => Do(() => r.Machine.Debug.SetDeviceFilter([])));
        yield return Throws<ArgumentOutOfRangeException>("DmaDebug.ctor(DmaDebugMode)", "an undefined mode", _ => new DmaDebug((DmaDebugMode)3));
        yield return Throws<ArgumentNullException>("DmaDebugException.ctor(DmaViolation)", "null", _ => new DmaDebugException(null!));

        yield return Throws<ArgumentOutOfRangeException>("FaultLog.ctor(Int32)", "capacity 0", _ => new FaultLog(0));
        yield return Throws<ArgumentNullException>("FirmwareTable.Parse(String)", "null", _ => FirmwareTable.Parse(null!));
        yield return Throws<FormatException>("FirmwareTable.Parse(String)", "a malformed line", _ => FirmwareTable.Parse("covered 00:zz.0"));
        yield return Throws<ArgumentOutOfRangeException>("IoTlb.ctor(Int32)", "not a power of two", _ => new IoTlb(3));
        yield return Throws<ArgumentOutOfRangeException>("IoTlb.ctor(Int32)", "0 entries", _ => new IoTlb(0));

        yield return Throws<ArgumentNullException>("Iommu.Attach(DeviceId, IommuDomain)", "null", r => Do(() => r.Machine.Iommu!.Attach(Machines.Disk, null!)));
        yield return Throws<ArgumentException>("Iommu.Attach(DeviceId, IommuDomain)", "another IOMMU's domain", r => Do(() => r.Machine.Iommu!.Attach(Machines.Disk, Rig.ForeignDomain())));
        yield return Throws<ArgumentOutOfRangeException>("Iommu.CreateDomain(DomainKind, Nullable<InvalidationMode>)", "an undefined kind", r => r.Machine.Iommu!.CreateDomain((DomainKind)5));
        yield return Throws<ArgumentOutOfRangeException>("Iommu.CreateDomain(DomainKind, Nullable<InvalidationMode>)", "an undefined invalidation mode", r => r.Machine.Iommu!.CreateDomain(DomainKind.Translated, (InvalidationMode)4));
        yield return Throws<ArgumentNullException>("Iommu.ctor(IommuOptions, FaultLog)", "null options", _ => new IommuUnit(null!, new FaultLog()));
        yield return Throws<ArgumentNullException>("Iommu.ctor(IommuOptions, FaultLog)", "null fault log", _ => new IommuUnit(new IommuOptions(), null!));
        yield return Throws<ArgumentException>("Iommu.ctor(IommuOptions, FaultLog)", "an IOTLB of 3 entries", _ => new IommuUnit(new IommuOptions { IoTlbEntries = 3 }, new FaultLog()));
        yield return Throws<ArgumentException>("Iommu.ctor(IommuOptions, FaultLog)", "an undefined default domain", _ => new IommuUnit(new IommuOptions { DefaultDomain = (DomainKind)3 }, new FaultLog()));
        yield return Throws<ArgumentException>("Iommu.ctor(IommuOptions, FaultLog)", "an undefined invalidation mode", _ => new IommuUnit(new IommuOptions { Invalidation = (InvalidationMode)2 }, new FaultLog()));
        yield return Throws<ArgumentException>("Iommu.ctor(IommuOptions, FaultLog)", "a flush batch of 0", _ => new IommuUnit(new IommuOptions { FlushBatchSize = 0 }, new FaultLog()));

        const string domainMap = "IommuDomain.Map(UInt64, PhysAddr, Int32, IommuPermission)";
        yield return Throws<ArgumentException>(domainMap, "an undefined permission", r => Do(() => r.Machine.Iommu!.CreateDomain(DomainKind.Translated).Map(0x1000, r.Buffer.PhysicalAddress, Page, (IommuPermission)4)));
        yield return Throws<ArgumentException>(domainMap, "permission None", r => Do(() => r.Machine.Iommu!.CreateDomain(DomainKind.Translated).Map(0x1000, r.Buffer.PhysicalAddress, Page, IommuPermission.None)));
        yield return Throws<ArgumentException>(domainMap, "a misaligned IOVA", r => Do(() => r.Machine.Iommu!.CreateDomain(DomainKind.Translated).Map(0x1001, r.Buffer.PhysicalAddress, Page, IommuPermission.Read)));
        yield return Throws<ArgumentOutOfRangeException>(domainMap, "length 0", r => Do(() => r.Machine.Iommu!.CreateDomain(DomainKind.Translated).Map(0x1000, r.Buffer.PhysicalAddress, 0, IommuPermission.Read)));
        yield return Throws<InvalidOperationException>(domainMap, "an identity domain", r => Do(() => r.Machine.Iommu!.CreateDomain(DomainKind.Identity).Map(0x1000, r.Buffer.PhysicalAddress, Page, IommuPermission.Read)));
        yield return Throws<ArgumentException>(domainMap, "over a DMA API mapping", r => Do(() =>
        {
            DmaAddr mapped = r.Dma.MapSingle(r.Buffer, 0, 64, DmaDirection.ToDevice);
            r.Nic.Domain!.Map(mapped.Value & ~PhysicalMemory.PageMask, r.Buffer.PhysicalAddress, Page, IommuPermission.ReadWrite);
        }));
        const string domainUnmap = "IommuDomain.Unmap(UInt64, Int32)";
        yield return Throws<ArgumentException>(domainUnmap, "a DMA API mapping", r => Do(() =>
        {
            DmaAddr mapped = r.Dma.MapSingle(r.Buffer, 0, 64, DmaDirection.ToDevice);
            r.Nic.Domain!.Unmap(mapped.Value & ~PhysicalMemory.PageMask, Page);
        }));
        yield return Throws<ArgumentException>(domainUnmap, "nothing mapped", r => Do(() => r.Nic.Domain!.Unmap(0x1000, Page)));
        yield return Throws<ArgumentOutOfRangeException>(domainUnmap, "a negative length", r => Do(() => r.Nic.Domain!.Unmap(0x1000, -1)));

        yield return Throws<ArgumentOutOfRangeException>("IovaAllocator.ctor(UInt64, UInt64)", "an aperture starting at frame 0", _ => new IovaAllocator(0, 10));
        yield return Throws<ArgumentOutOfRangeException>("IovaAllocator.ctor(UInt64, UInt64)", "an empty aperture", _ => new IovaAllocator(5, 5));
        yield return Throws<ArgumentOutOfRangeException>("IovaAllocator.TryAllocate(UInt64, UInt64, UInt64&)", "0 pages", x => new IovaAllocator(1, 100).TryAllocate(0, 100, out _));
        yield return Refused("IovaAllocator.Free(UInt64, UInt64)", "a range never allocated", _ => new IovaAllocator(1, 100).Free(7, 1));

        const string addDevice = "Machine.AddDevice(DeviceId, DeviceOptions)";
        yield return Throws<ArgumentException>(addDevice, "a DMA mask that is not 2^n - 1", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { DmaMask = 0x1234_5678 }));
        yield return Throws<ArgumentException>(addDevice, "an 11-bit DMA mask", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { DmaMask = 0x7ff }));
        yield return Throws<ArgumentException>(addDevice, "a DMA mask of 0", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { DmaMask = 0 }));
        yield return Throws<ArgumentException>(addDevice, "an id already present", r => r.Machine.AddDevice(Machines.Gpu));
        yield return Throws<ArgumentException>(addDevice, "an ATS cache of 3 entries", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { Ats = true, AtcEntries = 3 }));
        yield return Throws<ArgumentException>(addDevice, "no name", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { Name = null! }));
        yield return Throws<ArgumentException>(addDevice, "a group peer that is not present", r => r.Machine.AddDevice(Machines.Disk, new DeviceOptions { GroupWith = Machines.Nic }));

        const string remove = "Machine.RemoveDevice(Device)";
        yield return Throws<ArgumentNullException>(remove, "null", r => Do(() => r.Machine.RemoveDevice(null!)));
        yield return Throws<ArgumentException>(remove, "a device already removed", r => Do(() => { r.Machine.RemoveDevice(r.Nic); r.Machine.RemoveDevice(r.Nic); }));
        yield return Throws<ArgumentException>(remove, "another machine's device", r => Do(() => r.Machine.RemoveDevice(Machines.With().AddDevice(Machines.Disk))));

        const string machine = "Machine.ctor(MachineOptions)";
        yield return Throws<ArgumentNullException>(machine, "null", _ => new Machine(null!));
        yield return Throws<ArgumentException>(machine, "an undefined debug mode", _ => new Machine(new MachineOptions { Debug = (DmaDebugMode)5 }));
        yield return Throws<ArgumentException>(machine, "an undefined default domain", _ => new Machine(new MachineOptions { Iommu = new IommuOptions { DefaultDomain = (DomainKind)7 } }));
        yield return Throws<ArgumentException>(machine, "an undefined invalidation mode", _ => new Machine(new MachineOptions { Iommu = new IommuOptions { Invalidation = (InvalidationMode)3 } }));
        yield return Throws<ArgumentException>(machine, "an undefined domain override", _ => new Machine(new MachineOptions { DomainOverrides = new Dictionary<DeviceId, DomainKind> { [Machines.Nic] = (DomainKind)9 } }));
        yield return Throws<ArgumentException>(machine, "an undefined default placement", _ => new Machine(new MachineOptions { Memory = new PhysicalMemoryOptions { DefaultPlacement = (MemoryPlacement)4 } }));
        yield return Throws<ArgumentException>(machine, "no firmware table", _ => new Machine(new MachineOptions { Firmware = null! }));
        yield return Throws<ArgumentException>(machine, "a firmware table without a covered set", _ => new Machine(new MachineOptions { Firmware = new FirmwareTable { Covered = null! } }));
        yield return Throws<ArgumentException>(machine, "no IOMMU options", _ => new Machine(new MachineOptions { Iommu = null! }));
        yield return Throws<ArgumentException>(machine, "a negative bounce pool", _ => new Machine(new MachineOptions { BouncePoolSize = -1 }));
        yield return Throws<ArgumentException>(machine, "a bounce pool that is not whole slots", _ => new Machine(new MachineOptions { BouncePoolSize = 3000 }));
        yield return Throws<ArgumentException>(machine, "confidential without a bounce pool", _ => new Machine(new MachineOptions { Confidential = true, BouncePoolSize = 0 }));
        yield return Throws<ArgumentException>(machine, "a fault log of 0 records", _ => new Machine(new MachineOptions { FaultLogCapacity = 0 }));
        yield return Throws<ArgumentException>(machine, "an IOTLB of 0 entries", _ => new Machine(new MachineOptions { Iommu = new IommuOptions { IoTlbEntries = 0 } }));

        yield return Throws<ArgumentOutOfRangeException>("PackedRingLayout.For(Int32)", "queue size 0", _ => PackedRingLayout.For(0));
        yield return Throws<ArgumentOutOfRangeException>("PackedRingLayout.ctor(Int32)", "queue size 40000", _ => new PackedRingLayout(40000));
        yield return Throws<ArgumentOutOfRangeException>("SplitRingLayout.For(Int32, Int32)", "queue size 3", _ => SplitRingLayout.For(3));
        yield return Throws<ArgumentOutOfRangeException>("SplitRingLayout.For(Int32, Int32)", "alignment 3", _ => SplitRingLayout.For(8, 3));
        yield return Throws<ArgumentOutOfRangeException>("SplitRingLayout.ctor(Int32, Int32)", "queue size 0", _ => new SplitRingLayout(0, 4));

        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.Allocate(Int32)", "length 0", r => r.Machine.Memory.Allocate(0));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.Allocate(Int32, MemoryPlacement)", "an undefined placement", r => r.Machine.Memory.Allocate(64, (MemoryPlacement)3));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.Allocate(Int32, MemoryPlacement)", "above the largest allocation", r => r.Machine.Memory.Allocate(PhysicalMemory.MaxAllocation + 1, MemoryPlacement.Below4G));
        yield return Throws<ArgumentNullException>("PhysicalMemory.Free(KBuffer)", "null", r => Do(() => r.Machine.Memory.Free(null!)));
        yield return Throws<InvalidOperationException>("PhysicalMemory.Free(KBuffer)", "a double free", r => Do(() => { r.Machine.Memory.Free(r.Buffer); r.Machine.Memory.Free(r.Buffer); }));
        yield return Throws<ArgumentException>("PhysicalMemory.Free(KBuffer)", "another machine's buffer", r => Do(() => r.Machine.Memory.Free(Machines.With().Memory.Allocate(64))));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.Read(PhysAddr, Span<Byte>)", "past the end of memory", r => Do(() => r.Machine.Memory.Read(new PhysAddr(r.Machine.Memory.Size - 4), new byte[8])));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.Write(PhysAddr, ReadOnlySpan<Byte>)", "past the end of memory", r => Do(() => r.Machine.Memory.Write(new PhysAddr(ulong.MaxValue - 2), new byte[8])));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.VirtToPhys(KBuffer, Int32)", "a negative offset", r => r.Machine.Memory.VirtToPhys(r.Buffer, -1));
        yield return Throws<ArgumentOutOfRangeException>("PhysicalMemory.VirtToPhys(KBuffer, Int32)", "the offset of the end", r => r.Machine.Memory.VirtToPhys(r.Buffer, r.Buffer.Length));
        yield return Throws<ArgumentNullException>("PhysicalMemory.VirtToPhys(KBuffer, Int32)", "null", r => r.Machine.Memory.VirtToPhys(null!));
        yield return Throws<ObjectDisposedException>("PhysicalMemory.VirtToPhys(KBuffer, Int32)", "a freed buffer", r => { r.Machine.Memory.Free(r.Buffer); return r.Machine.Memory.VirtToPhys(r.Buffer); });
        yield return Throws<ArgumentNullException>("PhysicalMemory.ctor(PhysicalMemoryOptions)", "null", _ => new PhysicalMemory(null!));
        yield return Throws<ArgumentException>("PhysicalMemory.ctor(PhysicalMemoryOptions)", "size 0", _ => new PhysicalMemory(new PhysicalMemoryOptions { Size = 0 }));
        yield return Throws<ArgumentException>("PhysicalMemory.ctor(PhysicalMemoryOptions)", "an undefined default placement", _ => new PhysicalMemory(new PhysicalMemoryOptions { DefaultPlacement = (MemoryPlacement)9 }));

        yield return Throws<ArgumentOutOfRangeException>("PvirtqDesc.OffsetOf(Int32)", "index -1", _ => PvirtqDesc.OffsetOf(-1));
        yield return Throws<ArgumentOutOfRangeException>("PvirtqDesc.RingSize(Int32)", "queue size 0", _ => PvirtqDesc.RingSize(0));
        yield return Throws<ArgumentException>("PvirtqDesc.Read(ReadOnlySpan<Byte>)", "8 bytes", _ => PvirtqDesc.Read(new byte[8]));
        yield return Throws<ArgumentException>("PvirtqDesc.Write(Span<Byte>)", "8 bytes", _ => Do(() => default(PvirtqDesc).Write(new byte[8])));
        yield return Throws<ArgumentOutOfRangeException>("PvirtqEventSuppress.EncodeDesc(Int32, Boolean)", "offset 32768 (16 bits)", _ => PvirtqEventSuppress.EncodeDesc(32768, false));
        yield return Throws<ArgumentOutOfRangeException>("PvirtqEventSuppress.EncodeDesc(Int32, Boolean)", "offset -1", _ => PvirtqEventSuppress.EncodeDesc(-1, true));
        yield return Throws<ArgumentOutOfRangeException>("VirtqDesc.OffsetOf(Int32)", "index 32768", _ => VirtqDesc.OffsetOf(32768));
        yield return Throws<ArgumentOutOfRangeException>("VirtqDesc.TableSize(Int32)", "queue size -1", _ => VirtqDesc.TableSize(-1));
        yield return Throws<ArgumentException>("VirtqDesc.Read(ReadOnlySpan<Byte>)", "15 bytes", _ => VirtqDesc.Read(new byte[15]));
        yield return Throws<ArgumentException>("VirtqDesc.Write(Span<Byte>)", "no bytes", _ => Do(() => default(VirtqDesc).Write(Span<byte>.Empty)));
        yield return Throws<ArgumentOutOfRangeException>("VirtqAvail.RingEntryOffset(Int32)", "index -1", _ => VirtqAvail.RingEntryOffset(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtqAvail.Size(Int32)", "queue size 0", _ => VirtqAvail.Size(0));
        yield return Throws<ArgumentOutOfRangeException>("VirtqAvail.UsedEventOffset(Int32)", "queue size 40000", _ => VirtqAvail.UsedEventOffset(40000));
        yield return Throws<ArgumentOutOfRangeException>("VirtqUsed.AvailEventOffset(Int32)", "queue size 0", _ => VirtqUsed.AvailEventOffset(0));
        yield return Throws<ArgumentOutOfRangeException>("VirtqUsed.ElemIdOffsetOf(Int32)", "index -1", _ => VirtqUsed.ElemIdOffsetOf(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtqUsed.ElemLenOffsetOf(Int32)", "index 32768", _ => VirtqUsed.ElemLenOffsetOf(32768));
        yield return Throws<ArgumentOutOfRangeException>("VirtqUsed.RingEntryOffset(Int32)", "index -1", _ => VirtqUsed.RingEntryOffset(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtqUsed.Size(Int32)", "queue size -5", _ => VirtqUsed.Size(-5));

        const string add = "ScatterList.Add(KBuffer, Int32, Int32)";
        yield return Throws<ArgumentNullException>(add, "null", r => Do(() => new ScatterList(1).Add(null!, 0, 1)));
        yield return Throws<ArgumentOutOfRangeException>(add, "past the buffer's end", r => Do(() => new ScatterList(1).Add(r.Buffer, 2 * Page - 1, 2)));
        yield return Throws<InvalidOperationException>(add, "a full list", r => Do(() => { var list = new ScatterList(1); list.Add(r.Buffer, 0, 1); list.Add(r.Buffer, 1, 1); }));
        yield return Throws<InvalidOperationException>(add, "a mapped list", r => Do(() => { ScatterList list = r.List(); r.Dma.MapSg(list, DmaDirection.ToDevice); list.Add(r.Buffer, 100, 1); }));
        yield return Throws<ObjectDisposedException>(add, "a freed buffer", r => Do(() => { r.Machine.Memory.Free(r.Buffer); new ScatterList(1).Add(r.Buffer, 0, 1); }));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.Buffer(Int32)", "index past the count", r => r.List().Buffer(1));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.Offset(Int32)", "index -1", r => r.List().Offset(-1));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.Length(Int32)", "index past the count", r => r.List().Length(5));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.DmaAddress(Int32)", "a list not mapped", r => r.List().DmaAddress(0));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.DmaLength(Int32)", "a list not mapped", r => r.List().DmaLength(0));
        yield return Throws<ArgumentOutOfRangeException>("ScatterList.ctor(Int32)", "capacity 0", _ => new ScatterList(0));

        const string vfioAdd = "VfioContainer.AddDevice(VirtioMmioTransport)";
        yield return Throws<ArgumentNullException>(vfioAdd, "null", r => new VfioContainer(r.Machine).AddDevice(null!));
        yield return Throws<InvalidOperationException>(vfioAdd, "a device already in a container", r => Do(() =>
        {
            var transport = new VirtioMmioTransport(r.Machine.AddDevice(Machines.Disk), new VirtioBlkDevice());
            new VfioContainer(r.Machine).AddDevice(transport);
            new VfioContainer(r.Machine).AddDevice(transport);
        }));
        yield return Throws<InvalidOperationException>(vfioAdd, "a device whose kernel driver still holds a mapping", r => Do(() =>
        {
            // The DMA layer's own count refuses the hand-over, with the debug layer off too.
            Device device = r.Machine.AddDevice(Machines.Disk);
            DmaAddr held = device.Dma.MapSingle(r.Buffer, 0, 64, DmaDirection.ToDevice);
            Assert.False(device.Dma.MappingError(held));
            new VfioContainer(r.Machine).AddDevice(new VirtioMmioTransport(device, new VirtioBlkDevice()));
        }));
        const string mapDma = "VfioContainer.MapDma(KBuffer, Int32, UInt64, Int32, VfioDmaFlags)";
        yield return Throws<ArgumentException>(mapDma, "no access flag", r => Do(() => r.Vfio().MapDma(r.Buffer, 0, 0x10000, Page, VfioDmaFlags.None)));
        yield return Throws<ArgumentException>(mapDma, "an undefined flag", r => Do(() => r.Vfio().MapDma(r.Buffer, 0, 0x10000, Page, (VfioDmaFlags)8)));
        yield return Throws<ArgumentOutOfRangeException>(mapDma, "a misaligned offset", r => Do(() => r.Vfio().MapDma(r.Buffer, 8, 0x10000, Page, VfioDmaFlags.Read)));
        yield return Throws<ArgumentOutOfRangeException>(mapDma, "past the memory's end", r => Do(() => r.Vfio().MapDma(r.Buffer, Page, 0x10000, 2 * Page, VfioDmaFlags.Read)));
        yield return Throws<ArgumentNullException>(mapDma, "null memory", r => Do(() => r.Vfio().MapDma(null!, 0, 0x10000, Page, VfioDmaFlags.Read)));
        yield return Throws<ArgumentException>(mapDma, "another machine's memory", r => Do(() => r.Vfio().MapDma(Machines.With().Memory.Allocate(Page), 0, 0x10000, Page, VfioDmaFlags.Read)));
        yield return Throws<ArgumentException>(mapDma, "a misaligned IOVA", r => Do(() => r.Vfio().MapDma(r.Buffer, 0, 0x10001, Page, VfioDmaFlags.Read)));
        yield return Throws<ArgumentException>("VfioContainer.UnmapDma(UInt64, Int32)", "a range never mapped", r => Do(() => r.Vfio().UnmapDma(0x10000, Page)));
        yield return Throws<ArgumentNullException>("VfioContainer.ctor(Machine)", "null", _ => new VfioContainer(null!));
        yield return Throws<InvalidOperationException>("VfioContainer.ctor(Machine)", "a machine without an IOMMU", _ => new VfioContainer(Machines.WithoutIommu()));

        yield return Throws<ArgumentOutOfRangeException>("VfioDevice.ReadConfig(Int32, Span<Byte>)", "a negative offset", r => Do(() => VfioDeviceOf(r).ReadConfig(-1, new byte[4])));
        yield return Throws<ArgumentOutOfRangeException>("VfioDevice.ReadRegister(Int32)", "a misaligned register", r => VfioDeviceOf(r).ReadRegister(2));
        yield return Throws<ArgumentOutOfRangeException>("VfioDevice.WriteRegister(Int32, UInt32)", "a negative register", r => Do(() => VfioDeviceOf(r).WriteRegister(-4, 0)));

        yield return Throws<ArgumentException>("VirtioBlkDevice.ctor(VirtioBlkOptions)", "capacity 0", _ => new VirtioBlkDevice(new VirtioBlkOptions { CapacitySectors = 0 }));
        yield return Throws<ArgumentException>("VirtioBlkDevice.ctor(VirtioBlkOptions)", "no serial", _ => new VirtioBlkDevice(new VirtioBlkOptions { Serial = null! }));
        yield return Throws<ArgumentException>("VirtioBlkDevice.ctor(VirtioBlkOptions)", "a 21-byte serial", _ => new VirtioBlkDevice(new VirtioBlkOptions { Serial = new string('x', 21) }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "an undefined mode", _ => new VirtioNetDevice(new VirtioNetOptions { Mode = (VirtioNetMode)5 }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "a 5-byte MAC", _ => new VirtioNetDevice(new VirtioNetOptions { Mac = new byte[5] }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "no MAC", _ => new VirtioNetDevice(new VirtioNetOptions { Mac = null! }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "a negative frame count", _ => new VirtioNetDevice(new VirtioNetOptions { GeneratorFrames = -1 }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "a frame size above the maximum", _ => new VirtioNetDevice(new VirtioNetOptions { GeneratorFrameSize = 70000 }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "no queue pairs", _ => new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 0 }));
        yield return Throws<ArgumentException>("VirtioNetDevice.ctor(VirtioNetOptions)", "more queue pairs than 64 queues hold", _ => new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 32 }));
        yield return Throws<ArgumentException>("VirtioBlkDevice.ctor(VirtioBlkOptions)", "no request queue", _ => new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = 0 }));
        yield return Throws<ArgumentException>("VirtioBlkDevice.ctor(VirtioBlkOptions)", "65 request queues", _ => new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = 65 }));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.ReceiveQueueOf(Int32)", "pair -1", _ => VirtioNetConfig.ReceiveQueueOf(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.ReceiveQueueOf(Int32)", "a pair past the maximum", _ => VirtioNetConfig.ReceiveQueueOf(VirtioNetConfig.MaxQueuePairs));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.TransmitQueueOf(Int32)", "pair -1", _ => VirtioNetConfig.TransmitQueueOf(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.TransmitQueueOf(Int32)", "a pair past the maximum", _ => VirtioNetConfig.TransmitQueueOf(VirtioNetConfig.MaxQueuePairs));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.ControlQueueOf(Int32)", "0 pairs", _ => VirtioNetConfig.ControlQueueOf(0));
        yield return Throws<ArgumentOutOfRangeException>("VirtioNetConfig.ControlQueueOf(Int32)", "more pairs than the maximum", _ => VirtioNetConfig.ControlQueueOf(VirtioNetConfig.MaxQueuePairs + 1));
        yield return Throws<ArgumentException>("VirtioNetGenerator.Fill(Span<Byte>, Int64, ReadOnlySpan<Byte>)", "a frame too short", _ => Do(() => VirtioNetGenerator.Fill(new byte[10], 0, new byte[6])));
        yield return Throws<ArgumentException>("VirtioNetGenerator.Fill(Span<Byte>, Int64, ReadOnlySpan<Byte>)", "a 5-byte MAC", _ => Do(() => VirtioNetGenerator.Fill(new byte[100], 0, new byte[5])));
        yield return Refused("VirtioNetGenerator.Verify(ReadOnlySpan<Byte>, Int64&)", "a frame too short", x => VirtioNetGenerator.Verify(new byte[3], out _));

        yield return Throws<ArgumentException>("VirtioFeatures.BitOf(UInt64)", "no bit", _ => VirtioFeatures.BitOf(0));
        yield return Throws<ArgumentException>("VirtioFeatures.BitOf(UInt64)", "two bits", _ => VirtioFeatures.BitOf(3));

        yield return Refused("VirtioMmioTransport.GetQueue(Int32)", "queue -1", r => r.Virtio.Transport.GetQueue(-1));
        yield return Refused("VirtioMmioTransport.GetQueue(Int32)", "a queue the device does not have", r => r.Virtio.Transport.GetQueue(64));
        yield return Throws<ArgumentOutOfRangeException>("VirtioMmioTransport.Read(Int32)", "a misaligned register", r => r.Virtio.Transport.Read(3));
        yield return Throws<ArgumentOutOfRangeException>("VirtioMmioTransport.Read(Int32)", "a negative register", r => r.Virtio.Transport.Read(-4));
        yield return Throws<ArgumentOutOfRangeException>("VirtioMmioTransport.Write(Int32, UInt32)", "a misaligned register", r => Do(() => r.Virtio.Transport.Write(2, 0)));
        yield return Throws<ArgumentOutOfRangeException>("VirtioMmioTransport.ReadConfig(Int32, Span<Byte>)", "past the configuration space", r => Do(() => r.Virtio.Transport.ReadConfig(1000, new byte[4])));
        yield return Throws<ArgumentOutOfRangeException>("VirtioMmioTransport.WriteConfig(Int32, ReadOnlySpan<Byte>)", "a negative offset", r => Do(() => r.Virtio.Transport.WriteConfig(-1, new byte[1])));
        const string transport = "VirtioMmioTransport.ctor(Device, VirtioDeviceModel, VirtioTransportOptions)";
        yield return Throws<ArgumentNullException>(transport, "null device", _ => new VirtioMmioTransport(null!, new VirtioBlkDevice()));
        yield return Throws<ArgumentNullException>(transport, "null model", r => new VirtioMmioTransport(r.Nic, null!));
        yield return Throws<InvalidOperationException>(transport, "a removed device", r => { r.Machine.RemoveDevice(r.Nic); return new VirtioMmioTransport(r.Nic, new VirtioBlkDevice()); });
        yield return Throws<ArgumentException>(transport, "QueueNumMax 0", r => new VirtioMmioTransport(r.Nic, new VirtioBlkDevice(), new VirtioTransportOptions { QueueNumMax = 0 }));
        yield return Throws<InvalidOperationException>(transport, "a model already plugged in", r =>
        {
            var model = new VirtioBlkDevice();
            _ = new VirtioMmioTransport(r.Nic, model);
            return new VirtioMmioTransport(r.Machine.AddDevice(Machines.Disk), model);
        });

        yield return Throws<ArgumentOutOfRangeException>("VirtqChain.Address(Int32)", "a segment the chain does not have", r => r.Queue.LastPopped.Address(0));
        yield return Throws<ArgumentOutOfRangeException>("VirtqChain.IsWritable(Int32)", "index -1", r => r.Queue.LastPopped.IsWritable(-1));
        yield return Throws<ArgumentOutOfRangeException>("VirtqChain.Length(Int32)", "a segment the chain does not have", r => r.Queue.LastPopped.Length(3));
        yield return Throws<ArgumentOutOfRangeException>("VirtqChain.TryRead(Int64, Span<Byte>)", "a negative offset", r => r.Queue.LastPopped.TryRead(-1, new byte[1]));
        yield return Throws<ArgumentOutOfRangeException>("VirtqChain.TryWrite(Int64, ReadOnlySpan<Byte>)", "past the writable stream", r => r.Queue.LastPopped.TryWrite(0, new byte[1]));
    }

    private static VfioDevice VfioDeviceOf(Rig r) =>
        new VfioContainer(r.Machine).AddDevice(new VirtioMmioTransport(r.Machine.AddDevice(Machines.Disk), new VirtioBlkDevice()));

    private static BadInput Throws<TException>(string member, string input, Func<Rig, object?> call)
        where TException : Exception => new(member, input, call, typeof(TException));

    private static BadInput Refused(string member, string input, Func<Rig, object?> call) => new(member, input, call, null);

    private static object? Do(Action action)
    {
        action();
        return null;
    }
}
