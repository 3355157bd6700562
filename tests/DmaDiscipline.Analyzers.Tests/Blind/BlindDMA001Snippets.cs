namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets for DMA001, written from the rule page and docs/real-drivers.md before any of them ran: each
/// is a driver fragment in the style of a real codebase (named in its comment), marked where a driver engineer
/// reading the page expects the diagnostic. The look-alikes keep a physical address for the CPU and must stay quiet.
/// </summary>
public sealed class BlindDMA001Snippets
{
    // ixy-style: the ring is DMA memory named device-memory, the buffer's physical address comes from a
    // pagemap translation, and the descriptor is written through a pointer into the ring.
    private const string IxySymbols = """
        M:Ixy.Memory.VirtToPhys(System.IntPtr) ; physical-source
        F:Ixy.DmaMemory.VirtualAddress ; device-memory
        """;

    private const string IxyMemory = """
        namespace Ixy
        {
            public static class Memory { public static ulong VirtToPhys(IntPtr virt) => 0; }
            public struct DmaMemory { public IntPtr VirtualAddress; public ulong PhysicalAddress; }
        }
        """;

    [Fact]
    public Task Ixy_style_descriptor_written_through_a_pointer_into_the_ring() => BlindSnippet.Check("""
        namespace Ixy
        {
            public unsafe sealed class RxQueue
            {
                private readonly DmaMemory _ring;
                private readonly IntPtr[] _buffers = new IntPtr[512];
                public RxQueue(DmaMemory ring) { _ring = ring; }

                public void Refill(int i)
                {
                    var descAddr = (byte*)_ring.VirtualAddress + i * 16;
                    ulong bufAddr = Memory.VirtToPhys(_buffers[i]) + 64;
                    *(ulong*)descAddr = {|DMA001:bufAddr|};
                    *(ulong*)(descAddr + 8) = 0;
                }
            }
        }
        """ + IxyMemory, IxySymbols);

    // ixy-style register accessor on a BAR kept in a field: SetReg is a wrapper of a store through device memory,
    // and the ring's physical base goes to RDBAL through it (the low half masked with 0xFFFFFFFF).
    [Fact]
    public Task Ixy_style_ring_base_through_a_register_wrapper() => BlindSnippet.Check("""
        namespace Ixy
        {
            public unsafe sealed class IxgbeDevice
            {
                [DeviceMemory] private readonly byte* _bar;
                public IxgbeDevice(byte* bar) { _bar = bar; }
                private void SetReg(int reg, uint value) => *(uint*)(_bar + reg) = value;
                private static int Rdbal(int i) => 0x1000 + 0x40 * i;

                public void InitRx(int i, IntPtr ringVirt)
                {
                    ulong phys = Memory.VirtToPhys(ringVirt);
                    SetReg(Rdbal(i), {|DMA001:(uint)(phys & 0xFFFFFFFFul)|});
                    SetReg(Rdbal(i) + 4, {|DMA001:(uint)(phys >> 32)|});
                }
            }
        }
        """ + IxyMemory, IxySymbols);

    // A driver over the runtime writing an e1000-style descriptor array viewed through MemoryMarshal.Cast.
    [Fact]
    public Task Descriptor_array_over_coherent_memory_through_MemoryMarshal_Cast() => BlindSnippet.Check("""
        public struct RxDesc { public ulong BufferAddr; public ushort Length; public ushort Checksum; public byte Status; public byte Errors; public ushort Special; }
        public sealed class E1000Rx
        {
            private readonly CoherentBuffer _ring;
            public E1000Rx(DmaApi dma) { _ring = dma.AllocCoherent(16 * 256); }
            public void Give(int i, KBuffer packet)
            {
                var descs = MemoryMarshal.Cast<byte, RxDesc>(_ring.Span);
                descs[i].BufferAddr = {|DMA001:packet.PhysicalAddress.Value|};
                descs[i].Status = 0;
            }
        }
        """);

    // A TX descriptor built on the stack with an object initializer and written whole into the ring (TinyNF's
    // "descriptors as structs").
    [Fact]
    public Task Descriptor_struct_built_on_the_stack_and_stored_whole() => BlindSnippet.Check("""
        public struct TxDesc { public ulong Addr; public uint CmdLen; public uint Status; }
        public sealed class TxRing
        {
            private readonly CoherentBuffer _ring;
            public TxRing(CoherentBuffer ring) { _ring = ring; }
            public void Send(int slot, KBuffer frame, int length)
            {
                var d = new TxDesc { Addr = frame.PhysicalAddress.Value, CmdLen = (uint)length | 0x0B000000u };
                var ring = MemoryMarshal.Cast<byte, TxDesc>(_ring.Span);
                ring[slot] = {|DMA001:d|};
            }
        }
        """);

    // Cosmos-style: a register block whose properties wrap port writes; the receive buffer's physical address from
    // a kernel helper configured as a physical source.
    [Fact]
    public Task Register_property_that_wraps_a_port_write() => BlindSnippet.Check("""
        namespace Hal
        {
            public static class Io { public static void Out32(ushort port, uint value) { } }
            public static class Pages { public static uint PhysOf(byte[] block) => 0; }
            public sealed class Rtl8139Registers
            {
                private readonly ushort _base;
                public Rtl8139Registers(ushort ioBase) { _base = ioBase; }
                public uint RxBufferStart { set => Io.Out32((ushort)(_base + 0x30), value); }
                public uint Command { set => Io.Out32((ushort)(_base + 0x37), value); }
            }
            public sealed class Rtl8139
            {
                private readonly Rtl8139Registers _regs;
                private readonly byte[] _rx = new byte[8192 + 16 + 1500];
                public Rtl8139(ushort ioBase) { _regs = new Rtl8139Registers(ioBase); }
                public void Start()
                {
                    _regs.RxBufferStart = {|DMA001:Pages.PhysOf(_rx)|};
                    _regs.Command = 0x0C;
                }
            }
        }
        """, """
        M:Hal.Io.Out32(System.UInt16,System.UInt32) ; bus-sink(value)
        M:Hal.Pages.PhysOf(System.Byte[]) ; physical-source
        """);

    // NVMe admin queue: a static class of MMIO accessors that store through the address they are given; the BAR
    // comes from a PCI helper configured as device memory, the submission queue's address from virt-to-phys.
    [Fact]
    public Task Static_mmio_accessor_class_given_an_address_inside_the_bar() => BlindSnippet.Check("""
        namespace Kernel
        {
            public static unsafe class Mmio
            {
                public static void Write64(ulong address, ulong value) => *(ulong*)address = value;
                public static void Write32(ulong address, uint value) => *(uint*)address = value;
            }
            public static class Pci { public static ulong MapBar(int bus, int slot, int bar) => 0; }
            public static class Vm { public static ulong VirtToPhys(IntPtr p) => 0; }
            public sealed class NvmeController
            {
                private const ulong Asq = 0x28, Acq = 0x30, Aqa = 0x24;
                private readonly ulong _bar;
                public NvmeController(int bus, int slot) { _bar = Pci.MapBar(bus, slot, 0); }
                public void SetupAdmin(IntPtr sq, IntPtr cq)
                {
                    Mmio.Write32(_bar + Aqa, (63u << 16) | 63u);
                    Mmio.Write64(_bar + Asq, {|DMA001:Vm.VirtToPhys(sq)|});
                    var cqPhys = Vm.VirtToPhys(cq);
                    Mmio.Write64(_bar + Acq, {|DMA001:cqPhys|});
                }
            }
        }
        """, """
        M:Kernel.Pci.MapBar(System.Int32,System.Int32,System.Int32) ; device-memory
        M:Kernel.Vm.VirtToPhys(System.IntPtr) ; physical-source
        """);

    // A helper in another class computes the physical address of a ring page; the driver gives it to a
    // [BusAddress] register property.
    [Fact]
    public Task Physical_address_from_a_helper_in_another_class() => BlindSnippet.Check("""
        public static class RingMath
        {
            public static ulong PageAddress(KBuffer ring, int page) => ring.PhysicalAddress.Value + (ulong)(page * 4096);
        }
        public sealed class AhciPortRegs { [BusAddress] public ulong CommandListBase { get; set; } [BusAddress] public ulong FisBase { get; set; } }
        public sealed class AhciPort
        {
            private readonly AhciPortRegs _regs;
            private readonly KBuffer _mem;
            public AhciPort(AhciPortRegs regs, KBuffer mem) { _regs = regs; _mem = mem; }
            public void Rebase()
            {
                _regs.CommandListBase = {|DMA001:RingMath.PageAddress(_mem, 0)|};
                _regs.FisBase = {|DMA001:RingMath.PageAddress(_mem, 1)|};
            }
        }
        """);

    // A transport interface (virtio PCI vs MMIO): the driver hands the queue's physical address to the interface;
    // the implementation writes it into a BAR marked [DeviceMemory].
    [Fact]
    public Task Queue_address_through_a_transport_interface() => BlindSnippet.Check("""
        public interface IVirtioTransport { void SetQueueAddresses(int queue, ulong desc, ulong avail, ulong used); }
        public sealed unsafe class PciModernTransport : IVirtioTransport
        {
            [DeviceMemory] private readonly byte* _common;
            public PciModernTransport(byte* common) { _common = common; }
            public void SetQueueAddresses(int queue, ulong desc, ulong avail, ulong used)
            {
                *(ushort*)(_common + 0x16) = (ushort)queue;
                *(ulong*)(_common + 0x20) = desc;
                *(ulong*)(_common + 0x28) = avail;
                *(ulong*)(_common + 0x30) = used;
            }
        }
        public sealed class VirtQueue
        {
            private readonly IVirtioTransport _transport;
            private readonly PhysicalMemory _memory;
            private readonly KBuffer _area;
            public VirtQueue(IVirtioTransport transport, PhysicalMemory memory) { _transport = transport; _memory = memory; _area = memory.Allocate(16384); }
            public void Activate(int index)
            {
                var desc = _memory.VirtToPhys(_area).Value;
                _transport.SetQueueAddresses(index, {|DMA001:desc|}, {|DMA001:desc + 4096|}, {|DMA001:_memory.VirtToPhys(_area, 8192).Value|});
            }
        }
        """);

    // MOOS/Cosmos identity-mapped kernel: a fixed pointer over the managed receive buffer is its physical address.
    [Fact]
    public Task Identity_mapped_kernel_fixed_pointer_given_to_a_port() => BlindSnippet.Check("""
        namespace Moos
        {
            public static class Port { public static void Out32(ushort port, uint value) { } }
            public sealed unsafe class Rtl8139
            {
                private readonly ushort _io;
                private readonly byte[] _rx = new byte[9708];
                public Rtl8139(ushort io) { _io = io; }
                public void Start()
                {
                    fixed (byte* p = _rx)
                    {
                        Port.Out32((ushort)(_io + 0x30), {|DMA001:(uint)p|});
                    }
                }
            }
        }
        """, """
        pointers ; physical-source
        M:Moos.Port.Out32(System.UInt16,System.UInt32) ; bus-sink(value)
        """);

    // A buffer pool keeps free physical addresses in a Queue<ulong> filled at init; refill dequeues into the ring.
    [Fact]
    public Task Physical_addresses_kept_in_a_framework_queue_then_posted() => BlindSnippet.Check("""
        public struct Desc64 { [BusAddress] public ulong Addr; public uint Len; public uint Flags; }
        public sealed class RxPool
        {
            private readonly Queue<ulong> _free = new();
            private readonly Desc64[] _ring = new Desc64[256];
            public void Init(PhysicalMemory memory)
            {
                for (int i = 0; i < 256; i++)
                {
                    var page = memory.Allocate(2048);
                    _free.Enqueue(page.PhysicalAddress.Value);
                }
            }
            public void Refill(int i)
            {
                _ring[i].Addr = {|DMA001:_free.Dequeue()|};
                _ring[i].Len = 2048;
            }
        }
        """);

    // A generic holder of the driver (a staging slot) carries the address from setup to the doorbell.
    [Fact]
    public Task Generic_holder_carries_a_physical_address_to_a_register() => BlindSnippet.Check("""
        public sealed class Staged<T> { public T Value { get; set; } = default!; }
        public sealed class DoorbellRegs { [BusAddress] public ulong RingBase { get; set; } }
        public sealed class Xhci
        {
            private readonly Staged<ulong> _cmdRing = new();
            private readonly DoorbellRegs _regs;
            public Xhci(DoorbellRegs regs) { _regs = regs; }
            public void Prepare(KBuffer ring) { _cmdRing.Value = {|DMA001:ring.PhysicalAddress.Value|}; }
            public void Start() { _regs.RingBase = _cmdRing.Value | 1; }
        }
        """);

    // An async setup helper returns the ring's physical address (a driver's "allocate and zero" step).
    [Fact]
    public Task Physical_address_returned_by_an_async_helper() => BlindSnippet.Check("""
        public sealed class NetRegs { [BusAddress] public ulong TxRingBase { get; set; } }
        public sealed class AsyncNic
        {
            private readonly PhysicalMemory _memory;
            private readonly NetRegs _regs;
            public AsyncNic(PhysicalMemory memory, NetRegs regs) { _memory = memory; _regs = regs; }
            private async Task<ulong> AllocRingAsync()
            {
                var ring = _memory.Allocate(4096);
                await Task.Yield();
                ring.Span.Clear();
                return ring.PhysicalAddress.Value;
            }
            public async Task StartAsync()
            {
                _regs.TxRingBase = {|DMA001:await AllocRingAsync()|};
            }
        }
        """);

    // A deconstructed tuple (address, length) from a helper that describes a buffer, given to a descriptor.
    [Fact]
    public Task Deconstructed_tuple_address_given_to_a_descriptor() => BlindSnippet.Check("""
        public struct SgEntry { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class SgWriter
        {
            private static (ulong Addr, int Len) Describe(KBuffer b, int offset) => (b.PhysicalAddress.Value + (ulong)offset, b.Length - offset);
            public void Fill(SgEntry[] table, KBuffer data)
            {
                var (addr, len) = Describe(data, 0);
                table[0].Addr = {|DMA001:addr|};
                table[0].Len = (uint)len;
            }
        }
        """);

    // Look-alike: the physical address is logged, checked against the device's DMA mask and kept in a
    // CPU-only page-table array; the device gets a mapping.
    [Fact]
    public Task Look_alike_physical_address_kept_for_the_cpu_only() => BlindSnippet.Check("""
        public struct Desc64 { [BusAddress] public ulong Addr; public uint Len; public uint Flags; }
        public static class Trace { public static void Write(string s) { } }
        public sealed class CarefulNic
        {
            private readonly DmaApi _dma;
            private readonly ulong[] _cpuPageTable = new ulong[512];
            private readonly Desc64[] _ring = new Desc64[64];
            public CarefulNic(DmaApi dma) { _dma = dma; }
            public bool Post(int i, KBuffer buf, int len)
            {
                Trace.Write($"post {buf.PhysicalAddress} len {len}");
                if (buf.PhysicalAddress.Value > 0xFFFF_FFFFul) Trace.Write("above 4G, will be bounced");
                _cpuPageTable[i] = buf.PhysicalAddress.Value | 3;
                var a = _dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return false;
                _ring[i].Addr = a.Value;
                _ring[i].Len = (uint)len;
                return true;
            }
        }
        """);

    // Look-alike: the page offset of a physical address (a small mask) added to a mapping of the page, as a
    // bounce-aware driver keeps a sub-page offset.
    [Fact]
    public Task Look_alike_page_offset_of_a_physical_address_added_to_a_mapping() => BlindSnippet.Check("""
        public struct Desc64 { [BusAddress] public ulong Addr; public uint Len; public uint Flags; }
        public sealed class OffsetNic
        {
            private readonly DmaApi _dma;
            private readonly Desc64[] _ring = new Desc64[64];
            public OffsetNic(DmaApi dma) { _dma = dma; }
            public bool Post(int i, KBuffer page, int len)
            {
                var m = _dma.MapSingle(page, 0, page.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(m)) return false;
                var within = page.PhysicalAddress.Value & 0xFFF;
                _ring[i].Addr = m.Value + within;
                return true;
            }
        }
        """);

    // Look-alike (ixy-style): the virtual address of the ring is what the CPU writes through; the physical address
    // of the ring is stored in a plain bookkeeping struct that nothing gives to the device.
    [Fact]
    public Task Look_alike_physical_address_in_a_bookkeeping_struct() => BlindSnippet.Check("""
        namespace Ixy
        {
            public sealed class PacketBuffer { public ulong PhysAddr; public int Size; }
            public sealed class Mempool
            {
                private readonly PacketBuffer[] _bufs = new PacketBuffer[64];
                public void Init(IntPtr baseVirt)
                {
                    for (int i = 0; i < _bufs.Length; i++)
                    {
                        _bufs[i] = new PacketBuffer { PhysAddr = Memory.VirtToPhys(baseVirt + i * 2048), Size = 0 };
                    }
                }
                public ulong Debug(int i) => _bufs[i].PhysAddr;
            }
        }
        """ + IxyMemory, IxySymbols);
}
