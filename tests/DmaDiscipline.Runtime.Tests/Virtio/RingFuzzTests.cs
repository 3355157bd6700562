using System.Buffers.Binary;
using CsCheck;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>
/// Random ring contents fed to every device model, split and packed, with and without indirect
/// descriptors and EVENT_IDX: nothing may throw out of the device, and memory the device was not
/// given (canary buffers around its mappings, never mapped for it) must come out unchanged.
/// </summary>
public sealed class RingFuzzTests
{
    private const int DataSize = 64 << 10;
    private const int CanarySize = 16 << 10;

    public enum Model
    {
        Blk,
        NetLoopback,
        NetGenerator,
    }

    public sealed record Case(Model Model, bool Packed, bool Indirect, bool EventIdx, int QueueSizeLog2, int Seed, bool Structured = true)
    {
        public override string ToString() => $"{Model} {(Packed ? "packed" : "split")} indirect={Indirect} event_idx={EventIdx} size={1 << QueueSizeLog2} seed={Seed} {(Structured ? "structured" : "noise")}";
    }

    private static readonly Gen<Case> Cases =
        Gen.Select(Gen.Enum<Model>(), Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 5], Gen.Int, Gen.Bool, (m, p, i, e, s, seed, structured) => new Case(m, p, i, e, s, seed, structured));

    [Fact]
    public void RandomRings_NeverThrow_AndNeverTouchMemoryOutsideTheDevicesMappings() =>
        Cases.Sample(Run, iter: 400);

    [Theory]
    [InlineData(Model.Blk, false)]
    [InlineData(Model.Blk, true)]
    [InlineData(Model.NetLoopback, false)]
    [InlineData(Model.NetLoopback, true)]
    [InlineData(Model.NetGenerator, false)]
    [InlineData(Model.NetGenerator, true)]
    public void EachModelAndFormat_SurvivesRandomRings(Model model, bool packed)
    {
        for (int seed = 0; seed < 80; seed++)
        {
            Run(new Case(model, packed, Indirect: seed % 2 == 0, EventIdx: seed % 3 == 0, QueueSizeLog2: seed % 5, Seed: seed, Structured: seed % 4 != 0));
        }
    }

    private static void Run(Case c)
    {
        var random = new Random(c.Seed);
        Machine machine = Machines.With(DomainKind.Translated);
        KBuffer canaryBefore = Canary(machine);
        ulong features = VirtioHarness.Modern
            | (c.Packed ? VirtioFeatures.RingPacked : 0)
            | (c.Indirect ? VirtioFeatures.IndirectDesc : 0)
            | (c.EventIdx ? VirtioFeatures.EventIdx : 0);
        VirtioDeviceModel model = c.Model switch
        {
            Model.Blk => new VirtioBlkDevice(new VirtioBlkOptions { CapacitySectors = 64 }),
            Model.NetLoopback => new VirtioNetDevice(new VirtioNetOptions { MaxFrameSize = 4096 }),
            _ => new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Generator, GeneratorFrameSize = 200 }),
        };
        var h = new VirtioHarness(model, features: features, queueSize: 1 << c.QueueSizeLog2, machine: machine, dataSize: DataSize);
        KBuffer canaryAfter = Canary(machine);
        var addresses = new AddressPicker(random, h, canaryBefore, canaryAfter);

        for (int round = 0; round < 3; round++)
        {
            if (h.NeedsReset)
            {
                Assert.False(string.IsNullOrEmpty(h.Transport.NeedsResetReason), c.ToString());
                Assert.True(h.Negotiate(features));
                h.Rings.Clear();
                h.SetupQueues();
                h.DriverOk();
            }

            random.NextBytes(h.Data.Span);
            WriteBlkHeaders(random, h);
            for (int table = 0; table < 4; table++)
            {
                FillDescriptors(random, addresses, h.Data.Span.Slice(32 << 10 | (table << 12), 4096), 256, c.Packed);
            }

            foreach (TestRing ring in h.Rings)
            {
                switch (ring)
                {
                    case SplitRing split when c.Structured:
                        OfferSplitChains(random, addresses, split, c.Indirect);
                        break;
                    case SplitRing split:
                        FillSplit(random, addresses, split);
                        break;
                    case PackedRing packed when c.Structured:
                        OfferPackedChains(random, addresses, packed, c.Indirect);
                        break;
                    default:
                        FillPacked(random, addresses, (PackedRing)ring);
                        break;
                }
            }

            for (int kick = 0; kick < 4; kick++)
            {
                h.Kick(random.Next(h.Transport.QueueCount + 1)); // sometimes a queue that does not exist
            }
        }

        AssertIntact(canaryBefore, c);
        AssertIntact(canaryAfter, c);
        Assert.All(machine.Faults.Records, f => Assert.Equal(h.Device.Id, f.Device));
        Assert.All(h.Transport.Errors, e => Assert.False(string.IsNullOrEmpty(e.Message)));
    }

    private static KBuffer Canary(Machine machine)
    {
        KBuffer canary = machine.Memory.Allocate(CanarySize);
        Machines.Pattern(CanarySize, 0xA5).CopyTo(canary.Span);
        return canary;
    }

    private static void AssertIntact(KBuffer canary, Case c) =>
        Assert.True(canary.Span.SequenceEqual(Machines.Pattern(CanarySize, 0xA5)), $"memory outside the device's mappings changed: {c}");

    /// <summary>Plausible virtio-blk headers at the start of each 1 KiB of the first 8 KiB of the data area.</summary>
    private static void WriteBlkHeaders(Random random, VirtioHarness h)
    {
        uint[] types = { VirtioBlkReq.TypeIn, VirtioBlkReq.TypeOut, VirtioBlkReq.TypeFlush, VirtioBlkReq.TypeGetId, (uint)random.Next() };
        for (int k = 0; k < 8; k++)
        {
            Span<byte> header = h.Data.Span.Slice(k << 10, VirtioBlkReq.HeaderSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header, types[random.Next(types.Length)]);
            BinaryPrimitives.WriteUInt64LittleEndian(header[VirtioBlkReq.SectorOffset..], random.Next(8) == 0 ? (ulong)random.NextInt64() : (ulong)random.Next(70));
        }
    }

    /// <summary>Well-formed chains (readable then writable segments, some indirect), then a few random corruptions.</summary>
    private static void OfferSplitChains(Random random, AddressPicker addresses, SplitRing ring, bool indirect)
    {
        int n = ring.Size;
        int next = 0;
        while (next < n && random.Next(5) != 0)
        {
            int head = next;
            if (indirect && random.Next(4) == 0)
            {
                int entries = random.Next(1, 5);
                int table = addresses.IndirectTable(out ulong tableAddress);
                WriteChain(random, addresses, entries, (i, addr, len, flags) => new VirtqDesc(addr, len, flags | (i < entries - 1 ? VirtqDescFlags.Next : 0), (ushort)(i + 1)).Write(addresses.Data[(table + 16 * i)..]));
                ring.SetDesc(next++, tableAddress, (uint)(16 * entries), VirtqDescFlags.Indirect);
            }
            else
            {
                int length = random.Next(1, Math.Min(4, n - next) + 1);
                int first = next;
                WriteChain(random, addresses, length, (i, addr, len, flags) => ring.SetDesc(first + i, addr, len, flags | (i < length - 1 ? VirtqDescFlags.Next : 0), (ushort)(first + i + 1)));
                next += length;
            }

            ring.Offer((ushort)head);
        }

        for (int m = random.Next(4); m > 0; m--)
        {
            int i = random.Next(n);
            VirtqDesc desc = VirtqDesc.Read(ring.Bytes[VirtqDesc.OffsetOf(i)..]);
            desc = random.Next(5) switch
            {
                0 => desc with { Addr = addresses.Pick() },
                1 => desc with { Len = addresses.Length() },
                2 => desc with { Flags = desc.Flags ^ (VirtqDescFlags)(1 << random.Next(3)) },
                3 => desc with { Next = (ushort)random.Next(n + 2) },
                _ => desc,
            };
            ring.SetDesc(i, desc.Addr, desc.Len, desc.Flags, desc.Next);
            if (random.Next(6) == 0)
            {
                ring.PublishAvailIdx((ushort)(ring.AvailIdx + random.Next(-2, n + 3)));
            }
        }
    }

    /// <summary>Well-formed packed chains, then a few random corruptions of descriptors (flags included).</summary>
    private static void OfferPackedChains(Random random, AddressPicker addresses, PackedRing ring, bool indirect)
    {
        int budget = ring.Size;
        while (budget > 0 && random.Next(5) != 0)
        {
            ushort id = (ushort)random.Next(ring.Size);
            if (indirect && random.Next(4) == 0)
            {
                int entries = random.Next(1, 5);
                int table = addresses.IndirectTable(out ulong tableAddress);
                WriteChain(random, addresses, entries, (i, addr, len, flags) => new PvirtqDesc(addr, len, 0, flags).Write(addresses.Data[(table + 16 * i)..]));
                ring.Offer(id, (tableAddress, (uint)(16 * entries), VirtqDescFlags.Indirect));
                budget--;
                continue;
            }

            int length = random.Next(1, Math.Min(4, budget) + 1);
            var elements = new (ulong, uint, VirtqDescFlags)[length];
            WriteChain(random, addresses, length, (i, addr, len, flags) => elements[i] = (addr, len, flags));
            ring.Offer(id, elements);
            budget -= length;
        }

        for (int m = random.Next(4); m > 0; m--)
        {
            int i = random.Next(ring.Size);
            PvirtqDesc desc = ring.Desc(i);
            ring.SetDesc(i, random.Next(5) switch
            {
                0 => desc with { Addr = addresses.Pick() },
                1 => desc with { Len = addresses.Length() },
                2 => desc with { Flags = desc.Flags ^ (VirtqDescFlags)(1 << random.Next(16)) },
                3 => desc with { Id = (ushort)random.Next(ushort.MaxValue + 1) },
                _ => desc,
            });
        }

        ring.SetDriverEvent((ushort)random.Next(3), (ushort)random.Next(ushort.MaxValue + 1));
    }

    /// <summary>Segments of one request: a header-like readable start, data, a writable tail (mostly in that order).</summary>
    private static void WriteChain(Random random, AddressPicker addresses, int length, Action<int, ulong, uint, VirtqDescFlags> write)
    {
        int firstWritable = random.Next(1, length + 1);
        for (int i = 0; i < length; i++)
        {
            bool writable = i >= firstWritable || (length == 1 && random.Next(2) == 0);
            (ulong addr, uint len) = i == 0 && !writable ? addresses.Header() : (addresses.Pick(), addresses.PlausibleLength());
            write(i, addr, len, writable ? VirtqDescFlags.Write : VirtqDescFlags.None);
        }
    }

    private static void FillSplit(Random random, AddressPicker addresses, SplitRing ring)
    {
        int n = ring.Size;
        random.NextBytes(ring.Bytes); // used ring and everything else: garbage the device must not trust
        for (int i = 0; i < n; i++)
        {
            var flags = (VirtqDescFlags)(random.Next(4) | (random.Next(12) == 0 ? (int)VirtqDescFlags.Indirect : 0));
            ushort next = (ushort)(random.Next(8) == 0 ? random.Next(ushort.MaxValue + 1) : random.Next(n));
            ring.SetDesc(i, addresses.Pick(), addresses.Length(), flags, next);
        }

        for (int i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(ring.Bytes[(ring.AvailOffset + VirtqAvail.RingEntryOffset(i))..], (ushort)(random.Next(10) == 0 ? random.Next(ushort.MaxValue + 1) : random.Next(n)));
        }

        ring.SetAvailFlags((ushort)random.Next(2));
        ring.SetUsedEvent((ushort)random.Next(n + 2));
        ring.PublishAvailIdx((ushort)(random.Next(6) == 0 ? random.Next(ushort.MaxValue + 1) : random.Next(n + 2)));
    }

    private static void FillPacked(Random random, AddressPicker addresses, PackedRing ring)
    {
        random.NextBytes(ring.Bytes);
        for (int i = 0; i < ring.Size; i++)
        {
            bool wrap = random.Next(4) != 0;
            VirtqDescFlags flags = (random.Next(3) != 0 ? PvirtqDesc.AvailFlags(wrap) : (VirtqDescFlags)(random.Next(2) << 7 | random.Next(2) << 15))
                | (VirtqDescFlags)random.Next(4)
                | (random.Next(12) == 0 ? VirtqDescFlags.Indirect : VirtqDescFlags.None);
            ring.SetDesc(i, new PvirtqDesc(addresses.Pick(), addresses.Length(), (ushort)random.Next(ushort.MaxValue + 1), flags));
        }

        ring.SetDriverEvent((ushort)random.Next(4), (ushort)random.Next(ushort.MaxValue + 1));
    }

    /// <summary>Random descriptors for indirect tables (split and packed descriptors share addr and len).</summary>
    private static void FillDescriptors(Random random, AddressPicker addresses, Span<byte> table, int count, bool packed)
    {
        for (int i = 0; i < count; i++)
        {
            var flags = (VirtqDescFlags)(random.Next(4) | (random.Next(30) == 0 ? (int)VirtqDescFlags.Indirect : 0));
            if (packed)
            {
                new PvirtqDesc(addresses.Pick(), addresses.Length(), (ushort)random.Next(count), flags).Write(table[(16 * i)..]);
            }
            else
            {
                new VirtqDesc(addresses.Pick(), addresses.Length(), flags, (ushort)random.Next(count + 4)).Write(table[(16 * i)..]);
            }
        }
    }

    /// <summary>Bus addresses a confused or hostile driver would write: mostly inside the data area, some across its end, some anywhere.</summary>
    private sealed class AddressPicker(Random random, VirtioHarness h, KBuffer canaryBefore, KBuffer canaryAfter)
    {
        public ulong Pick() => random.Next(20) switch
        {
            < 10 => h.At(random.Next(DataSize)),
            < 13 => h.At(DataSize - random.Next(1, 600)),
            13 => h.At(32 << 10 | random.Next(4) << 12), // an indirect table
            14 => canaryBefore.PhysicalAddress.Value + (ulong)random.Next(CanarySize),
            15 => canaryAfter.PhysicalAddress.Value + (ulong)random.Next(CanarySize),
            16 => h.Rings[0].DescArea + (ulong)random.Next(64),
            17 => 0,
            _ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63),
        };

        /// <summary>A blk-header-sized (or net-header-and-frame-sized) readable start of a request.</summary>
        public (ulong Address, uint Length) Header() => random.Next(3) switch
        {
            0 => (h.At(random.Next(8) << 10), (uint)VirtioBlkReq.HeaderSize),
            1 => (h.At(random.Next(8) << 10), (uint)random.Next(12, 1600)),
            _ => (Pick(), PlausibleLength()),
        };

        /// <summary>Mostly whole sectors or small buffers, sometimes anything.</summary>
        public uint PlausibleLength() => random.Next(10) switch
        {
            < 4 => (uint)(512 * random.Next(1, 5)),
            < 6 => 1,
            < 8 => (uint)random.Next(1, 2048),
            _ => Length(),
        };

        public Span<byte> Data => h.Data.Span;

        /// <summary>The data-area offset of one of the four indirect tables.</summary>
        public int IndirectTable(out ulong address)
        {
            int offset = 32 << 10 | random.Next(4) << 12;
            address = h.At(offset);
            return offset;
        }

        public uint Length() => random.Next(20) switch
        {
            < 8 => (uint)random.Next(65),
            < 14 => (uint)random.Next(4097),
            < 17 => (uint)random.Next(70_000),
            17 => uint.MaxValue,
            18 => 0,
            _ => (uint)random.NextInt64(uint.MaxValue),
        };
    }
}
