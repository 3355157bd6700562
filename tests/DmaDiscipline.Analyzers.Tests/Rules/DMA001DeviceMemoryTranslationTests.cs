using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Device memory through an address translation the analyzer cannot read (an extern, another
/// assembly's method): <c>PhysToVirt(bar)</c> or <c>MapMmio(bar, size)</c> of a device-memory address
/// (a PCI BAR's base, named in the configuration) addresses the same device memory. Only device memory
/// carries through such a call: the virtual view of ordinary memory is neither device memory nor a
/// physical address. And a property the configuration names as a physical source is where the driver
/// keeps the address: storing into it is bookkeeping, even where its setter stores into device memory.
/// </summary>
public sealed class DMA001DeviceMemoryTranslationTests
{
    private const string Platform = """
        namespace Kernel
        {
            public struct Bar { public ulong BaseAddress; public ulong Size; }
            public static class Memory
            {
                [System.Runtime.InteropServices.DllImport("*")] public static extern ulong PhysToVirt(ulong physicalAddress);
                [System.Runtime.InteropServices.DllImport("*")] public static extern ulong MapMmio(ulong physicalAddress, ulong size);
                [System.Runtime.InteropServices.DllImport("*")] public static extern ulong AllocatePage();
                [System.Runtime.InteropServices.DllImport("*")] public static extern bool IsMapped(ulong address);
            }
        }

        """;

    private const string Symbols = """
        F:Kernel.Bar.BaseAddress ; device-memory
        M:Kernel.Memory.AllocatePage ; physical-source
        """;

    private static Task Check(string source, string symbols = Symbols)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings + "using Kernel;\n" + source + Platform + Verify<AddressProvenanceAnalyzer>.PreludeFor(source + Platform),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", symbols));
        return test.RunAsync();
    }

    [Theory]
    // The BAR translated to a virtual address by an extern, stored through at a register offset.
    [InlineData("""
        unsafe class Hba
        {
            void Start(Bar bar) { var regs = (byte*)Memory.PhysToVirt(bar.BaseAddress); *(uint*)(regs + 0x00) = {|DMA001:(uint)Memory.AllocatePage()|}; }
        }
        """)]
    // A mapping call with a size argument; the BAR kept in a field first, the mapping in another field.
    [InlineData("""
        unsafe class VirtioPci
        {
            private ulong _barPhys;
            private byte* _common;
            void Probe(Bar[] bars) { _barPhys = bars[4].BaseAddress; _common = (byte*)Memory.MapMmio(_barPhys, 0x1000); }
            void SetupQueue() { var desc = Memory.AllocatePage(); *(ulong*)(_common + 0x20) = {|DMA001:desc|}; }
        }
        """)]
    // The translated register block handed to another object's constructor and stored through by its helper.
    [InlineData("""
        unsafe sealed class Port
        {
            private readonly byte* _regs;
            public Port(byte* regs) { _regs = regs; }
            public void Write(int offset, uint value) { *(uint*)(_regs + offset) = value; }
        }
        unsafe class Controller
        {
            private byte* _hba;
            void Init(Bar bar) { _hba = (byte*)Memory.PhysToVirt(bar.BaseAddress); }
            void StartPort(int i) { var port = new Port(_hba + 0x100 + i * 0x80); port.Write(0x00, {|DMA001:(uint)Memory.AllocatePage()|}); }
        }
        """)]
    // A helper of the compilation that returns the translation of its parameter.
    [InlineData("""
        unsafe class MappedHba
        {
            static ulong Map(ulong bar) => Memory.PhysToVirt(bar);
            void Start(Bar bar) { var regs = Map(bar.BaseAddress); *(ulong*)(regs + 0x08) = {|DMA001:Memory.AllocatePage()|}; }
        }
        """)]
    public Task Reported(string source) => Check(source);

    [Theory]
    // Look-alike: the same extern translating an ordinary page's physical address: CPU memory, not a sink.
    [InlineData("""
        unsafe class Driver
        {
            void Clear() { var page = Memory.AllocatePage(); var cpu = (ulong*)Memory.PhysToVirt(page); *cpu = Memory.AllocatePage(); }
        }
        """)]
    // Look-alike: the virtual view of a physical page is not itself physical (a device register given it is another bug).
    [InlineData("""
        class Driver
        {
            void Post(Regs regs) { var virt = Memory.PhysToVirt(Memory.AllocatePage()); regs.QueueDesc = virt; }
        }
        """)]
    // Look-alike: a helper with a body is followed, not taken as a translation: a value it loads from the BAR is a number.
    [InlineData("""
        unsafe class Driver
        {
            static ulong ReadCapability(ulong bar) => *(ulong*)(bar + 0x10);
            void Probe(Bar bar) { var cap = ReadCapability(Memory.PhysToVirt(bar.BaseAddress)); var p = (ulong*)cap; *p = Memory.AllocatePage(); }
        }
        """)]
    // Look-alike: an extern that returns no address (a status) carries nothing.
    [InlineData("""
        unsafe class Driver
        {
            void Probe(Bar bar) { if (Memory.IsMapped(bar.BaseAddress)) { var p = (ulong*)0x1000; *p = Memory.AllocatePage(); } }
        }
        """)]
    // Without the BAR named as device memory, the translation carries nothing.
    [InlineData("""
        unsafe class UnnamedBarHba
        {
            void Start(Bar bar) { var regs = (byte*)Memory.PhysToVirt(bar.BaseAddress); *(uint*)(regs + 0x00) = (uint)Memory.AllocatePage(); }
        }
        """, "M:Kernel.Memory.AllocatePage ; physical-source")]
    public Task NotReported(string source, string symbols = Symbols) => Check(source, symbols);

    // A packet buffer lives in memory the device reads; its first word keeps the buffer's physical
    // address for the CPU (the property the configuration names as a physical source).
    private const string PacketBuffer = """
        unsafe struct PacketBuffer
        {
            private readonly ulong _base;
            public PacketBuffer(ulong virt) { _base = virt; }
            public ulong PhysicalAddress { get => *(ulong*)_base; set => *(ulong*)_base = value; }
            public ulong Cookie { get => *(ulong*)(_base + 8); set => *(ulong*)(_base + 8) = value; }
        }
        unsafe class Pool
        {
            void Fill(Bar dmaRegion)
            {
                var buffer = new PacketBuffer(Memory.PhysToVirt(dmaRegion.BaseAddress));
                buffer.PhysicalAddress = Memory.AllocatePage();
                buffer.Cookie = {|DMA001:Memory.AllocatePage()|};
            }
        }
        """;

    [Fact]
    public Task A_store_into_a_configured_physical_source_is_bookkeeping_another_property_is_not() =>
        Check(PacketBuffer, Symbols + "\nP:PacketBuffer.PhysicalAddress ; physical-source");

    [Fact]
    public Task Without_the_physical_source_line_the_setter_is_a_sink_like_any_other() =>
        Check(PacketBuffer.Replace("buffer.PhysicalAddress = Memory.AllocatePage();", "buffer.PhysicalAddress = {|DMA001:Memory.AllocatePage()|};"));
}
