using System.Reflection;
using CsCheck;
using DmaDiscipline.Runtime.Tests.Virtio;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using static DmaDiscipline.Runtime.Tests.Hostile.Hostile;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// Every public method and constructor of the runtime, found by reflection, called on live objects
/// with arguments drawn (from a fixed seed) out of boundary values: lengths 0, −1 and int.MaxValue,
/// addresses that wrap, undefined enum values, null, freed buffers, removed devices, objects of
/// another machine. Only documented exception types may escape; an <see cref="ArgumentException"/>
/// must name a parameter of the member called (one naming another member's parameter was thrown
/// from deep inside); and after every call a witness device nobody attacked still maps, reads and
/// unmaps correctly, with nothing left held.
/// </summary>
public sealed class PublicSurfaceSweepTests
{
    private const int Page = PhysicalMemory.PageSize;

    /// <summary>The live objects of one attack: a machine with a running virtio-blk device, a VFIO container, buffers and lists in every state.</summary>
    private sealed class World
    {
        public World(DmaDebugMode mode)
        {
            Machine = Machines.With(debug: mode);
            Witness = Machine.AddDevice(new DeviceId(0, 31, 7), new DeviceOptions { Name = "witness" });
            Harness = new VirtioHarness(new VirtioBlkDevice(), machine: Machine);
            Nic = Harness.Device;
            Disk = Machine.AddDevice(Machines.Disk);
            Buffer = Machine.Memory.Allocate(4 * Page);
            Freed = Machine.Memory.Allocate(Page);
            Machine.Memory.Free(Freed);
            Mapped = Nic.MapChecked(Buffer, 0, Page, DmaDirection.Bidirectional);
            List = new ScatterList(4);
            List.Add(Buffer, 2 * Page, 512);
            MappedList = new ScatterList(2);
            MappedList.Add(Buffer, 3 * Page, 256);
            Assert.True(Nic.Dma.MapSg(MappedList, DmaDirection.ToDevice) > 0);
            Coherent = Nic.Dma.AllocCoherent(Page);
            FreedCoherent = Nic.Dma.AllocCoherent(64);
            Nic.Dma.FreeCoherent(FreedCoherent);
            Removed = Machine.AddDevice(new DeviceId(1, 0, 0));
            Machine.RemoveDevice(Removed);
            Vfio = new VfioContainer(Machine);
            VfioDevice = Vfio.AddDevice(new VirtioMmioTransport(Machine.AddDevice(Machines.Gpu), new VirtioBlkDevice()));
            Vfio.MapDma(Buffer, Page, 0x10_0000, Page, VfioDmaFlags.Read);
            Foreign = Machines.With();
            ForeignDevice = Foreign.AddDevice(Machines.Nic);
            ForeignBuffer = Foreign.Memory.Allocate(Page);
            ForeignCoherent = ForeignDevice.Dma.AllocCoherent(Page);
            Harness.Split(0).Offer(Requests.Blk(Harness, Harness.Split(0), 0, VirtioBlkReq.TypeFlush, 0, 0));
            Assert.Equal(VirtqPopResult.Chain, Queue.TryPop(out _)); // popped, not yet pushed: Push and the chain's accessors have a chain to work on
        }

        public Machine Machine { get; }
        public Device Witness { get; }
        public VirtioHarness Harness { get; }
        public Device Nic { get; }
        public Device Disk { get; }
        public KBuffer Buffer { get; }
        public KBuffer Freed { get; }
        public DmaAddr Mapped { get; }
        public ScatterList List { get; }
        public ScatterList MappedList { get; }
        public CoherentBuffer Coherent { get; }
        public CoherentBuffer FreedCoherent { get; }
        public Device Removed { get; }
        public VfioContainer Vfio { get; }
        public VfioDevice VfioDevice { get; }
        public Machine Foreign { get; }
        public Device ForeignDevice { get; }
        public KBuffer ForeignBuffer { get; }
        public CoherentBuffer ForeignCoherent { get; }
        public DeviceVirtqueue Queue => Harness.Transport.GetQueue(0)!;

        /// <summary>The receiver of an instance member of <paramref name="type"/> (null: none in this world).</summary>
        public object? Receiver(Type type, int pick) => type switch
        {
            _ when type == typeof(Machine) => Machine,
            _ when type == typeof(PhysicalMemory) => Machine.Memory,
            _ when type == typeof(Device) => pick % 3 == 0 ? Removed : Nic,
            _ when type == typeof(DmaApi) => pick % 3 == 0 ? Removed.Dma : pick % 3 == 1 ? Disk.Dma : Nic.Dma,
            _ when type == typeof(BusMaster) => pick % 2 == 0 ? Nic.Bus : Removed.Bus,
            _ when type == typeof(global::DmaDiscipline.Runtime.Iommu) => Machine.Iommu,
            _ when type == typeof(IommuDomain) => pick % 2 == 0 ? Nic.Domain : Vfio.Domain,
            _ when type == typeof(IovaAllocator) => Nic.Domain!.Iova,
            _ when type == typeof(IoTlb) => Nic.Domain!.IoTlb,
            _ when type == typeof(FaultLog) => Machine.Faults,
            _ when type == typeof(DmaDebug) => Machine.Debug,
            _ when type == typeof(Swiotlb) => Machine.Swiotlb,
            _ when type == typeof(KBuffer) => pick % 2 == 0 ? Buffer : Freed,
            _ when type == typeof(CoherentBuffer) => pick % 2 == 0 ? Coherent : FreedCoherent,
            _ when type == typeof(ScatterList) => pick % 2 == 0 ? List : MappedList,
            _ when type == typeof(VirtioMmioTransport) => Harness.Transport,
            _ when type == typeof(DeviceVirtqueue) || type == typeof(SplitDeviceVirtqueue) => Queue,
            _ when type == typeof(VirtqChain) => Queue.LastPopped,
            _ when type == typeof(VfioContainer) => Vfio,
            _ when type == typeof(VfioDevice) => VfioDevice,
            _ when type == typeof(VirtioBlkDevice) => Harness.Transport.Model,
            _ when type == typeof(DeviceId) => Nic.Id,
            _ when type == typeof(DmaAddr) => Mapped,
            _ when type == typeof(PhysAddr) => Buffer.PhysicalAddress,
            _ => null,
        };

        /// <summary>Boundary values for a parameter of <paramref name="type"/>; <paramref name="pick"/> chooses one.</summary>
        public object? Argument(Type type, int pick)
        {
            object?[] pool = Pool(type);
            return pool[(pick & int.MaxValue) % pool.Length];
        }

        private object?[] Pool(Type type)
        {
            if (type.IsByRef)
            {
                return [null];
            }

            if (type.IsEnum)
            {
                object[] defined = Enum.GetValues(type).Cast<object>().ToArray();
                Type underlying = Enum.GetUnderlyingType(type);
                object Undefined(long v) => Enum.ToObject(type, Convert.ChangeType(underlying == typeof(ushort) || underlying == typeof(byte) || underlying == typeof(uint) || underlying == typeof(ulong) ? (object)(ulong)(v & 0x7f) : v, underlying));
                return [.. defined, Undefined(-1), Undefined(99), Undefined(0x7f)];
            }

            return type switch
            {
                _ when type == typeof(int) => [0, 1, -1, 2, 7, 8, 15, 16, 64, 512, 4095, Page, Page + 1, 3 * Page, PhysicalMemory.MaxAllocation, PhysicalMemory.MaxAllocation + 1, int.MaxValue, int.MinValue, 32768, 65536],
                _ when type == typeof(long) => [0L, 1L, -1L, 4096L, long.MaxValue, long.MinValue, 511L],
                _ when type == typeof(ulong) => [0UL, 1UL, 3UL, 0xfffUL, 0x1000UL, 0x10_0000UL, 0x1000_0000UL, 1UL << 32, (1UL << 32) - 1, 1UL << 48, (1UL << 48) - 1, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 0xfff, Mapped.Value, Mapped.Value >> 12, Buffer.PhysicalAddress.Value],
                _ when type == typeof(uint) => [0u, 1u, 2u, 8u, 0xffffu, 0x1_0000u, uint.MaxValue, 0x8000_0000u],
                _ when type == typeof(ushort) => [(ushort)0, (ushort)1, (ushort)7, (ushort)8, ushort.MaxValue, (ushort)0x8000],
                _ when type == typeof(byte) => [(byte)0, (byte)1, (byte)7, (byte)8, (byte)31, (byte)32, byte.MaxValue],
                _ when type == typeof(bool) => [false, true],
                _ when type == typeof(string) => [null, "", "x", "00:03.0", "DMA001", "covered 00:03.0", "zz:zz.z", new string('9', 300)],
                _ when type == typeof(DmaAddr) => [default(DmaAddr), Mapped, new DmaAddr(Mapped.Value + 1), new DmaAddr(ulong.MaxValue), new DmaAddr(ulong.MaxValue - 7), Coherent.DmaAddress, new DmaAddr(0x10_0000), new DmaAddr(Buffer.PhysicalAddress.Value), new DmaAddr(1UL << 63)],
                _ when type == typeof(PhysAddr) => [default(PhysAddr), Buffer.PhysicalAddress, new PhysAddr(ulong.MaxValue & ~0xfffUL), new PhysAddr(Machine.Memory.Size - Page), new PhysAddr(Machine.Memory.Size), new PhysAddr(3)],
                _ when type == typeof(DeviceId) => [Nic.Id, Disk.Id, Removed.Id, default(DeviceId), Machines.Gpu, new DeviceId(9, 9, 1)],
                _ when type == typeof(DeviceId?) => [null, Nic.Id, Removed.Id, new DeviceId(9, 9, 1)],
                _ when type == typeof(InvalidationMode?) => [null, InvalidationMode.Lazy, (InvalidationMode)7],
                _ when type == typeof(KBuffer) => [null, Buffer, Freed, ForeignBuffer],
                _ when type == typeof(ScatterList) => [null, List, MappedList, new ScatterList(1), ForeignList()],
                _ when type == typeof(CoherentBuffer) => [null, Coherent, FreedCoherent, ForeignCoherent],
                _ when type == typeof(Device) => [null, Nic, Disk, Removed, ForeignDevice],
                _ when type == typeof(Machine) => [null, Machine, Foreign, Machines.WithoutIommu()],
                _ when type == typeof(IommuDomain) => [null, Nic.Domain, Foreign.Iommu!.CreateDomain(DomainKind.Translated), Machine.Iommu!.CreateDomain(DomainKind.Identity), Vfio.Domain],
                _ when type == typeof(VirtqChain) => [null, Queue.LastPopped],
                _ when type == typeof(VirtioMmioTransport) => [null, Harness.Transport, new VirtioMmioTransport(Machine.AddDevice(new DeviceId(2, (byte)(_fresh++ % 32), 0)), new VirtioBlkDevice())],
                _ when type == typeof(VirtioDeviceModel) => [null, new VirtioBlkDevice(), new VirtioNetDevice(), Harness.Transport.Model],
                _ when type == typeof(IEnumerable<DeviceId>) => [null, Array.Empty<DeviceId>(), new[] { Nic.Id }, new[] { Nic.Id, Nic.Id }],
                _ when type == typeof(MachineOptions) => [null, new MachineOptions(), new MachineOptions { BouncePoolSize = -2048 }, new MachineOptions { Memory = null! }],
                _ when type == typeof(DeviceOptions) => [null, new DeviceOptions(), new DeviceOptions { DmaMask = 5 }, new DeviceOptions { AtcEntries = -1, Ats = true }, new DeviceOptions { Name = null! }],
                _ when type == typeof(IommuOptions) => [null, new IommuOptions(), new IommuOptions { IoTlbEntries = 0 }],
                _ when type == typeof(PhysicalMemoryOptions) => [null, new PhysicalMemoryOptions(), new PhysicalMemoryOptions { Size = 1 }],
                _ when type == typeof(VirtioTransportOptions) => [null, new VirtioTransportOptions(), new VirtioTransportOptions { QueueNumMax = -7 }],
                _ when type == typeof(VirtioBlkOptions) => [null, new VirtioBlkOptions(), new VirtioBlkOptions { NumQueues = -1 }, new VirtioBlkOptions { CapacitySectors = long.MaxValue }],
                _ when type == typeof(VirtioNetOptions) => [null, new VirtioNetOptions(), new VirtioNetOptions { MaxFrameSize = -1 }, new VirtioNetOptions { GeneratorFrameSize = 0 }],
                _ when type == typeof(FaultLog) => [null, new FaultLog()],
                _ when type == typeof(DmaViolation) => [null],
                _ => [null],
            };
        }

        private int _fresh;

        private ScatterList ForeignList()
        {
            var list = new ScatterList(1);
            list.Add(ForeignBuffer, 0, 64);
            return list;
        }
    }

    /// <summary>Members the sweep calls: public methods and constructors whose every parameter it can supply (no spans, no generics, no delegates).</summary>
    private static readonly MethodBase[] Members = typeof(Machine).Assembly.GetExportedTypes()
        .Where(t => !t.IsEnum && !typeof(Delegate).IsAssignableFrom(t) && !typeof(Attribute).IsAssignableFrom(t) && !t.IsInterface)
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Cast<MethodBase>()
            .Concat(t.IsAbstract ? [] : t.GetConstructors()))
        .Where(m => !m.IsSpecialName || m is ConstructorInfo || m.Name.StartsWith("set_", StringComparison.Ordinal))
        .Where(m => !m.ContainsGenericParameters && m.GetParameters().Length > 0)
        .Where(m => m.GetParameters().All(p => !p.ParameterType.IsByRefLike && !(p.ParameterType.IsByRef && p.ParameterType.GetElementType()!.IsByRefLike) && !typeof(Delegate).IsAssignableFrom(p.ParameterType)))
        .Where(m => m.Name is not ("Equals" or "CompareTo" or "Deconstruct" or "PrintMembers" or "<Clone>$"))
        .OrderBy(m => m.DeclaringType!.FullName).ThenBy(m => m.ToString())
        .ToArray();

    public sealed record Call(int Member, int Receiver, int[] Arguments, DmaDebugMode Mode)
    {
        public override string ToString() => $"{DmaDiscipline.Runtime.Tests.Adversarial.PublicSurface.NameOf(Members[Member])} receiver#{Receiver} args#[{string.Join(",", Arguments)}] {Mode}";
    }

    private static readonly Gen<Call> Calls = Gen.Select(
        Gen.Int[0, Members.Length - 1], Gen.Int[0, 5], Gen.Int[0, int.MaxValue].Array[6], Gen.Int[0, 2].Select(m => (DmaDebugMode)m),
        (member, receiver, arguments, mode) => new Call(member, receiver, arguments, mode));

    [Fact]
    public void TheSweep_ReachesEveryMemberItCanCall() =>
        Assert.True(Members.Length > 100, $"only {Members.Length} members found");

    [Fact]
    public void EveryPublicMember_GivenBoundaryArguments_AnswersClearly_AndLeavesTheWitnessWorking() =>
        Finishes(() => Calls.Array[1, 8].Sample(Attack, iterations: 60, stream: 101), "the random sweep", seconds: 600); // a bound only to turn a hang into a failure

    [Fact]
    public void EachMember_WithEveryArgumentWalkingItsBoundaries() =>
        Finishes(WalkEveryMember, "the member-by-member sweep", seconds: 600); // a bound only to turn a hang into a failure

    private static void WalkEveryMember()
    {
        const DmaDebugMode mode = DmaDebugMode.Collect; // the random sweep above runs every mode
        var failures = new SortedSet<string>(StringComparer.Ordinal);
        const int MembersPerWorld = 3;
        for (int first = 0; first < Members.Length; first += MembersPerWorld)
        {
            // One world per three members, each attacked four times in a row (each call may leave the world
            // changed: a later one meets that state; the messages name the call).
            Call[] calls = Enumerable.Range(first, Math.Min(MembersPerWorld, Members.Length - first))
                .SelectMany(member => Enumerable.Range(0, 4)
                    .Select(variant => new Call(member, variant, Enumerable.Range(0, 6).Select(i => variant + (i * (variant + 1))).ToArray(), mode)))
                .ToArray();
            try
            {
                Attack(calls);
            }
            catch (Exception e)
            {
                failures.Add(PublicSurfaceNameOf(calls[0]) + "…: " + e.Message.Split('\n')[0]);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} member(s) answered badly:\n{string.Join("\n", failures)}");
    }

    private static string PublicSurfaceNameOf(Call call) => DmaDiscipline.Runtime.Tests.Adversarial.PublicSurface.NameOf(Members[call.Member]);

    private static void Attack(Call[] calls)
    {
        var world = new World(calls[0].Mode);
        foreach (Call call in calls)
        {
            MethodBase member = Members[call.Member];
            ParameterInfo[] parameters = member.GetParameters();
            object?[] arguments = parameters.Select((p, i) => world.Argument(p.ParameterType, call.Arguments[i % call.Arguments.Length] + i)).ToArray();
            object? receiver = member.IsStatic || member is ConstructorInfo ? null : world.Receiver(member.DeclaringType!, call.Receiver);
            if (!member.IsStatic && member is not ConstructorInfo && receiver is null)
            {
                continue; // no live object of that type in this world
            }

            Exception? error = null;
            try
            {
                _ = member is ConstructorInfo ctor ? ctor.Invoke(arguments) : member.Invoke(receiver, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                error = e.InnerException;
            }

            if (error is null)
            {
                continue;
            }

            Assert.True(Documented.Contains(error.GetType()) || error is FormatException && member.Name is "Parse",
                $"{call}: {error.GetType().Name} escaped: {error.Message}\n{error.StackTrace}");
            Assert.False(string.IsNullOrWhiteSpace(error.Message), call.ToString());
            if (error is ArgumentException { ParamName: { } name })
            {
                string[] names = member.Name.StartsWith("set_", StringComparison.Ordinal)
                    ? ["value"]
                    : parameters.Select(p => p.Name!).ToArray();
                Assert.True(names.Contains(name), $"{call}: {error.GetType().Name} names '{name}', not a parameter of the member called ({string.Join(", ", names)}): thrown from deep inside\n{error.StackTrace}");
            }
        }

        world.Machine.Debug.SetDeviceFilter([world.Witness.Id]);
        StillWorks(world.Machine, world.Witness);
        Assert.Empty(world.Machine.Debug.For(world.Witness.Id));
    }
    /// <summary>The members the reflection sweep cannot call (spans cannot be boxed), attacked by hand with the same rule.</summary>
    [Fact]
    public void MembersTakingSpans_GivenBoundaryOffsetsAndLengths_AnswerClearly()
    {
        var world = new World(DmaDebugMode.Collect);
        int[] offsets = [0, -1, 1, 3, 255, 256, 4095, int.MaxValue, int.MaxValue - 3, int.MinValue];
        int[] lengths = [0, 1, 4, 8, 16, 4096, 70_000];
        ulong[] addresses = [0, 1, world.Mapped.Value, world.Mapped.Value + 4090, ulong.MaxValue, ulong.MaxValue - 7, 1UL << 63, world.Buffer.PhysicalAddress.Value];
        VfioDevice vfio = world.VfioDevice;
        VirtioMmioTransport transport = world.Harness.Transport;
        VirtqChain chain = world.Queue.LastPopped;
        foreach (int length in lengths)
        {
            var bytes = new byte[length];
            foreach (int offset in offsets)
            {
                Clear(() => transport.ReadConfig(offset, bytes), "offset");
                Clear(() => transport.WriteConfig(offset, bytes), "offset");
                Clear(() => vfio.ReadConfig(offset, bytes), "offset");
                Clear(() => chain.TryRead(offset, bytes), "offset");
                Clear(() => chain.TryWrite(offset, bytes), "offset");
                Clear(() => chain.TryRead((long)offset << 20, bytes), "offset");
            }

            foreach (ulong address in addresses)
            {
                Clear(() => world.Nic.Bus.TryRead(new DmaAddr(address), bytes), "address");
                Clear(() => world.Nic.Bus.TryWrite(new DmaAddr(address), bytes), "address");
                Clear(() => world.Machine.Memory.Read(new PhysAddr(address), bytes), "address");
                Clear(() => world.Machine.Memory.Write(new PhysAddr(address & ~0xfffUL), bytes), "address");
            }

            Clear(() => VirtqDesc.Read(bytes), "bytes");
            Clear(() => PvirtqDesc.Read(bytes), "bytes");
            Clear(() => default(VirtqDesc).Write(bytes), "bytes");
            Clear(() => new PvirtqDesc(ulong.MaxValue, uint.MaxValue, ushort.MaxValue, (VirtqDescFlags)0xffff).Write(bytes), "bytes");
            Clear(() => VirtioNetGenerator.Verify(bytes, out _), "frame");
            foreach (long sequence in new[] { 0L, -1L, long.MaxValue, long.MinValue })
            {
                Clear(() => VirtioNetGenerator.Fill(bytes, sequence, new byte[6]), "frame");
                Clear(() => VirtioNetGenerator.Fill(bytes, sequence, new byte[length]), length >= VirtioNetGenerator.MinFrameSize ? "destinationMac" : "frame");
            }
        }

        world.Machine.Debug.SetDeviceFilter([world.Witness.Id]);
        StillWorks(world.Machine, world.Witness);
    }

    private static void Clear(Action call, params string[] parameters)
    {
        Exception? error = NeverInternal(call);
        if (error is ArgumentException { ParamName: { } name })
        {
            Assert.True(parameters.Contains(name) || name is "destination" or "source" or "length" or "sequence", $"{error.GetType().Name} names '{name}': {error.Message}\n{error.StackTrace}");
        }
    }
}
