using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001 on identity-mapped platforms (a managed kernel: a pointer is the physical address), said
/// by one line of the symbols file, and the value-preserving conversions followed on every platform.
/// </summary>
public sealed class DMA001IdentityMappedTests
{
    private const string Identity = "pointers ; physical-source   # identity-mapped: a pointer is a physical address";

    private static Task Check(string source, string? symbols = Identity)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test
        {
            TestCode = Verify<AddressProvenanceAnalyzer>.Usings + "using System.Runtime.InteropServices;\nusing System.Runtime.CompilerServices;\n"
                + source + Verify<AddressProvenanceAnalyzer>.PreludeFor(source),
        };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        if (symbols is not null)
        {
            test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", symbols));
        }

        return test.RunAsync();
    }

    [Theory]
    // A fixed pointer stored as it is into a pointer-typed descriptor field named as a sink.
    [InlineData("""
        unsafe struct Bd { public byte* Pointer; public ushort Length; }
        unsafe class D { Bd[] _list = new Bd[4]; void F(byte[] buffer) { fixed (byte* p = buffer) { _list[0].Pointer = {|DMA001:p|}; } } }
        """, "F:Bd.Pointer ; bus-sink")]
    public Task A_pointer_into_a_pointer_typed_slot(string source, string symbols) => Check(source, Identity + "\n" + symbols);

    [Theory]
    // Not identity-mapped: the same pointer store is not a physical address.
    [InlineData("""
        unsafe struct Bd { public byte* Pointer; public ushort Length; }
        unsafe class D { Bd[] _list = new Bd[4]; void F(byte[] buffer) { fixed (byte* p = buffer) { _list[0].Pointer = p; } } }
        """, "F:Bd.Pointer ; bus-sink")]
    public Task A_pointer_into_a_pointer_typed_slot_elsewhere(string source, string symbols) => Check(source, symbols);

    [Theory]
    [InlineData("""
        unsafe class D { void F(byte* p, Regs regs) { regs.Doorbell({|DMA001:(ulong)p|}); } }
        """)]
    [InlineData("""
        unsafe class D { void F(byte[] data, Regs regs) { fixed (byte* p = data) { regs.QueueDesc = {|DMA001:(ulong)p + 16|}; } } }
        """)]
    [InlineData("""
        class D { void F(byte[] data, Regs regs) { var h = GCHandle.Alloc(data, GCHandleType.Pinned); regs.Doorbell({|DMA001:(ulong)h.AddrOfPinnedObject().ToInt64()|}); h.Free(); } }
        """)]
    [InlineData("""
        class D { void F(Regs regs) { var block = Marshal.AllocHGlobal(4096); regs.Doorbell({|DMA001:(ulong)block|}); } }
        """)]
    [InlineData("""
        unsafe class D { void F(byte* p, Regs regs) { nuint n = (nuint)p; regs.Doorbell({|DMA001:n|}); } }
        """)]
    [InlineData("""
        unsafe class D { void F(byte* p, Regs regs) { var ip = new IntPtr(p); regs.Doorbell({|DMA001:(ulong)ip.ToInt64()|}); } }
        """)]
    // A pointer field, converted in another body than the one that set it.
    [InlineData("""
        unsafe class D { private byte* _ring; void Kick(Regs regs) { regs.QueueDesc = {|DMA001:(ulong)_ring|}; } }
        """)]
    // Into a wrapper.
    [InlineData("""
        class Nic { private readonly Regs _regs = new(); public void SetRing(ulong address) => _regs.Doorbell(address); }
        unsafe class D { void F(Nic nic) { var ring = stackalloc byte[64]; nic.SetRing({|DMA001:(ulong)ring|}); } }
        """)]
    public Task Reported_on_an_identity_mapped_platform(string source) => Check(source);

    [Theory]
    // Only logged.
    [InlineData("""
        unsafe class D { void F(byte* p, Regs regs) { Log.Value((ulong)p); regs.Doorbell(0); } }
        """)]
    // The distance between two pointers is an offset, not an address.
    [InlineData("""
        unsafe class D { void F(byte* p, byte* q, Regs regs) { regs.Doorbell((ulong)(p - q)); } }
        """)]
    // A number that never was a pointer.
    [InlineData("""
        unsafe class D { void F(byte* p, int n, Regs regs) { p[0] = 1; regs.Doorbell((ulong)n); } }
        """)]
    // A pointer read through, not converted.
    [InlineData("""
        unsafe class D { void F(ulong* p, Regs regs) { regs.Doorbell(*p); } }
        """)]
    public Task Not_reported_on_an_identity_mapped_platform(string source) => Check(source);

    [Fact]
    public Task A_pointer_is_not_an_address_without_the_line() => Check("""
        unsafe class D { void F(byte* p, Regs regs) { regs.Doorbell((ulong)p); } }
        """, symbols: null);

    [Theory]
    // IntPtr round trip of a physical address.
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { var ip = (IntPtr)(long)buf.PhysicalAddress.Value; regs.Doorbell({|DMA001:(ulong)ip.ToInt64()|}); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { var ip = new UIntPtr(buf.PhysicalAddress.Value); regs.Doorbell({|DMA001:ip.ToUInt64()|}); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { ulong a = buf.PhysicalAddress.Value; long b = Unsafe.As<ulong, long>(ref a); regs.Doorbell({|DMA001:(ulong)b|}); } }
        """)]
    [InlineData("""
        class D { void F(KBuffer buf, Regs regs) { long a = (long)buf.PhysicalAddress.Value; regs.Doorbell({|DMA001:Convert.ToUInt64(a)|}); } }
        """)]
    public Task Value_preserving_conversions_are_followed_everywhere(string source) => Check(source, symbols: null);

    [Fact]
    public Task A_configured_physical_type_converted_by_its_own_method() => Check("""
        namespace Hw
        {
            public readonly struct PhysicalAddress { private readonly ulong _value; public PhysicalAddress(ulong value) { _value = value; } public ulong ToUInt64() => _value; public int PageOffset() => (int)(_value & 0xFFF); }
            class D
            {
                void F(PhysicalAddress pa, Regs regs) { regs.Doorbell({|DMA001:pa.ToUInt64()|}); regs.QueueDesc = (ulong)pa.PageOffset(); }
            }
        }
        """, symbols: "T:Hw.PhysicalAddress ; physical-source");

    [Fact]
    public Task The_line_takes_only_physical_source() =>
        Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [("DmaDiscipline.txt", "pointers ; bus-sink")],
            Verify<SymbolsFileAnalyzer>.Diagnostic("DMA900").WithSpan("DmaDiscipline.txt", 1, 1, 1, 20)
                .WithArguments("'pointers' takes only the role 'physical-source' (pointers are physical addresses on this platform), not 'bus-sink'"));
}
