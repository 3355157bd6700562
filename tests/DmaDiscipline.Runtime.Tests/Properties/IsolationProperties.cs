using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Properties;

/// <summary>
/// Random interleavings of map, unmap, sync and device reads/writes over several devices and domain
/// kinds (translated, translated with a 32-bit mask, a group sharing a domain, identity, blocked),
/// checked against a model of what each domain has mapped. In strict mode a device reaches a byte
/// exactly when a live mapping of its domain covers that page with the right permission, and reaches
/// the right physical byte; a blocked transaction changes nothing. In lazy mode the only extra reach
/// is through pages whose invalidation is still queued. The same holds with ATS, when every device
/// also caches translations itself.
/// </summary>
public sealed class IsolationProperties
{
    private const int Page = PhysicalMemory.PageSize;
    private const int Buffers = 6;
    private const int BufferLength = 3 * Page;

    /// <summary>One step; the integers are interpreted modulo whatever they choose from, so every value is meaningful and shrinks well.</summary>
    public readonly record struct Step(int Kind, int Device, int A, int B, int Length)
    {
        public override string ToString() => $"({Kind},{Device},{A},{B},{Length})";
    }

    private static readonly Gen<Step[]> Steps =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 4], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20], Gen.Int[1, 9000], (k, d, a, b, l) => new Step(k, d, a, b, l))
            .Array[1, 60];

    [Fact]
    public void StrictInvalidation_NoDeviceEverReachesAByteOutsideWhatIsMappedForIt_WithTheRightPermission()
    {
        Steps.Sample(steps => new Harness(InvalidationMode.Strict).Run(steps), iter: 300);
    }

    [Fact]
    public void LazyInvalidation_TheOnlyExtraReach_IsThroughPagesStillQueuedForFlush()
    {
        Steps.Sample(steps => new Harness(InvalidationMode.Lazy).Run(steps), iter: 300);
    }

    [Fact]
    public void WithAts_StrictInvalidationStaysStrict_TheDevicesOwnCachesNeverOutliveAnUnmap()
    {
        Steps.Sample(steps => new Harness(InvalidationMode.Strict, ats: true).Run(steps), iter: 300);
    }

    [Fact]
    public void WithAts_LazyInvalidation_TheDevicesOwnCachesAddNoReachBeyondTheFlushQueue()
    {
        Steps.Sample(steps => new Harness(InvalidationMode.Lazy, ats: true).Run(steps), iter: 300);
    }

    private sealed record Mapping(Device Device, IommuDomain? Domain, DmaAddr Address, int Length, DmaDirection Direction, ulong Physical)
    {
        public ulong FirstPage => Address.Value >> PhysicalMemory.PageShift;

        public ulong LastPage => (Address.Value + (ulong)Length - 1) >> PhysicalMemory.PageShift;

        public bool Allows(DmaAccess access) =>
            Direction == DmaDirection.Bidirectional || (access == DmaAccess.Read ? Direction == DmaDirection.ToDevice : Direction == DmaDirection.FromDevice);

        /// <summary>The physical byte the IOMMU maps bus address <paramref name="bus"/> of this mapping's pages to.</summary>
        public ulong PhysicalOf(ulong bus) => Physical - Address.Value + bus;
    }

    private sealed class Harness
    {
        private readonly InvalidationMode _mode;
        private readonly Machine _machine;
        private readonly Device[] _devices;
        private readonly KBuffer[] _buffers = new KBuffer[Buffers];
        private readonly List<Mapping> _live = new();
        private readonly List<Mapping> _dead = new();

        public Harness(InvalidationMode mode, bool ats = false)
        {
            // Small caches, so that eviction and refill are part of every run.
            DeviceOptions Options(ulong mask = ulong.MaxValue, DeviceId? group = null) =>
                new() { DmaMask = mask, GroupWith = group, Ats = ats, AtcEntries = 4 };

            _mode = mode;
            _machine = new Machine(new MachineOptions
            {
                Iommu = new IommuOptions { Invalidation = mode, IoTlbEntries = 8, FlushBatchSize = 4 },
                DomainOverrides = new Dictionary<DeviceId, DomainKind> { [Machines.Gpu] = DomainKind.Identity, [new DeviceId(0, 6, 0)] = DomainKind.Blocked },
                Debug = DmaDebugMode.Off,
                BouncePoolSize = 64 << 10,
            });
            _devices =
            [
                _machine.AddDevice(Machines.Nic, Options()),
                _machine.AddDevice(Machines.Disk, Options(mask: uint.MaxValue)),
                _machine.AddDevice(new DeviceId(0, 3, 1), Options(group: Machines.Nic)),
                _machine.AddDevice(Machines.Gpu, Options()),
                _machine.AddDevice(new DeviceId(0, 6, 0), Options()),
            ];
            for (int i = 0; i < Buffers; i++)
            {
                _buffers[i] = _machine.Memory.Allocate(BufferLength, i % 2 == 0 ? MemoryPlacement.Below4G : MemoryPlacement.Above4G);
                Machines.Pattern(BufferLength, (byte)(i * 40)).CopyTo(_buffers[i].Span);
            }
        }

        public void Run(Step[] steps)
        {
            foreach (Step step in steps)
            {
                Device device = _devices[step.Device % _devices.Length];
                switch (step.Kind)
                {
                    case 0:
                    case 1:
                        Map(device, step);
                        break;
                    case 2:
                        Unmap(device, step);
                        break;
                    case 3:
                        Sync(device, step);
                        break;
                    case 4:
                    case 5:
                        Access(device, step, DmaAccess.Read);
                        break;
                    default:
                        Access(device, step, DmaAccess.Write);
                        break;
                }
            }
        }

        private static DomainKind KindOf(Device device) => device.Domain?.Kind ?? DomainKind.Identity;

        private void Map(Device device, Step step)
        {
            KBuffer buffer = _buffers[step.A % Buffers];
            int offset = step.B % BufferLength;
            int length = 1 + (step.Length % (BufferLength - offset));
            var direction = (DmaDirection)(step.A / 7 % 3);
            DmaAddr address = device.Dma.MapSingle(buffer, offset, length, direction);
            Assert.False(device.Dma.MappingError(address), $"map of {length} bytes failed on {device}");
            ulong physical = buffer.PhysicalAddress.Value + (ulong)offset;
            Assert.True(address.Value + (ulong)length - 1 <= device.Dma.DmaMask, "a mapping must fit the device's DMA mask");
            if (KindOf(device) != DomainKind.Translated)
            {
                Assert.Equal(physical, address.Value); // identity (and blocked) domains hand out the physical address
            }
            else
            {
                Assert.Equal(physical & PhysicalMemory.PageMask, address.Value & PhysicalMemory.PageMask);
            }

            _live.Add(new Mapping(device, device.Domain, address, length, direction, physical));
        }

        private Mapping? Pick(Device device, int choice)
        {
            var mine = _live.Where(m => m.Device == device).ToList();
            return mine.Count == 0 ? null : mine[choice % mine.Count];
        }

        private void Unmap(Device device, Step step)
        {
            if (Pick(device, step.A) is not { } mapping)
            {
                return;
            }

            device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
            _live.Remove(mapping);
            _dead.Add(mapping);
        }

        private void Sync(Device device, Step step)
        {
            if (Pick(device, step.A) is not { } mapping)
            {
                return;
            }

            int within = step.B % mapping.Length;
            int length = 1 + (step.Length % (mapping.Length - within));
            var address = new DmaAddr(mapping.Address.Value + (ulong)within);
            if (step.A % 2 == 0)
            {
                device.Dma.SyncForCpu(address, length, mapping.Direction);
            }
            else
            {
                device.Dma.SyncForDevice(address, length, mapping.Direction);
            }
        }

        private ulong Target(Device device, Step step)
        {
            Mapping? source = (step.A % 6) switch
            {
                0 or 1 or 2 => Pick(device, step.B),
                3 => _dead.Count == 0 ? null : _dead[step.B % _dead.Count],
                4 => _live.Count == 0 ? null : _live[step.B % _live.Count], // possibly another device's
                _ => null,
            };
            if (source is not null)
            {
                return source.Address.Value + (ulong)(step.B % source.Length);
            }

            // Somewhere plausible but unmapped: a buffer's physical address, or the top of the IOVA space.
            return step.B % 2 == 0
                ? _buffers[step.B % Buffers].PhysicalAddress.Value + (ulong)(step.B % BufferLength)
                : (1UL << 48) - (ulong)(step.B % (64 * Page));
        }

        private void Access(Device device, Step step, DmaAccess access)
        {
            // The device drives only the address bits its hardware has (a 32-bit disk cannot emit a 48-bit IOVA).
            ulong address = Target(device, step) & device.Bus.AddressMask;
            int length = step.Length;
            byte[][] before = Snapshot();
            var data = new byte[length];
            if (access == DmaAccess.Write)
            {
                Array.Fill(data, (byte)(step.A ^ step.Length));
            }
            else
            {
                Array.Fill(data, (byte)0xCC);
            }

            long faults = _machine.Faults.Count;
            bool ok = access == DmaAccess.Write ? device.Bus.TryWrite(new DmaAddr(address), data) : device.Bus.TryRead(new DmaAddr(address), data);

            // Where each byte of the access must land, or null when the domain must refuse it.
            ulong[]? physical = Expected(device, address, length, access, out bool mayStale);
            if (physical is null)
            {
                Assert.False(ok, $"{device} {access} at 0x{address:x}+{length} succeeded though its domain maps no such page with that permission");
            }
            else if (!mayStale)
            {
                Assert.True(ok, $"{device} {access} at 0x{address:x}+{length} faulted though it is mapped with that permission");
            }

            if (!ok)
            {
                Assert.Equal(faults + 1, _machine.Faults.Count);
                Assert.Equal(device.Id, _machine.Faults.Records[^1].Device);
                Assert.All(Snapshot().Zip(before), pair => Assert.Equal(pair.Second, pair.First)); // nothing written
                if (access == DmaAccess.Read)
                {
                    Assert.All(data, b => Assert.Equal(0, b)); // nothing read
                }

                return;
            }

            Assert.NotNull(physical);
            if (access == DmaAccess.Read)
            {
                var expected = new byte[length];
                for (int i = 0; i < length; i++)
                {
                    _machine.Memory.Read(new PhysAddr(physical[i]), expected.AsSpan(i, 1));
                }

                Assert.Equal(expected, data);
                Assert.All(Snapshot().Zip(before), pair => Assert.Equal(pair.Second, pair.First));
                return;
            }

            // A write changed exactly the bytes it translated to, inside the tracked buffers.
            for (int i = 0; i < length; i++)
            {
                for (int b = 0; b < Buffers; b++)
                {
                    ulong start = _buffers[b].PhysicalAddress.Value;
                    if (physical[i] >= start && physical[i] < start + BufferLength)
                    {
                        before[b][physical[i] - start] = data[i];
                    }
                }
            }

            Assert.All(Snapshot().Zip(before), pair => Assert.Equal(pair.Second, pair.First));
        }

        /// <summary>The model: per byte, the physical address the access must reach, or null when the access must fault.</summary>
        private ulong[]? Expected(Device device, ulong address, int length, DmaAccess access, out bool mayStale)
        {
            mayStale = false;
            var physical = new ulong[length];
            switch (KindOf(device))
            {
                case DomainKind.Blocked:
                    return null;
                case DomainKind.Identity:
                    if (!_machine.Memory.Contains(address, length))
                    {
                        return null; // passthrough still cannot reach beyond physical memory
                    }

                    for (int i = 0; i < length; i++)
                    {
                        physical[i] = address + (ulong)i;
                    }

                    return physical;
            }

            for (int i = 0; i < length; i++)
            {
                ulong bus = address + (ulong)i;
                ulong page = bus >> PhysicalMemory.PageShift;
                Mapping? covering = _live.FirstOrDefault(m => m.Domain == device.Domain && m.FirstPage <= page && page <= m.LastPage);
                if (covering is not null && covering.Allows(access))
                {
                    physical[i] = covering.PhysicalOf(bus);
                    continue;
                }

                // Lazy mode only: a queued invalidation may leave the last unmapped translation of the page cached.
                Mapping? stale = _mode == InvalidationMode.Lazy && covering is null && device.Domain!.IsPendingFlush(page)
                    ? _dead.LastOrDefault(m => m.Domain == device.Domain && m.FirstPage <= page && page <= m.LastPage)
                    : null;
                if (stale is null || !stale.Allows(access))
                {
                    return null;
                }

                mayStale = true;
                physical[i] = stale.PhysicalOf(bus);
            }

            return physical;
        }

        private byte[][] Snapshot()
        {
            var copy = new byte[Buffers][];
            for (int b = 0; b < Buffers; b++)
            {
                copy[b] = new byte[BufferLength];
                _machine.Memory.Read(_buffers[b].PhysicalAddress, copy[b]);
            }

            return copy;
        }
    }
}
