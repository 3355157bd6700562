using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Helpers whose body is not in the compilation (another assembly; here an interface no type of the
/// compilation implements): a configured <c>value-preserving</c> one passes on what its first argument
/// carries; one that is not configured stops the flow. And a store through a <c>ref</c> to a sink member
/// (<c>Volatile.Write(ref ring[i].Addr, v)</c>) is a store into it.
/// </summary>
public sealed class DMA001ValuePreservingTests
{
    private const string Endian = """
        namespace Env { public interface IEndian { ulong ToLittle(ulong value); ulong Swap(ulong value, int width); void Touch(ulong value); } }
        """;

    private const string Config = "M:Env.IEndian.ToLittle(System.UInt64) ; value-preserving\n";

    [Fact]
    public Task A_configured_value_preserving_helper_passes_the_address_on() => Verify<AddressProvenanceAnalyzer>.Analyzer(
        Endian + """
        class D { void F(Env.IEndian endian, KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:endian.ToLittle(buf.PhysicalAddress.Value + 64)|}; } }
        """,
        [("DmaDiscipline.txt", Config)]);

    [Fact]
    public Task Through_a_local_and_into_a_descriptor_field() => Verify<AddressProvenanceAnalyzer>.Analyzer(
        Endian + """
        class D { void F(Env.IEndian endian, KBuffer buf, Desc[] ring) { var a = endian.ToLittle(buf.PhysicalAddress.Value); ring[0].Addr = {|DMA001:a|}; } }
        """,
        [("DmaDiscipline.txt", Config)]);

    [Theory]
    [InlineData("regs.QueueDesc = endian.Swap(buf.PhysicalAddress.Value, 8);")]        // not configured: its body is not here
    [InlineData("regs.QueueDesc = endian.ToLittle((ulong)buf.Length);")]               // configured, given a length
    [InlineData("Log.Value(endian.ToLittle(buf.PhysicalAddress.Value));")]               // configured, given to no sink
    public Task Look_alikes_are_not_reported(string body) => Verify<AddressProvenanceAnalyzer>.Analyzer(
        Endian + "class D { void F(Env.IEndian endian, KBuffer buf, Regs regs) { " + body + " } }",
        [("DmaDiscipline.txt", Config)]);

    [Fact]
    public Task The_role_needs_a_method_that_returns_what_it_is_given() => Verify<SymbolsFileAnalyzer>.Analyzer(
        Endian,
        [("DmaDiscipline.txt", "M:Env.IEndian.Touch(System.UInt64) ; value-preserving\n")],
        new DiagnosticResult("DMA900", DiagnosticSeverity.Warning).WithSpan("DmaDiscipline.txt", 1, 1, 1, 54)
            .WithArguments("role 'value-preserving' needs a method that returns what its first argument is given, and 'M:Env.IEndian.Touch(System.UInt64)' returns nothing"));

    [Theory]
    [InlineData("System.Threading.Volatile.Write(ref ring[i].Addr, {|DMA001:buf.PhysicalAddress.Value|});")]
    [InlineData("var phys = buf.PhysicalAddress.Value; System.Threading.Interlocked.Exchange(ref ring[i].Addr, {|DMA001:phys|});")]
    [InlineData("System.Threading.Volatile.Write(ref ring[i].Len, (uint)buf.PhysicalAddress.Value);")] // not a sink member
    [InlineData("System.Threading.Volatile.Write(ref ring[i].Addr, (ulong)buf.Length);")]              // not an address
    public Task A_store_through_a_ref_to_a_sink_member_is_a_store_into_it(string body) => Verify<AddressProvenanceAnalyzer>.Analyzer(
        "class D { void F(KBuffer buf, Desc[] ring, int i) { " + body + " } }");
}
