namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets for DMA008 (bus addresses forged outside the DMA API: constants, computed integers, values the
/// device wrote, made into the bus-address type or given to an address slot), written from the rule page before
/// any of them ran. The look-alikes use constants that are register offsets, lengths or configuration words,
/// keep the DMA API's address and read it back, and compare with a sentinel.
/// </summary>
public sealed class BlindDMA008Snippets
{
    // Cosmos-style AHCI: the command lists live at a fixed physical window, one per port, written through an
    // unsafe struct pointer into the port's registers (the field configured as a bus sink).
    [Fact]
    public Task Hard_coded_command_list_base_per_port_through_a_struct_pointer() => BlindSnippet.Check("""
        namespace Ahci
        {
            [StructLayout(LayoutKind.Sequential)]
            public struct HbaPort { public uint Clb; public uint Clbu; public uint Fb; public uint Fbu; public uint Is; public uint Ie; public uint Cmd; }
            public static class MemoryMap { public const uint CommandLists = 0x0046C000; public const uint Fis = 0x00470000; }
            public sealed unsafe class AhciController
            {
                public void Rebase(HbaPort* port, int portNo)
                {
                    port->Cmd &= ~0x11u;
                    port->Clb = {|DMA008:MemoryMap.CommandLists + (uint)(portNo << 10)|};
                    port->Clbu = 0;
                    port->Fb = {|DMA008:MemoryMap.Fis + (uint)(portNo << 8)|};
                }
            }
        }
        """, """
        F:Ahci.HbaPort.Clb ; bus-sink
        F:Ahci.HbaPort.Fb ; bus-sink
        """);

    // An enum of hard-coded device addresses (a board's memory map) given to a [BusAddress] register property.
    [Fact]
    public Task Board_memory_map_enum_given_to_a_bus_address_register() => BlindSnippet.Check("""
        public enum BoardMap : ulong { SramBase = 0x2000_0000, ScratchRing = 0x2001_0000 }
        public sealed class DmacRegs { [BusAddress] public ulong Source { get; set; } [BusAddress] public ulong Destination { get; set; } public uint Control { get; set; } }
        public sealed class Dmac
        {
            private readonly DmacRegs _regs;
            public Dmac(DmacRegs regs) { _regs = regs; }
            public void Start(int len)
            {
                _regs.Source = {|DMA008:(ulong)BoardMap.ScratchRing|};
                _regs.Destination = {|DMA008:(ulong)BoardMap.SramBase + 0x100|};
                _regs.Control = (uint)len | 0x8000_0000u;
            }
        }
        """);

    // MigTD-style: the completion path rebuilds the bus address from the used ring the device writes (coherent
    // memory) and unmaps it.
    [Fact]
    public Task Migtd_style_address_read_back_from_the_used_ring() => BlindSnippet.Check("""
        public sealed class VirtioRx
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _used;
            public VirtioRx(DmaApi dma) { _dma = dma; _used = dma.AllocCoherent(4096); }
            public void Complete(int idx, int len)
            {
                var entry = _used.Span.Slice(4 + idx * 16, 16);
                ulong addr = MemoryMarshal.Read<ulong>(entry);
                _dma.UnmapSingle({|DMA008:new DmaAddr(addr)|}, len, DmaDirection.FromDevice);
            }
        }
        """);

    // e1000 write-back descriptors: the driver reads the buffer address back out of the descriptor it gave the
    // device and unmaps that.
    [Fact]
    public Task E1000_style_unmap_of_the_address_read_back_from_the_descriptor() => BlindSnippet.Check("""
        public struct LegacyRxDesc { [BusAddress] public ulong BufferAddr; public ushort Length; public ushort Csum; public byte Status; public byte Errors; public ushort Special; }
        public sealed class E1000Clean
        {
            private readonly DmaApi _dma;
            private readonly LegacyRxDesc[] _rx = new LegacyRxDesc[256];
            public E1000Clean(DmaApi dma) { _dma = dma; }
            public void Clean(int i)
            {
                if ((_rx[i].Status & 1) == 0) return;
                var bus = new DmaAddr(_rx[i].BufferAddr);
                _dma.UnmapSingle({|DMA008:bus|}, 2048, DmaDirection.FromDevice);
            }
        }
        """);

    // A computed integer made into a bus address: the physical address plus a header offset.
    [Fact]
    public Task Bus_address_made_from_the_physical_address_plus_a_header() => BlindSnippet.Check("""
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class HeaderSkip
        {
            public void Send(ITxQueue q, KBuffer skb, int headroom, int len)
            {
                q.Post({|DMA008:new DmaAddr(skb.PhysicalAddress.Value + (ulong)headroom)|}, len);
            }
        }
        """);

    // A "bus address" helper in another class that converts a physical address (the old virt_to_bus).
    [Fact]
    public Task Virt_to_bus_helper_in_another_class() => BlindSnippet.Check("""
        public static class BusCompat
        {
            public static DmaAddr VirtToBus(KBuffer b) => new DmaAddr(b.PhysicalAddress.Value);
        }
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class OldScsiHost
        {
            public void Queue(ITxQueue q, KBuffer cmd) { q.Post({|DMA008:BusCompat.VirtToBus(cmd)|}, 64); }
        }
        """);

    // A positional record carries a bus address made from a constant (a fixed bounce window) to the ring.
    [Fact]
    public Task Record_made_with_a_constant_bus_address() => BlindSnippet.Check("""
        public readonly record struct Window(DmaAddr Base, int Length);
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class FixedWindowDriver
        {
            public void Kick(ITxQueue q)
            {
                var w = new Window(new DmaAddr(0x8000_0000), 4096);
                q.Post({|DMA008:w.Base|}, w.Length);
            }
        }
        """);

    // A vendor HAL's bus-address type with a static "none" made from default, used in a teardown path as if it
    // were a mapping.
    [Fact]
    public Task Vendor_bus_address_type_default_sentinel_given_to_unmap() => BlindSnippet.Check("""
        namespace Vendor
        {
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } public static readonly IoAddr None = default; }
            public enum XferDirection { ToDevice, FromDevice }
            public sealed class Buf { public int Length; }
            public static class Dma
            {
                public static IoAddr Map(Buf b, int len, XferDirection d) => default;
                public static void Unmap(IoAddr a, int len, XferDirection d) { }
                public static bool Failed(IoAddr a) => false;
            }
            public sealed class Uart
            {
                private IoAddr _tx = IoAddr.None;
                public void Shutdown(int len)
                {
                    Dma.Unmap({|DMA008:IoAddr.None|}, len, XferDirection.ToDevice);
                }
            }
        }
        """, """
        T:Vendor.IoAddr ; bus-address
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; unmap
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        """);

    // NVMe completion queue read by a static helper of another class over the queue's span; the driver syncs the
    // address the device wrote there.
    [Fact]
    public Task Device_written_address_read_by_a_helper_of_another_class() => BlindSnippet.Check("""
        public static class CqEntry
        {
            public static ulong Address(ReadOnlySpan<byte> cq, int head) => BinaryPrimitives.ReadUInt64LittleEndian(cq.Slice(head * 16, 8));
        }
        public sealed class NvmeIo
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _cq;
            public NvmeIo(DmaApi dma) { _dma = dma; _cq = dma.AllocCoherent(4096); }
            public void Reap(int head, int len)
            {
                var raw = CqEntry.Address(_cq.Span, head);
                _dma.SyncForCpu({|DMA008:new DmaAddr(raw)|}, len, DmaDirection.FromDevice);
            }
        }
        """);

    // Two 32-bit halves of a descriptor the device rewrote, joined and unmapped (AHCI PRDT read back).
    [Fact]
    public Task Two_halves_read_back_from_device_memory_joined() => BlindSnippet.Check("""
        public sealed class PrdtReader
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _table;
            public PrdtReader(DmaApi dma) { _dma = dma; _table = dma.AllocCoherent(4096); }
            public void Finish(int slot, int len)
            {
                var s = _table.Span.Slice(0x80 + slot * 16);
                uint lo = BinaryPrimitives.ReadUInt32LittleEndian(s);
                uint hi = BinaryPrimitives.ReadUInt32LittleEndian(s.Slice(4));
                var a = new DmaAddr(((ulong)hi << 32) | lo);
                _dma.UnmapSingle({|DMA008:a|}, len, DmaDirection.ToDevice);
            }
        }
        """);

    // A hard-coded ring address in a const of a static hardware-constants class, written into a BAR through an
    // accessor (a register writer named as a whole as bus sink): page-sized base plus an index-scaled offset.
    [Fact]
    public Task Indexed_constant_ring_address_through_a_register_writer() => BlindSnippet.Check("""
        namespace Board
        {
            public static class Hw { public const ulong RingWindow = 0x4000_0000; }
            public static class Regs { public static void Write64(int offset, ulong value) { } }
            public sealed class MultiQueue
            {
                public void Setup(int queues)
                {
                    for (int q = 0; q < queues; q++)
                    {
                        Regs.Write64(0x100 + q * 8, {|DMA008:Hw.RingWindow + (ulong)q * 0x1000|});
                    }
                }
            }
        }
        """, """
        M:Board.Regs.Write64(System.Int32,System.UInt64) ; bus-sink
        """);

    // Look-alike: constants that are register offsets, lengths and a PCI configuration address given to a
    // register writer named as a whole as bus sink.
    [Fact]
    public Task Look_alike_offsets_lengths_and_a_pci_configuration_word() => BlindSnippet.Check("""
        namespace Board
        {
            public static class Io { public static void Out32(ushort port, uint value) { } }
            public static class Regs { public static void Write32(int offset, uint value) { } }
            public sealed class Setup
            {
                private const int Rdlen = 0x2808;
                public void Init(int bus, int dev, int fn)
                {
                    Regs.Write32(Rdlen, 256 * 16);
                    Regs.Write32(0x0100, 0x0400_8000);
                    Io.Out32(0xCF8, 0x8000_0000u | (uint)(bus << 16) | (uint)(dev << 11) | (uint)(fn << 8) | 0x10);
                }
            }
        }
        """, """
        M:Board.Io.Out32(System.UInt16,System.UInt32) ; bus-sink
        M:Board.Regs.Write32(System.Int32,System.UInt32) ; bus-sink
        """);

    // Look-alike: the DMA API's address kept in a shadow array (Linux's rx_buffer_info->dma) and read back for
    // the unmap; the descriptor's copy is only compared.
    [Fact]
    public Task Look_alike_shadow_ring_keeps_the_mapping() => BlindSnippet.Check("""
        public struct LegacyRxDesc { [BusAddress] public ulong BufferAddr; public ushort Length; public ushort Csum; public byte Status; public byte Errors; public ushort Special; }
        public sealed class ShadowRx
        {
            private readonly DmaApi _dma;
            private readonly LegacyRxDesc[] _rx = new LegacyRxDesc[256];
            private readonly DmaAddr[] _shadow = new DmaAddr[256];
            public ShadowRx(DmaApi dma) { _dma = dma; }
            public bool Fill(int i, KBuffer b)
            {
                var m = _dma.MapSingle(b, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(m)) return false;
                _shadow[i] = m;
                _rx[i].BufferAddr = m.Value;
                return true;
            }
            public void Clean(int i)
            {
                if (_rx[i].BufferAddr != _shadow[i].Value) return;
                _dma.UnmapSingle(_shadow[i], 2048, DmaDirection.FromDevice);
                _shadow[i] = default;
            }
        }
        """);

    // Look-alike: default as an "unmapped" sentinel, compared before an unmap of the field a map wrote; an offset
    // inside a mapping; the device's length field read back (not an address).
    [Fact]
    public Task Look_alike_sentinel_offset_inside_a_mapping_and_a_device_written_length() => BlindSnippet.Check("""
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Blk
        {
            private readonly DmaApi _dma;
            private readonly CoherentBuffer _status;
            private DmaAddr _req;
            public Blk(DmaApi dma) { _dma = dma; _status = dma.AllocCoherent(64); }
            public bool Submit(ITxQueue q, KBuffer req)
            {
                var m = _dma.MapSingle(req, 0, 4096 + 16, DmaDirection.ToDevice);
                if (_dma.MappingError(m)) return false;
                _req = m;
                q.Post(m, 16);
                q.Post(new DmaAddr(m.Value + 0x1000), 16);
                return true;
            }
            public int Complete()
            {
                int written = (int)BinaryPrimitives.ReadUInt32LittleEndian(_status.Span);
                if (_req == default) return 0;
                _dma.UnmapSingle(_req, 4096 + 16, DmaDirection.ToDevice);
                _req = default;
                return written;
            }
        }
        """);
}
