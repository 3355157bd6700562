using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001/DMA008 through wrappers the user never names: a method, setter, indexer, constructor or
/// local function whose parameter reaches a device-visible sink is a sink itself (sink summaries,
/// to a fixpoint over the calls, through virtual and interface dispatch). The diagnostic is at the
/// call where the raw value enters, and names the path.
/// </summary>
public sealed class DMA001WrapperSinkTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    /// <summary>
    /// A constructor the symbols file names a sink (a doorbell object programmed when it is made) is shown in a body by
    /// its type's name, <c>new Doorbell(…)</c>, not by <c>.ctor</c>: the prefilter must let that body in. Its other
    /// overload, not named, stays quiet.
    /// </summary>
    [Fact]
    public Task A_constructor_the_symbols_file_names_a_sink_is_found_where_its_type_is_made() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            namespace Hal { public sealed class Doorbell { public Doorbell(ulong ring) { } public Doorbell(ulong ring, int unused) { } } }
            class D
            {
                Hal.Doorbell Ring(KBuffer b) => new Hal.Doorbell({|DMA001:b.PhysicalAddress.Value|});
                Hal.Doorbell Other(KBuffer b) => new Hal.Doorbell(b.PhysicalAddress.Value, 0);
            }
            """,
            [("DmaDiscipline.txt", "M:Hal.Doorbell.#ctor(System.UInt64) ; bus-sink(ring)\n")]);

    /// <summary>A port-I/O primitive the way another framework has it: only its data parameter is device-visible.</summary>
    private const string Port = """
        public static class IOPort { public static void Write32(ushort port, [BusAddress] uint aData) { } public static void Write16(ushort port, ushort data) { } }

        """;

    [Theory]
    // A property setter.
    [InlineData("""
        class Nic { private ushort _io; public uint RBStartRegister { set => IOPort.Write32((ushort)(_io + 0x30), value); } }
        class D { void F(KBuffer buf, Nic nic) { nic.RBStartRegister = {|DMA001:(uint)buf.PhysicalAddress.Value|}; } }
        """)]
    // A method whose second parameter is the data (the first is a register index).
    [InlineData("""
        class Nic { private ushort _io; public void SetReg(int reg, uint value) { IOPort.Write32((ushort)(_io + reg), value); } }
        class D { void F(KBuffer buf, Nic nic) { var phys = buf.PhysicalAddress.Value; nic.SetReg(0x2800, {|DMA001:(uint)phys|}); } }
        """)]
    // Two wrappers deep, with arithmetic and a helper in between.
    [InlineData("""
        class Nic
        {
            private ushort _io;
            public void SetReg(int reg, uint value) => IOPort.Write32((ushort)(_io + reg), value);
            public void SetRing(ulong address) { SetReg(0x2800, Low(address)); SetReg(0x2804, (uint)(address >> 32)); }
            private static uint Low(ulong value) => (uint)(value & 0xFFFFFFFF);
        }
        class D { void F(KBuffer buf, Nic nic) { nic.SetRing({|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    // Through an interface.
    [InlineData("""
        interface IQueueHw { void SetBase(ulong address); }
        class QueueHw : IQueueHw { private readonly Regs _regs = new(); public void SetBase(ulong address) => _regs.Doorbell(address); }
        class D { void F(KBuffer buf, IQueueHw hw) { hw.SetBase({|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    // Through a virtual method overridden in the compilation.
    [InlineData("""
        abstract class Controller { public abstract void Program(ulong address); }
        sealed class Ahci : Controller { private readonly Regs _regs = new(); public override void Program(ulong address) { _regs.QueueDesc = address; } }
        class D { void F(KBuffer buf, Controller c) { c.Program({|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    // A constructor that writes a descriptor.
    [InlineData("""
        sealed class Command { public Command(Desc[] table, ulong data) { table[0].Addr = data; } }
        class D { void F(KBuffer buf, Desc[] table) { var c = new Command(table, {|DMA001:buf.PhysicalAddress.Value|}); } }
        """)]
    // An indexer's setter.
    [InlineData("""
        sealed class Bars { private readonly Regs _regs = new(); public ulong this[int register] { set { if (register == 0) _regs.Doorbell(value); } } }
        class D { void F(KBuffer buf, Bars bars) { bars[0] = {|DMA001:buf.PhysicalAddress.Value|}; } }
        """)]
    // A local function.
    [InlineData("""
        class D
        {
            void F(KBuffer buf, Regs regs)
            {
                Post({|DMA001:buf.PhysicalAddress.Value|});
                void Post(ulong address) { regs.Doorbell(address); }
            }
        }
        """)]
    // Recursion: the fixpoint still finds the sink.
    [InlineData("""
        class Chain
        {
            private readonly Regs _regs = new();
            public void Link(ulong address, int hops) { if (hops > 0) Link(address, hops - 1); else _regs.Doorbell(address); }
        }
        class D { void F(KBuffer buf, Chain chain) { chain.Link({|DMA001:buf.PhysicalAddress.Value|}, 3); } }
        """)]
    // The sink on one path of the wrapper only.
    [InlineData("""
        class Nic { public void Set(bool enable, uint value) { if (!enable) return; IOPort.Write32(0x10, value); } }
        class D { void F(KBuffer buf, Nic nic) { nic.Set(true, {|DMA001:(uint)buf.PhysicalAddress.Value|}); } }
        """)]
    public Task Reported(string source) => Check(source + Port);

    [Theory]
    // The physical value goes to the register index, not the data.
    [InlineData("""
        class Nic { public void SetReg(int reg, uint value) { IOPort.Write32((ushort)reg, value); } }
        class D { void F(KBuffer buf, Nic nic) { nic.SetReg((int)buf.PhysicalAddress.Value, 5); } }
        """)]
    // A wrapper that only logs its argument.
    [InlineData("""
        class Nic { public void Remember(ulong address) { Log.Value(address); IOPort.Write32(0x10, 1); } }
        class D { void F(KBuffer buf, Nic nic) { nic.Remember(buf.PhysicalAddress.Value); } }
        """)]
    // A wrapper that keeps only the page offset.
    [InlineData("""
        class Nic { private readonly Regs _regs = new(); public void SetOffset(ulong address) => _regs.Doorbell(address & 0xFFF); }
        class D { void F(KBuffer buf, Nic nic) { nic.SetOffset(buf.PhysicalAddress.Value); } }
        """)]
    // A wrapper that replaces its argument before the sink.
    [InlineData("""
        class Nic { private readonly Regs _regs = new(); public void Kick(ulong address) { address = 0; _regs.Doorbell(address); } }
        class D { void F(KBuffer buf, Nic nic) { nic.Kick(buf.PhysicalAddress.Value); } }
        """)]
    // A port write whose parameter is not device-visible as an address.
    [InlineData("""
        class Nic { public ushort Command { set => IOPort.Write16(0x37, value); } }
        class D { void F(KBuffer buf, Nic nic) { nic.Command = (ushort)buf.PhysicalAddress.Value; } }
        """)]
    // A bus address from the DMA API given to the wrapper.
    [InlineData("""
        class Nic { public uint RBStart { set => IOPort.Write32(0x30, value); } }
        class D { void F(DmaApi dma, KBuffer buf, Nic nic) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); if (dma.MappingError(a)) return; nic.RBStart = (uint)a.Value; } }
        """)]
    // An interface implementation that does not reach a sink, beside one that is not called through it.
    [InlineData("""
        interface ILog { void Note(ulong address); }
        class Quiet : ILog { public void Note(ulong address) => Log.Value(address); }
        class Loud { private readonly Regs _regs = new(); public void Note(ulong address) => _regs.Doorbell(address); }
        class D { void F(KBuffer buf, ILog log) { log.Note(buf.PhysicalAddress.Value); } }
        """)]
    // A local function of the same name as a sink wrapper elsewhere, that does not reach one.
    [InlineData("""
        class Nic { private readonly Regs _regs = new(); public void Post(ulong address) => _regs.Doorbell(address); }
        class D { void F(KBuffer buf, Regs regs) { Post(buf.PhysicalAddress.Value); regs.Doorbell(0); void Post(ulong address) => Log.Value(address); } }
        """)]
    public Task NotReported(string source) => Check(source + Port);

    [Fact]
    public Task Message_names_the_path_and_points_at_each_step() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            class Nic
            {
                public void SetReg(int reg, uint value) => IOPort.Write32((ushort)reg, {|#2:value|});
                public uint RBStartRegister { set => SetReg(0x30, {|#1:value|}); }
            }
            class D { void F(KBuffer buf, Nic nic) { nic.RBStartRegister = {|#0:(uint){|#3:buf.PhysicalAddress|}.Value|}; } }
            """ + Port,
            Verify<AddressProvenanceAnalyzer>.Diagnostic("DMA001").WithLocation(0).WithLocation(3).WithLocation(1).WithLocation(2)
                .WithArguments("'buf.PhysicalAddress' (line 9)", "'Nic.RBStartRegister' → 'Nic.SetReg(value)' → 'IOPort.Write32(aData)'"));

    [Fact]
    public Task Message_tells_one_overload_from_the_other_by_the_parameter_type() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            class Ring
            {
                public void Post(ulong address) => IOPort.Write32(0x10, {|#2:(uint)address|});
                public void Post(uint address) => Post({|#1:(ulong)address|});
            }
            class D { void F(KBuffer buf, Ring ring) { ring.Post({|#0:(uint){|#3:buf.PhysicalAddress|}.Value|}); } }
            """ + Port,
            Verify<AddressProvenanceAnalyzer>.Diagnostic("DMA001").WithLocation(0).WithLocation(3).WithLocation(1).WithLocation(2)
                .WithArguments("'buf.PhysicalAddress' (line 9)", "'Ring.Post(uint address)' → 'Ring.Post(ulong address)' → 'IOPort.Write32(aData)'"));

    [Fact]
    public Task A_port_write_named_only_in_the_symbols_file() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            namespace Hw
            {
                public static class IOPort { public static void Write32(ushort port, uint aData) { } }
                public static class Pages { public static uint PhysOf(byte[] page) => 0; }
                class Rtl8139
                {
                    private ushort _io;
                    private uint RBStartRegister { set => IOPort.Write32((ushort)(_io + 0x30), value); }
                    private uint TxStatus { set => IOPort.Write32((ushort)(_io + 0x10), value); }
                    void Init(byte[] rx) { RBStartRegister = {|DMA001:Pages.PhysOf(rx)|}; TxStatus = 0; }
                }
            }
            """,
            [("DmaDiscipline.txt", """
                M:Hw.Pages.PhysOf(System.Byte[]) ; physical-source
                M:Hw.IOPort.Write32(System.UInt16,System.UInt32) ; bus-sink(aData)
                """)]);

    [Fact]
    public Task A_forged_bus_address_through_a_wrapper_is_DMA008() =>
        Check("""
            class Queue { public void Post(DmaAddr address, int length, IRing ring) => ring.Post(address, length); }
            class D { void F(Queue q, IRing ring) { q.Post({|DMA008:new DmaAddr(0x1000)|}, 64, ring); } }
            """);
}
