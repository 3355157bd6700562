namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// More blind snippets for DMA001 and DMA008 in the styles of the measured codebases (TinyNF's ref stores and
/// endianness helper, a BAR exposed as a span property, ProtonOS's DDK buffer and virtqueue helper, a static
/// field holding a forged window), with their look-alikes, written before any of them ran.
/// </summary>
public sealed class BlindMixedSnippets
{
    // TinyNF-style: the descriptor's address written with Volatile.Write through a ref to the ring element, the
    // value passed through the driver's own endianness helper.
    [Fact]
    public Task TinyNF_style_volatile_write_through_an_endianness_helper() => BlindSnippet.Check("""
        namespace TinyNf
        {
            public struct Descriptor { public ulong Addr; public ulong Metadata; }
            public static class Endianness { public static ulong ToLittle(ulong value) => BitConverter.IsLittleEndian ? value : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value); }
            public static class Env { public static ulong GetPhysicalAddress(IntPtr virt) => 0; }
            public sealed class Queue
            {
                private readonly Descriptor[] _ring;
                private readonly IntPtr[] _packets;
                public Queue(Descriptor[] ring, IntPtr[] packets) { _ring = ring; _packets = packets; }
                public void Arm(int i)
                {
                    Volatile.Write(ref _ring[i].Addr, {|DMA001:Endianness.ToLittle(Env.GetPhysicalAddress(_packets[i]))|});
                }
            }
        }
        """, """
        M:TinyNf.Env.GetPhysicalAddress(System.IntPtr) ; physical-source
        F:TinyNf.Descriptor.Addr ; bus-sink
        """);

    // A BAR exposed as a Span<uint> property marked [DeviceMemory]; the ring base split into two register writes.
    [Fact]
    public Task Bar_as_a_span_property_of_registers() => BlindSnippet.Check("""
        public sealed class Bar0
        {
            private readonly uint[] _window = new uint[0x4000];
            [DeviceMemory] public Span<uint> Registers => _window;
        }
        public sealed class IgbRing
        {
            private const int Tdbal = 0x3800 / 4, Tdbah = 0x3804 / 4, Tdlen = 0x3808 / 4;
            public void Configure(Bar0 bar, KBuffer ring)
            {
                var regs = bar.Registers;
                ulong pa = ring.PhysicalAddress.Value;
                regs[Tdbal] = {|DMA001:(uint)pa|};
                regs[Tdbah] = {|DMA001:(uint)(pa >> 32)|};
                regs[Tdlen] = (uint)ring.Length;
            }
        }
        """);

    // ProtonOS-style DDK: a DMABuffer with a physical-address field, and a virtqueue helper that writes the
    // descriptor through a pointer into the descriptor table (device memory).
    [Fact]
    public Task ProtonOS_style_virtqueue_helper_given_a_ddk_buffer() => BlindSnippet.Check("""
        namespace Ddk
        {
            public struct DMABuffer { public ulong PhysicalAddress; public IntPtr VirtualAddress; public int Size; }
            [StructLayout(LayoutKind.Sequential)]
            public struct VirtqDesc { public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
            public sealed unsafe class Virtqueue
            {
                [DeviceMemory] private readonly VirtqDesc* _descTable;
                public Virtqueue(VirtqDesc* table) { _descTable = table; }
                public void SetDescriptor(int i, ulong physAddr, uint len, ushort flags)
                {
                    _descTable[i].Addr = physAddr;
                    _descTable[i].Len = len;
                    _descTable[i].Flags = flags;
                }
            }
            public sealed class VirtioBlk
            {
                private readonly Virtqueue _vq;
                public VirtioBlk(Virtqueue vq) { _vq = vq; }
                public void Read(DMABuffer header, DMABuffer data)
                {
                    _vq.SetDescriptor(0, {|DMA001:header.PhysicalAddress|}, 16, 1);
                    _vq.SetDescriptor(1, {|DMA001:data.PhysicalAddress|}, (uint)data.Size, 3);
                }
            }
        }
        """, """
        F:Ddk.DMABuffer.PhysicalAddress ; physical-source
        """);

    // A static field holding a forged bus address (a "reserved window" made from a constant), read by two bodies.
    [Fact]
    public Task Static_field_holding_a_forged_window() => BlindSnippet.Check("""
        public static class Reserved { public static readonly DmaAddr Scratch = new DmaAddr(0x9000_0000); }
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class ScratchUser
        {
            public void Pad(ITxQueue q) => q.Post({|DMA008:Reserved.Scratch|}, 64);
        }
        """);

    // Look-alike: the coherent ring's own bus address given to the register, a register offset above 0x1000 and
    // a length written through the BAR.
    [Fact]
    public Task Look_alike_coherent_ring_address_and_register_offsets() => BlindSnippet.Check("""
        public sealed class Bar0
        {
            private readonly uint[] _window = new uint[0x4000];
            [DeviceMemory] public Span<uint> Registers => _window;
        }
        public sealed class GoodRing
        {
            private const int Tdbal = 0x3800 / 4, Tdbah = 0x3804 / 4, Tdlen = 0x3808 / 4;
            public void Configure(Bar0 bar, DmaApi dma)
            {
                var ring = dma.AllocCoherent(4096);
                var regs = bar.Registers;
                regs[Tdbal] = (uint)ring.DmaAddress.Value;
                regs[Tdbah] = (uint)(ring.DmaAddress.Value >> 32);
                regs[Tdlen] = 0x1000;
            }
        }
        """);

    // Look-alike (identity-mapped RTL8139 CAPR): the difference of two pointers is a ring offset, not an address.
    [Fact]
    public Task Look_alike_pointer_difference_written_to_a_register() => BlindSnippet.Check("""
        namespace Moos
        {
            public static class Port { public static void Out16(ushort port, ushort value) { } }
            public sealed unsafe class Rtl8139Rx
            {
                private readonly ushort _io;
                public Rtl8139Rx(ushort io) { _io = io; }
                public void Advance(byte* start, byte* read)
                {
                    Port.Out16((ushort)(_io + 0x38), (ushort)(read - start - 16));
                }
            }
        }
        """, """
        pointers ; physical-source
        M:Moos.Port.Out16(System.UInt16,System.UInt16) ; bus-sink(value)
        """);
}
