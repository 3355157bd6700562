using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Device memory (and physical addresses) through the carriers physical addresses travel by: a field
/// or auto-property written by another type, the elements of an array, a constructor's parameter
/// stored into a field (followed back to every <c>new</c>), a helper's return. A field's content is
/// what any body stores into it (per field, not per instance): written once with device memory, it is
/// device memory wherever it is read, even where other stores give it ordinary memory.
/// </summary>
public sealed class DMA001DeviceMemoryCarrierTests
{
    private const string Hw = """
        namespace Hw
        {
            public static unsafe class Pci { public static byte* MapBar(int index) => null; }
        }

        """;

    private const string MapBar = "M:Hw.Pci.MapBar(System.Int32) ; device-memory";

    private static Task Check(string source)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings + "using System.Runtime.InteropServices;\nusing Hw;\n"
                + source + Hw + Verify<AddressProvenanceAnalyzer>.PreludeFor(source + Hw),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", MapBar));
        return test.RunAsync();
    }

    // A queue keeps its ring's address in an auto-property the device class sets; the queue's own
    // helpers compute a descriptor's address from it and store through it.
    private const string RxQueue = """
        unsafe sealed class RxQueue
        {
            public ulong DescriptorsAddr { get; set; }
            public ulong Desc(int i) => DescriptorsAddr + (ulong)(16 * i);
            public void WriteAddr(ulong desc, ulong value) { *(ulong*)desc = value; }
        }

        """;

    [Theory]
    // The ring address stored into another type's auto-property, read back by that type's helper.
    [InlineData(RxQueue + """
        unsafe class Nic
        {
            void Setup(RxQueue q) { q.DescriptorsAddr = (ulong)Pci.MapBar(1); }
            void Refill(RxQueue q, KBuffer buf) { q.WriteAddr(q.Desc(0), {|DMA001:buf.PhysicalAddress.Value|}); }
        }
        """)]
    // ... and stored through directly by the device class.
    [InlineData(RxQueue + """
        unsafe class Nic
        {
            void Setup(RxQueue q) { q.DescriptorsAddr = (ulong)Pci.MapBar(1); }
            void Refill(RxQueue q, KBuffer buf) { *(ulong*)(q.DescriptorsAddr + 16) = {|DMA001:buf.PhysicalAddress.Value|}; }
        }
        """)]
    // A BAR address kept in an array element, read back at an index, plus an offset, into a pointer field.
    [InlineData("""
        unsafe class VirtioPci
        {
            private readonly ulong[] _bars = new ulong[6];
            private byte* _common;
            void MapBars() { for (var i = 0; i < 6; i++) { _bars[i] = (ulong)Pci.MapBar(i); } }
            void Capability(int bar, uint offset) { var b = _bars[bar]; _common = (byte*)(b + offset); }
            void SetupQueue(KBuffer desc) { *(ulong*)(_common + 0x20) = {|DMA001:desc.PhysicalAddress.Value|}; }
        }
        """)]
    // A register pointer given to a constructor, stored into a field, stored through by the port's helper.
    [InlineData("""
        unsafe sealed class Port
        {
            private readonly byte* _regs;
            public Port(int index, byte* regs) { _regs = regs; }
            private void Write(int offset, uint value) { *(uint*)(_regs + offset) = value; }
            public void Start(KBuffer commandList) { Write(0x00, {|DMA001:(uint)commandList.PhysicalAddress.Value|}); Write(0x18, 0x11); }
        }
        unsafe class Hba
        {
            void Probe() { var abar = Pci.MapBar(5); for (var i = 0; i < 4; i++) { new Port(i, abar + 0x100 + i * 0x80).Start(null!); } }
        }
        """)]
    // ... or to a setter that stores its value into a field, followed back to every assignment of the property.
    [InlineData("""
        unsafe sealed class Port
        {
            private byte* _regs;
            public byte* Registers { set => _regs = value; }
            private void Write(int offset, uint value) { *(uint*)(_regs + offset) = value; }
            public void Start(KBuffer commandList) { Write(0x00, {|DMA001:(uint)commandList.PhysicalAddress.Value|}); Write(0x18, 0x11); }
        }
        unsafe class Hba
        {
            void Probe(Port port) { port.Registers = Pci.MapBar(5) + 0x100; port.Start(null!); }
        }
        """)]
    // Decided: a field's content is a may-content. Written with device memory by one store and with
    // ordinary memory by another, a physical address stored through it is reported.
    [InlineData(RxQueue + """
        unsafe class Nic
        {
            void Setup(RxQueue q, bool hw, byte* scratch) { if (hw) { q.DescriptorsAddr = (ulong)Pci.MapBar(1); } else { q.DescriptorsAddr = (ulong)scratch; } }
            void Refill(RxQueue q, KBuffer buf) { q.WriteAddr(q.Desc(0), {|DMA001:buf.PhysicalAddress.Value|}); }
        }
        """)]
    // Physical addresses follow array elements too: a local array, and an array field of the same type.
    [InlineData("""
        class D { void F(KBuffer a, KBuffer b, Regs regs) { var phys = new ulong[2]; phys[0] = a.PhysicalAddress.Value; phys[1] = b.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:phys[1]|}; } }
        """)]
    [InlineData("""
        class D { void F(KBuffer a, Regs regs) { var phys = new[] { a.PhysicalAddress.Value, 0UL }; regs.QueueDesc = {|DMA001:phys[0]|}; } }
        """)]
    [InlineData("""
        class D
        {
            private readonly ulong[] _rings = new ulong[4];
            void Alloc(KBuffer ring, int i) { _rings[i] = ring.PhysicalAddress.Value; }
            void Start(Regs regs) { regs.QueueDesc = {|DMA001:_rings[0]|}; }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // A property of the same name and type in another queue type, written only with ordinary memory.
    [InlineData(RxQueue + """
        unsafe sealed class TxQueue
        {
            public ulong DescriptorsAddr { get; set; }
            public ulong Desc(int i) => DescriptorsAddr + (ulong)(16 * i);
            public void WriteAddr(ulong desc, ulong value) { *(ulong*)desc = value; }
        }
        unsafe class Nic
        {
            void Setup(RxQueue rx, TxQueue tx, byte* scratch) { rx.DescriptorsAddr = (ulong)Pci.MapBar(1); tx.DescriptorsAddr = (ulong)scratch; }
            void Refill(TxQueue q, KBuffer buf) { q.WriteAddr(q.Desc(0), buf.PhysicalAddress.Value); }
        }
        """)]
    // An array holding ordinary buffers, beside an array of BARs.
    [InlineData("""
        unsafe class D
        {
            private readonly ulong[] _bars = new ulong[6];
            private readonly ulong[] _bounce = new ulong[6];
            void Map() { _bars[0] = (ulong)Pci.MapBar(0); _bounce[0] = (ulong)Marshal.AllocHGlobal(64); }
            void Keep(KBuffer buf) { *(ulong*)_bounce[0] = buf.PhysicalAddress.Value; }
        }
        """)]
    // A constructor given ordinary memory: the port's stores are CPU stores.
    [InlineData("""
        unsafe sealed class Port
        {
            private readonly byte* _regs;
            public Port(byte* regs) { _regs = regs; }
            public void Start(KBuffer commandList) { *(uint*)_regs = (uint)commandList.PhysicalAddress.Value; }
        }
        unsafe class Host { void Probe(KBuffer cl) { var shadow = (byte*)Marshal.AllocHGlobal(256); new Port(shadow).Start(cl); var bar = Pci.MapBar(0); *(uint*)(bar + 4) = 1; } }
        """)]
    // The device memory is given a length; the physical address is kept in an array for the CPU.
    [InlineData("""
        unsafe class D
        {
            private readonly ulong[] _bars = new ulong[6];
            private readonly ulong[] _phys = new ulong[6];
            void Map(KBuffer buf) { _bars[0] = (ulong)Pci.MapBar(0); _phys[0] = buf.PhysicalAddress.Value; *(uint*)(_bars[0] + 8) = (uint)buf.Length; Log.Value(_phys[0]); }
        }
        """)]
    // An array initialised with lengths, beside a physical address kept in a local.
    [InlineData("""
        class D { void F(KBuffer a, Regs regs) { var lengths = new[] { (ulong)a.Length, 64UL }; var phys = a.PhysicalAddress.Value; Log.Value(phys); regs.QueueDesc = lengths[0]; } }
        """)]
    public Task NotReported(string source) => Check(source);
}
