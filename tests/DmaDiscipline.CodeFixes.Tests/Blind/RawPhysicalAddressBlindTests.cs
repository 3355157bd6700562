using DmaDiscipline.CodeFixes.Rules;
using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA001: driver code in other engineers' styles, the expected fix written from DMA001's page
/// ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class RawPhysicalAddressBlindTests
{
    [Fact]
    public Task Primary_constructor_device_in_a_file_scoped_namespace_maps_through_its_Dma() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        namespace Drivers.Net;

        sealed class TxPath(Device device, Ring ring)
        {
            public void Send(KBuffer frame, int length)
            {
                ring.Post({|#0:frame.PhysicalAddress.Value|}, length);
            }

            public Device Owner => device;
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        namespace Drivers.Net;

        sealed class TxPath(Device device, Ring ring)
        {
            public void Send(KBuffer frame, int length)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = device.Dma.MapSingle(frame, 0, length, dmaDirection);
                if (device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.Post(dmaAddress.Value, length);
            }

            public Device Owner => device;
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Expression_bodied_refill_in_a_tab_indented_file_gets_a_tab_indented_block_body() => V.FixAsync(
        Tabs("""
        using DmaDiscipline.Runtime;

        sealed class RxRefill
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public RxRefill(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public void Give(KBuffer page) => _ring.PostWritable({|#0:page.PhysicalAddress.Value|}, 2048);
        }
        """),
        Tabs("""
        using System;
        using DmaDiscipline.Runtime;

        sealed class RxRefill
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public RxRefill(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public void Give(KBuffer page)
            {
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _dma.MapSingle(page, 0, 2048, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.PostWritable(dmaAddress.Value, 2048);
            }
        }
        """),
        D("DMA001", 0));

    [Fact]
    public Task Request_kept_in_a_dictionary_until_removed_in_an_if_condition_is_unmapped_there() => V.FixAsync(
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        namespace Drivers.Blk;

        sealed class BlkQueue
        {
            private readonly Device _device;
            private readonly Ring _ring = new();
            private readonly Dictionary<int, KBuffer> _inflight = new();

            public BlkQueue(Device device) => _device = device;

            public bool Submit(int id, KBuffer sector)
            {
                _ring.PostWritable({|#0:sector.PhysicalAddress.Value|}, 512);
                _inflight[id] = sector;
                return true;
            }

            public KBuffer? Complete(int id)
            {
                if (_inflight.Remove(id, out var sector))
                {
                    return sector;
                }

                return null;
            }
        }
        """,
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        namespace Drivers.Blk;

        sealed class BlkQueue
        {
            private readonly Device _device;
            private readonly Ring _ring = new();
            private readonly Dictionary<int, KBuffer> _inflight = new();
            private readonly Dictionary<int, List<(DmaAddr Address, int Length, DmaDirection Direction)>> _inflightMappings = new Dictionary<int, List<(DmaAddr Address, int Length, DmaDirection Direction)>>();

            public BlkQueue(Device device) => _device = device;

            public bool Submit(int id, KBuffer sector)
            {
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(sector, 0, 512, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, 512, dmaDirection));
                _ring.PostWritable(dmaAddress.Value, 512);
                _inflight[id] = sector;
                _inflightMappings[id] = dmaMappings;
                return true;
            }

            public KBuffer? Complete(int id)
            {
                if (_inflightMappings.Remove(id, out var dmaMappings))
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }
                }

                if (_inflight.Remove(id, out var sector))
                {
                    return sector;
                }

                return null;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Address_kept_in_a_local_inside_a_region_is_mapped_after_the_region_directive() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Tx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Tx(DmaApi dma, Ring ring)
            {
                _dma = dma;
                _ring = ring;
            }

            public int Xmit(KBuffer skb, int off, int len)
            {
                #region post
                var pa = skb.PhysicalAddress.Value + (ulong)off;
                _ring.Post({|#0:pa|}, len);
                #endregion
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Tx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Tx(DmaApi dma, Ring ring)
            {
                _dma = dma;
                _ring = ring;
            }

            public int Xmit(KBuffer skb, int off, int len)
            {
                #region post
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(skb, off, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                var pa = dmaAddress.Value;
                _ring.Post(pa, len);
                #endregion
                return 0;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Address_local_also_logged_gets_no_fix() => V.NoFixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Tx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Tx(DmaApi dma, Ring ring)
            {
                _dma = dma;
                _ring = ring;
            }

            public DmaApi Dma => _dma;

            public void Xmit(KBuffer skb, int len)
            {
                var pa = skb.PhysicalAddress.Value;
                Console.WriteLine($"tx at {pa:x}");
                _ring.Post({|#0:pa|}, len);
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Site_inside_a_lambda_gets_no_map_fix() => V.NoFixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Deferred
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Deferred(DmaApi dma) => _dma = dma;

            public DmaApi Dma => _dma;

            public Action Prepare(KBuffer buf) => () => _ring.Post({|#0:buf.PhysicalAddress.Value|}, 64);
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Payload_after_a_header_in_a_mapping_from_offset_zero_becomes_the_mapping_plus_the_offset() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Gso
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Gso(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer pkt)
            {
                var a = _dma.MapSingle(pkt, 0, pkt.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return false;
                _ring.Post(a.Value, 16);                                                   // header
                _ring.Post({|#0:pkt.PhysicalAddress.Value + 16UL|}, pkt.Length - 16);     // payload
                _ring.Completed(0);
                _dma.UnmapSingle(a, pkt.Length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Gso
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Gso(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer pkt)
            {
                var a = _dma.MapSingle(pkt, 0, pkt.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return false;
                _ring.Post(a.Value, 16);                                                   // header
                _ring.Post(a.Value + 16UL, pkt.Length - 16);     // payload
                _ring.Completed(0);
                _dma.UnmapSingle(a, pkt.Length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Descriptor_table_field_freed_in_an_expression_bodied_Dispose_becomes_coherent() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        namespace Drivers.Rings;

        sealed class DescTable : IDisposable
        {
            private readonly PhysicalMemory _mem;
            private readonly Device _dev;
            private readonly KBuffer _table;

            public DescTable(PhysicalMemory mem, Device dev, Ring ring)
            {
                _mem = mem;
                _dev = dev;
                _table = mem.Allocate(4096);
                ring.Post({|#0:_table.PhysicalAddress.Value|}, 4096);
            }

            public Span<byte> Entries => _table.Span;

            public Device Owner => _dev;

            public void Dispose() => _mem.Free(_table);
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        namespace Drivers.Rings;

        sealed class DescTable : IDisposable
        {
            private readonly Device _dev;
            private readonly CoherentBuffer _table;

            public DescTable(PhysicalMemory mem, Device dev, Ring ring)
            {
                _dev = dev;
                _table = dev.Dma.AllocCoherent(4096);
                ring.Post(_table.DmaAddress.Value, 4096);
            }

            public Span<byte> Entries => _table.Span;

            public Device Owner => _dev;

            public void Dispose() => _dev.Dma.FreeCoherent(_table);
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Sector_list_posted_in_a_loop_and_read_back_is_one_scatter_list() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Reader(DmaApi dma) => _dma = dma;

            public int ReadSectors(KBuffer[] bufs)
            {
                for (int i = 0; i < bufs.Length; i++)
                {
                    _ring.WriteDesc(i, {|#0:bufs[i].PhysicalAddress.Value|}, bufs[i].Length, DescFlags.Write);
                }

                _ring.Completed(0);
                return bufs[0].Span[0];
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Reader(DmaApi dma) => _dma = dma;

            public int ReadSectors(KBuffer[] bufs)
            {
                var dmaList = new ScatterList(bufs.Length);
                for (int i = 0; i < bufs.Length; i++)
                {
                    dmaList.Add(bufs[i], 0, bufs[i].Length);
                }

                DmaDirection dmaDirection = DmaDirection.FromDevice;
                int dmaCount = _dma.MapSg(dmaList, dmaDirection);
                if (dmaCount == 0)
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                for (int i = 0; i < dmaCount; i++)
                {
                    _ring.WriteDesc(i, dmaList.DmaAddress(i).Value, dmaList.DmaLength(i), DescFlags.Write);
                }

                _ring.Completed(0);
                _dma.UnmapSg(dmaList, dmaDirection);
                return bufs[0].Span[0];
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Flags_parameter_of_the_posting_method_chooses_the_direction_at_run_time() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, DescFlags flags)
            {
                _ring.WriteDesc(slot, {|#0:buf.PhysicalAddress.Value|}, len, flags);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, DescFlags flags)
            {
                DmaDirection dmaDirection = (flags & DescFlags.Write) != 0 ? DmaDirection.FromDevice : DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.WriteDesc(slot, dmaAddress.Value, len, flags);
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Async_Task_of_bool_sender_fails_with_false() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class AsyncTx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public AsyncTx(DmaApi dma) => _dma = dma;

            public async Task<bool> SendAsync(KBuffer frame)
            {
                await Task.Yield();
                _ring.Post({|#0:frame.PhysicalAddress.Value|}, frame.Length);
                return true;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class AsyncTx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public AsyncTx(DmaApi dma) => _dma = dma;

            public async Task<bool> SendAsync(KBuffer frame)
            {
                await Task.Yield();
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(frame, 0, frame.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                _ring.Post(dmaAddress.Value, frame.Length);
                return true;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Top_level_program_gets_no_map_fix_outside_a_method() => TopLevel<RawPhysicalAddressFixer>.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        var nic = machine.AddDevice(DeviceId.Parse("00:03.0"));
        DmaApi dma = nic.Dma;
        var ring = new Ring();
        KBuffer packet = machine.Memory.Allocate(1500);
        ring.Post({|#0:packet.PhysicalAddress.Value|}, 1500);
        """,
        D("DMA001", 0));

    [Fact]
    public Task Generic_poster_that_already_returns_null_fails_with_null() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Poster<TCookie>
            where TCookie : class
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Poster(DmaApi dma, Ring ring)
            {
                _dma = dma;
                _ring = ring;
            }

            public TCookie? Post(KBuffer data, TCookie cookie)
            {
                if (data.Length < 256)
                {
                    return null;
                }

                _ring.Post({|#0:data.PhysicalAddress.Value|}, 256);
                return cookie;
            }
        }
        """,
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Poster<TCookie>
            where TCookie : class
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Poster(DmaApi dma, Ring ring)
            {
                _dma = dma;
                _ring = ring;
            }

            public TCookie? Post(KBuffer data, TCookie cookie)
            {
                if (data.Length < 256)
                {
                    return null;
                }

                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(data, 0, 256, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return null;
                }

                _ring.Post(dmaAddress.Value, 256);
                return cookie;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task CRLF_file_keeps_CRLF_and_drops_only_the_comment_naming_the_rule() => V.FixAsync(
        Crlf("""
        using System;
        using DmaDiscipline.Runtime;

        sealed class Cmd
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Cmd(DmaApi dma) => _dma = dma;

            public void Kick(KBuffer cmd)
            {
                // the command block is 64 bytes
                var len = 64;
                _ring.Post({|#0:cmd.PhysicalAddress.Value|}, len); // DMA001 expected: legacy path
            }
        }
        """),
        Crlf("""
        using System;
        using DmaDiscipline.Runtime;

        sealed class Cmd
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Cmd(DmaApi dma) => _dma = dma;

            public void Kick(KBuffer cmd)
            {
                // the command block is 64 bytes
                var len = 64;
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(cmd, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(dmaAddress.Value, len);
            }
        }
        """),
        D("DMA001", 0));

    [Fact]
    public Task Site_in_the_active_branch_of_an_if_directive_is_mapped_inside_that_branch() => V.FixAsync(
        """
        #define FAST_PATH
        using System;
        using DmaDiscipline.Runtime;

        sealed class Doorbell
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Doorbell(DmaApi dma) => _dma = dma;

            public void Notify(KBuffer b)
            {
        #if FAST_PATH
                _ring.Post({|#0:b.PhysicalAddress.Value|}, 64);
        #else
                _ring.Post(0, 64);
        #endif
            }
        }
        """,
        """
        #define FAST_PATH
        using System;
        using DmaDiscipline.Runtime;

        sealed class Doorbell
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Doorbell(DmaApi dma) => _dma = dma;

            public void Notify(KBuffer b)
            {
        #if FAST_PATH
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(b, 0, 64, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(dmaAddress.Value, 64);
        #else
                _ring.Post(0, 64);
        #endif
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task DmaApi_declared_in_the_other_part_of_a_partial_class_is_used() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        partial class Nic
        {
            private readonly DmaApi _dma;
            private readonly Ring _tx = new();

            public Nic(DmaApi dma) => _dma = dma;
        }

        partial class Nic
        {
            public void Transmit(KBuffer skb, int len)
            {
                _tx.Post({|#0:skb.PhysicalAddress.Value|}, len);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        partial class Nic
        {
            private readonly DmaApi _dma;
            private readonly Ring _tx = new();

            public Nic(DmaApi dma) => _dma = dma;
        }

        partial class Nic
        {
            public void Transmit(KBuffer skb, int len)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(skb, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _tx.Post(dmaAddress.Value, len);
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Per_descriptor_slot_struct_released_under_an_is_not_null_test_gets_its_mappings_member() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        struct Slot
        {
            public object? Token;
        }

        sealed class SlotRing
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Slot[] _slots = new Slot[64];

            public SlotRing(DmaApi dma) => _dma = dma;

            public bool Add(int head, KBuffer buf, int len, object token)
            {
                _ring.Post({|#0:buf.PhysicalAddress.Value|}, len);
                _slots[head].Token = token;
                return true;
            }

            public object? Reap(int head)
            {
                var token = _slots[head].Token;
                if (token is not null)
                {
                    _slots[head].Token = null;
                }

                return token;
            }
        }
        """,
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        struct Slot
        {
            public object? Token;
            public List<(DmaAddr Address, int Length, DmaDirection Direction)>? DmaMappings;
        }

        sealed class SlotRing
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Slot[] _slots = new Slot[64];

            public SlotRing(DmaApi dma) => _dma = dma;

            public bool Add(int head, KBuffer buf, int len, object token)
            {
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, len, dmaDirection));
                _ring.Post(dmaAddress.Value, len);
                _slots[head].Token = token;
                _slots[head].DmaMappings = dmaMappings;
                return true;
            }

            public object? Reap(int head)
            {
                var token = _slots[head].Token;
                if (token is not null)
                {
                    if (_slots[head].DmaMappings is { } dmaMappings)
                    {
                        foreach (var mapping in dmaMappings)
                        {
                            _dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                        }

                        _slots[head].DmaMappings = null;
                    }

                    _slots[head].Token = null;
                }

                return token;
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Header_and_body_posted_by_one_method_are_each_mapped_with_their_own_names() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class TwoPart
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public TwoPart(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer hdr, KBuffer body)
            {
                _ring.Post({|#0:hdr.PhysicalAddress.Value|}, 12);
                _ring.Post({|#1:body.PhysicalAddress.Value|}, body.Length);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class TwoPart
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public TwoPart(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer hdr, KBuffer body)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(hdr, 0, 12, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                _ring.Post(dmaAddress.Value, 12);
                DmaDirection dmaDirection2 = DmaDirection.ToDevice;
                DmaAddr dmaAddress2 = _dma.MapSingle(body, 0, body.Length, dmaDirection2);
                if (_dma.MappingError(dmaAddress2))
                {
                    return false;
                }

                _ring.Post(dmaAddress2.Value, body.Length);
                return true;
            }
        }
        """,
        D("DMA001", 0),
        D("DMA001", 1));
    [Fact]
    public Task Address_given_to_a_record_struct_descriptor_takes_its_direction_from_the_WRITE_flag_argument() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        sealed class DescWriter
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _table;

            public DescWriter(DmaApi dma)
            {
                _dma = dma;
                _table = dma.AllocCoherent(4096);
            }

            public void Refill(int i, KBuffer page)
            {
                var d = new VirtqDesc({|#0:page.PhysicalAddress.Value|}, 4096, VirtqDescFlags.Write, 0);
                d.Write(_table.Span[VirtqDesc.OffsetOf(i)..]);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        sealed class DescWriter
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _table;

            public DescWriter(DmaApi dma)
            {
                _dma = dma;
                _table = dma.AllocCoherent(4096);
            }

            public void Refill(int i, KBuffer page)
            {
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _dma.MapSingle(page, 0, 4096, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                var d = new VirtqDesc(dmaAddress.Value, 4096, VirtqDescFlags.Write, 0);
                d.Write(_table.Span[VirtqDesc.OffsetOf(i)..]);
            }
        }
        """,
        D("DMA001", 0));
}
