using System.Globalization;
using System.Text;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Writes a large project that does no DMA at all, as an emulator does: a CPU core with a decode
/// switch, a memory bus and mappers with Read/Write/Map(address), an MMU that turns virtual
/// addresses into "physical" ones, DMA channels that copy between emulated addresses, and the
/// collections, LINQ and lambdas of ordinary code. It references the runtime and carries a symbols
/// file, as a project of a driver solution would, but never calls either: what the DMA analyzers
/// cost there is what every such project pays (goal: under 1 % of the compile).
/// </summary>
public static class EmulatorCorpus
{
    /// <summary>The symbols file the corpus project carries: a HAL that exists but that the emulator code never calls.</summary>
    public const string SymbolsFile = """
        # A platform layer the project declares but the emulator code never calls.
        M:Bench.Emu.Hal.VirtToPhys(System.UInt64) ; physical-source
        M:Bench.Emu.Hal.WriteRegister(System.Int32,System.UInt64) ; bus-sink(value)
        """;

    /// <summary>Writes files until at least <paramref name="minimumLines"/> lines exist; returns (files, lines).</summary>
    public static (int Files, int Lines) Write(string directory, int minimumLines)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Hal.cs"), """
            namespace Bench.Emu;

            public static class Hal
            {
                public static ulong VirtToPhys(ulong virt) => virt;

                public static void WriteRegister(int register, ulong value) => System.Threading.Volatile.Write(ref Registers[register & 7], value);

                private static readonly ulong[] Registers = new ulong[8];
            }
            """);
        var lines = 0;
        var files = 1;
        while (lines < minimumLines)
        {
            var text = Machine(files);
            File.WriteAllText(Path.Combine(directory, $"Machine{files:D4}.cs"), text);
            lines += text.Split('\n').Length;
            files++;
        }

        return (files, lines);
    }

    private static string Machine(int n)
    {
        var i = n.ToString(CultureInfo.InvariantCulture);
        var s = new StringBuilder();
        s.Append($$"""
            using System;
            using System.Collections.Generic;
            using System.Linq;

            namespace Bench.Emu.N{{i}};

            public interface IMapper
            {
                int Map(ulong address);

                byte Read(ulong address);

                void Write(ulong address, byte value);
            }

            public sealed class LinearMapper : IMapper
            {
                private readonly byte[] _rom;
                private readonly byte[] _ram = new byte[0x2000];
                private int _bank;

                public LinearMapper(byte[] rom) => _rom = rom;

                public int Map(ulong address) => address < 0x8000 ? (int)(address & 0x1FFF) : (int)((ulong)_bank * 0x4000 + (address & 0x3FFF));

                public byte Read(ulong address) => address < 0x8000 ? _ram[Map(address)] : _rom[Map(address) % _rom.Length];

                public void Write(ulong address, byte value)
                {
                    if (address < 0x8000)
                    {
                        _ram[Map(address)] = value;
                    }
                    else
                    {
                        _bank = value & 0x1F;
                    }
                }
            }

            public sealed class Bus
            {
                private readonly List<(ulong Start, ulong End, IMapper Mapper)> _regions = new();
                private readonly Dictionary<ulong, Action<byte>> _ports = new();
                public long Reads;
                public long Writes;

                public void Add(ulong start, ulong end, IMapper mapper) => _regions.Add((start, end, mapper));

                public void AddPort(ulong address, Action<byte> handler) => _ports[address] = handler;

                public byte Read8(ulong address)
                {
                    Reads++;
                    foreach (var (start, end, mapper) in _regions)
                    {
                        if (address >= start && address < end)
                        {
                            return mapper.Read(address - start);
                        }
                    }

                    return 0xFF;
                }

                public void Write8(ulong address, byte value)
                {
                    Writes++;
                    if (_ports.TryGetValue(address, out var port))
                    {
                        port(value);
                        return;
                    }

                    var region = _regions.FirstOrDefault(r => address >= r.Start && address < r.End);
                    region.Mapper?.Write(address - region.Start, value);
                }

                public ushort Read16(ulong address) => (ushort)(Read8(address) | (Read8(address + 1) << 8));

                public void Write32(ulong address, uint value)
                {
                    for (var b = 0; b < 4; b++)
                    {
                        Write8(address + (ulong)b, (byte)(value >> (8 * b)));
                    }
                }
            }

            /// <summary>A paging unit: emulated virtual addresses to emulated "physical" ones.</summary>
            public sealed class Mmu
            {
                private readonly Dictionary<ulong, ulong> _pages = new();
                public ulong PhysicalBase;

                public void Map(ulong virtualPage, ulong physicalPage) => _pages[virtualPage] = physicalPage;

                public ulong TranslateToPhysical(ulong virtualAddress)
                {
                    var page = virtualAddress >> 12;
                    return _pages.TryGetValue(page, out var physical) ? (physical << 12) | (virtualAddress & 0xFFF) : PhysicalBase + virtualAddress;
                }
            }

            /// <summary>The emulated machine's DMA channels: copies between emulated addresses, nothing of the host's.</summary>
            public sealed class DmaController
            {
                private readonly Bus _bus;
                private readonly Mmu _mmu;
                public ulong Source;
                public ulong Destination;
                public int Count;

                public DmaController(Bus bus, Mmu mmu)
                {
                    _bus = bus;
                    _mmu = mmu;
                }

                public int Transfer()
                {
                    var physicalSource = _mmu.TranslateToPhysical(Source);
                    var physicalDestination = _mmu.TranslateToPhysical(Destination);
                    for (var k = 0; k < Count; k++)
                    {
                        _bus.Write8(physicalDestination + (ulong)k, _bus.Read8(physicalSource + (ulong)k));
                    }

                    Source += (ulong)Count;
                    Destination += (ulong)Count;
                    return Count * 2;
                }
            }

            public struct Registers
            {
                public byte A, X, Y, S, P;
                public ushort Pc;
            }

            public sealed class Cpu
            {
                private readonly Bus _bus;
                private Registers _r;
                public long Cycles;
                public readonly Dictionary<byte, int> Histogram = new();

                public Cpu(Bus bus) => _bus = bus;

                public int Step()
                {
                    var opcode = _bus.Read8(_r.Pc++);
                    Histogram[opcode] = Histogram.TryGetValue(opcode, out var seen) ? seen + 1 : 1;
                    int cycles;
                    switch (opcode)
                    {

            """);
        for (var op = 0; op < 48; op++)
        {
            var code = op.ToString("X2", CultureInfo.InvariantCulture);
            s.Append((op % 6) switch
            {
                0 => $"            case 0x{code}: _r.A = _bus.Read8(_r.Pc++); cycles = 2; break;\n",
                1 => $"            case 0x{code}: _bus.Write8((ulong)(_r.X + {op}), _r.A); cycles = 3; break;\n",
                2 => $"            case 0x{code}: _r.A = (byte)(_r.A + _r.X + ({op} & 1)); _r.P = (byte)(_r.A == 0 ? _r.P | 2 : _r.P & ~2); cycles = 2; break;\n",
                3 => $"            case 0x{code}: _r.Pc = _bus.Read16(_r.Pc); cycles = 3; break;\n",
                4 => $"            case 0x{code}: _r.X = (byte)(_r.X << 1 | _r.X >> 7); cycles = 2; break;\n",
                _ => $"            case 0x{code}: {{ var address = (ulong)(_r.Y + {op * 3}); _r.Y = _bus.Read8(address); cycles = 4; break; }}\n",
            });
        }

        s.Append("""
                        default:
                            cycles = 1;
                            break;
                    }

                    Cycles += cycles;
                    return cycles;
                }
            }

            public sealed class Scheduler
            {
                private readonly SortedDictionary<long, List<Action>> _events = new();

                public void Add(long at, Action action)
                {
                    if (!_events.TryGetValue(at, out var list))
                    {
                        _events[at] = list = new List<Action>();
                    }

                    list.Add(action);
                }

                public int RunUntil(long now)
                {
                    var due = _events.Keys.TakeWhile(t => t <= now).ToList();
                    var ran = 0;
                    foreach (var at in due)
                    {
                        foreach (var action in _events[at])
                        {
                            action();
                            ran++;
                        }

                        _events.Remove(at);
                    }

                    return ran;
                }
            }

            public static class Factory
            {
                public static Cpu Create(byte[] rom, out Bus bus, out DmaController dma)
                {
                    bus = new Bus();
                    bus.Add(0, 0x10000, new LinearMapper(rom));
                    var mmu = new Mmu();
                    for (ulong page = 0; page < 16; page++)
                    {
                        mmu.Map(page, page + 0x100);
                    }

                    dma = new DmaController(bus, mmu) { Count = 256 };
                    var captured = bus;
                    bus.AddPort(0x4014, value => captured.Write32(0x2004, value));
                    return new Cpu(bus);
                }

                public static string Describe(IEnumerable<KeyValuePair<byte, int>> histogram) =>
                    string.Join(", ", histogram.OrderByDescending(p => p.Value).Take(8).Select(p => $"{p.Key:X2}×{p.Value}"));
            }

            """);
        return s.ToString();
    }
}
