using System.Globalization;
using System.Text;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Writes driver-like code against the runtime's API: virtqueue-style rings with disciplined
/// map/check/post/unmap paths, receive paths with syncs, coherent rings, scatter-gather, a few
/// legacy raw-address sites and translation branches, and the plain code (statistics, parsing,
/// feature negotiation) that makes up most of a real driver.
/// </summary>
public static class DriverCorpus
{
    /// <summary>Writes files until at least <paramref name="minimumLines"/> lines exist; returns (files, lines).</summary>
    /// <param name="plainGroups">Groups of plain (non-DMA) methods per file: 6 makes a DMA-dense corpus (about a third of the methods touch the DMA API), 30 a more typical one.</param>
    public static (int Files, int Lines) Write(string directory, int minimumLines, int plainGroups)
    {
        Directory.CreateDirectory(directory);
        var lines = 0;
        var files = 0;
        while (lines < minimumLines)
        {
            var text = Driver(files, plainGroups);
            File.WriteAllText(Path.Combine(directory, $"Driver{files:D4}.cs"), text);
            lines += text.Split('\n').Length;
            files++;
        }

        return (files, lines);
    }

    private static string Driver(int n, int plainGroups)
    {
        var s = new StringBuilder();
        var i = n.ToString(CultureInfo.InvariantCulture);
        s.Append($$"""
            using System;
            using System.Collections.Generic;
            using System.Text;
            using DmaDiscipline.Runtime;

            namespace Bench.Drivers.N{{i}};

            /// <summary>A split-ring descriptor as the device reads it.</summary>
            public struct Desc
            {
                [BusAddress] public ulong Addr;
                public uint Len;
                public ushort Flags;
                public ushort Next;
            }

            public sealed class Stats
            {
                public long Packets;
                public long Bytes;
                public long Errors;
                public long Dropped;
                public readonly long[] Histogram = new long[16];

                public void Account(int length, bool ok)
                {
                    if (!ok)
                    {
                        Errors++;
                        return;
                    }

                    Packets++;
                    Bytes += length;
                    var bucket = 0;
                    for (var size = length; size > 64 && bucket < Histogram.Length - 1; size >>= 1)
                    {
                        bucket++;
                    }

                    Histogram[bucket]++;
                }

                public string Describe()
                {
                    var text = new StringBuilder();
                    text.Append("packets=").Append(Packets).Append(" bytes=").Append(Bytes);
                    text.Append(" errors=").Append(Errors).Append(" dropped=").Append(Dropped);
                    for (var b = 0; b < Histogram.Length; b++)
                    {
                        if (Histogram[b] != 0)
                        {
                            text.Append(' ').Append(64 << b).Append(':').Append(Histogram[b]);
                        }
                    }

                    return text.ToString();
                }
            }

            public sealed class Queue{{i}}
            {
                private const int Size = 256;
                private readonly DmaApi _dma;
                private readonly PhysicalMemory _memory;
                private readonly Desc[] _ring = new Desc[Size];
                private readonly DmaAddr[] _inflight = new DmaAddr[Size];
                private readonly int[] _lengths = new int[Size];
                private readonly List<DmaAddr> _pending = new();
                private readonly Stats _stats = new();
                private CoherentBuffer _area;
                private ulong _legacyBase;
                private int _head;
                private int _free = Size;

                public Queue{{i}}(DmaApi dma, PhysicalMemory memory)
                {
                    _dma = dma;
                    _memory = memory;
                    for (var d = 0; d < Size - 1; d++)
                    {
                        _ring[d].Next = (ushort)(d + 1);
                    }
                }

                public bool Post(KBuffer buffer, int length)
                {
                    if (_free == 0 || length <= 0 || length > buffer.Length)
                    {
                        _stats.Dropped++;
                        return false;
                    }

                    var addr = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                    if (_dma.MappingError(addr))
                    {
                        _stats.Account(length, ok: false);
                        return false;
                    }

                    var slot = _head;
                    _ring[slot].Addr = addr.Value;
                    _ring[slot].Len = (uint)length;
                    _ring[slot].Flags = 0;
                    _inflight[slot] = addr;
                    _lengths[slot] = length;
                    _head = _ring[slot].Next;
                    _free--;
                    return true;
                }

                public void Complete(int slot)
                {
                    var length = _lengths[slot];
                    _dma.UnmapSingle(_inflight[slot], length, DmaDirection.ToDevice);
                    _inflight[slot] = default;
                    _ring[slot].Next = (ushort)_head;
                    _head = slot;
                    _free++;
                    _stats.Account(length, ok: true);
                }

                public int Receive(KBuffer buffer)
                {
                    const int Mtu = 1514;
                    var addr = _dma.MapSingle(buffer, 0, Mtu, DmaDirection.FromDevice);
                    if (_dma.MappingError(addr))
                    {
                        return -1;
                    }

                    try
                    {
                        _dma.SyncForCpu(addr, Mtu, DmaDirection.FromDevice);
                        var span = buffer.Span;
                        var length = span[12] << 8 | span[13];
                        var sum = 0;
                        for (var b = 0; b < Math.Min(length, span.Length); b++)
                        {
                            sum = (sum + span[b]) & 0xFFFF;
                        }

                        _dma.SyncForDevice(addr, Mtu, DmaDirection.FromDevice);
                        return sum;
                    }
                    finally
                    {
                        _dma.UnmapSingle(addr, Mtu, DmaDirection.FromDevice);
                    }
                }

                public bool PostScatter(ScatterList list)
                {
                    var count = _dma.MapSg(list, DmaDirection.ToDevice);
                    if (count == 0)
                    {
                        return false;
                    }

                    for (var e = 0; e < count && _free > 0; e++)
                    {
                        var slot = _head;
                        _ring[slot].Addr = list.DmaAddress(e).Value;
                        _ring[slot].Len = (uint)list.DmaLength(e);
                        _ring[slot].Flags = (ushort)(e + 1 < count ? 1 : 0);
                        _head = _ring[slot].Next;
                        _free--;
                    }

                    _dma.UnmapSg(list, DmaDirection.ToDevice);
                    return true;
                }

                public void AllocArea()
                {
                    var area = _dma.AllocCoherent(4096);
                    area.Span.Clear();
                    _ring[0].Addr = area.DmaAddress.Value;
                    _area = area;
                }

                public void FreeArea()
                {
                    if (_area is not null)
                    {
                        _dma.FreeCoherent(_area);
                        _area = null;
                    }
                }

                public void Queue(KBuffer buffer, int length)
                {
                    var addr = _dma.MapSingle(buffer, 0, length, DmaDirection.Bidirectional);
                    if (_dma.MappingError(addr))
                    {
                        return;
                    }

                    _pending.Add(addr);
                }

                public void Flush(int length)
                {
                    foreach (var addr in _pending)
                    {
                        _dma.UnmapSingle(addr, length, DmaDirection.Bidirectional);
                    }

                    _pending.Clear();
                }

            """);
        if (n % 10 == 0)
        {
            // The legacy shape: a physical address kept in a field and written into descriptors.
            s.Append("""
                    public void SetupLegacy(KBuffer ring) { _legacyBase = ring.PhysicalAddress.Value; }

                    public void KickLegacy(int slot, int offset) { _ring[slot].Addr = Offset(_legacyBase, offset); }

                    private static ulong Offset(ulong baseAddress, int offset) => baseAddress + (ulong)offset;

                """);
        }

        if (n % 25 == 0)
        {
            s.Append("""
                    public void Choose(Device device, KBuffer buffer)
                    {
                        if (device.Domain is null)
                        {
                            _ring[0].Addr = buffer.PhysicalAddress.Value;
                        }
                        else
                        {
                            var addr = _dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice);
                            if (_dma.MappingError(addr)) return;
                            _ring[0].Addr = addr.Value;
                            _inflight[0] = addr;
                        }
                    }

                """);
        }

        // Plain driver code: feature negotiation, header parsing, statistics.
        for (var m = 0; m < plainGroups; m++)
        {
            s.Append($$"""
                    public ulong Negotiate{{m}}(ulong offered, ulong wanted)
                    {
                        var accepted = offered & wanted;
                        if ((accepted & (1UL << 32)) == 0)
                        {
                            throw new InvalidOperationException("VERSION_1 not offered");
                        }

                        var names = new List<string>();
                        for (var bit = 0; bit < 64; bit++)
                        {
                            if ((accepted & (1UL << bit)) != 0)
                            {
                                names.Add(bit switch { 28 => "INDIRECT_DESC", 29 => "EVENT_IDX", 32 => "VERSION_1", 33 => "ACCESS_PLATFORM", 34 => "RING_PACKED", _ => "bit" + bit });
                            }
                        }

                        _stats.Packets += names.Count;
                        return accepted | ((ulong)names.Count << 56) >> 56 << 56 ^ ((ulong)names.Count << 56);
                    }

                    public int ParseHeader{{m}}(ReadOnlySpan<byte> frame, out int etherType, out bool vlan)
                    {
                        etherType = 0;
                        vlan = false;
                        if (frame.Length < 14)
                        {
                            return -1;
                        }

                        etherType = frame[12] << 8 | frame[13];
                        var offset = 14;
                        if (etherType == 0x8100 && frame.Length >= 18)
                        {
                            vlan = true;
                            etherType = frame[16] << 8 | frame[17];
                            offset = 18;
                        }

                        return etherType switch
                        {
                            0x0800 => offset + 20,
                            0x86DD => offset + 40,
                            _ => offset,
                        };
                    }

                """);
        }

        s.Append("""
                public string Report() => _stats.Describe() + " free=" + _free;
            }

            """);
        return s.ToString();
    }
}
