using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA900: a broken line of DmaDiscipline.txt gets its own diagnostic with file and line; the good lines still work.</summary>
public sealed class DMA900InvalidSymbolsFileLineTests
{
    private static DiagnosticResult At(string path, int line, int column, int endColumn, string message) =>
        Verify<SymbolsFileAnalyzer>.Diagnostic("DMA900").WithSpan(path, line, column, line, endColumn).WithArguments(message);

    [Fact]
    public Task Broken_lines_are_reported_where_they_are() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(
            "class D { }",
            [("DmaDiscipline.txt", """
                # comments and blank lines are fine

                M:Vendor.Hal.PhysOf(System.Object) ; physical-source
                M:Vendor.Hal.PhysOf(System.Object)
                X:Vendor.Hal ; bus-sink
                M:Vendor.Hal.Write(System.UInt64) ; bus-sinc
                T:Vendor.Hal ; map
                P:Vendor.Hal.Addr ; bus-sink(addr)
                M:Vendor.Hal.Write(System.UInt64) ; bus-sink(
                """)],
            Unresolved(3, 1, 53, "'M:Vendor.Hal.PhysOf(System.Object)' names nothing in this compilation (no namespace or type 'Vendor.Hal'); an id for another project of the solution is expected here"),
            At("DmaDiscipline.txt", 4, 1, 35, "expected '<documentation id> ; <role>' but found no ';'"),
            At("DmaDiscipline.txt", 5, 1, 24, "'X:Vendor.Hal' is not a documentation comment id of a method (M:), property (P:), field (F:) or type (T:)"),
            At("DmaDiscipline.txt", 6, 1, 45, "unknown role 'bus-sinc' (expected one of: bus-address, bus-sink, coherent-alloc, coherent-free, cpu-access, device-memory, made-with, map, map-persistent, mapping-error-check, physical-source, platform, receiver-sink, sync-for-cpu, sync-for-device, translation-query, unmap, value-preserving)"),
            At("DmaDiscipline.txt", 7, 1, 19, "role 'map' does not apply to 'T:' symbols"),
            At("DmaDiscipline.txt", 8, 1, 35, "a parameter name is only allowed with 'bus-sink', 'receiver-sink', 'physical-source' or 'device-memory' on a method (for the last two, the out or ref parameter the address comes back through)"),
            At("DmaDiscipline.txt", 9, 1, 46, "role 'bus-sink(' has an unclosed '('"));

    [Theory]
    [InlineData("DmaDiscipline.Vendor.txt")]
    [InlineData("config/DmaDiscipline.txt")]
    public Task Every_symbols_file_name_is_read(string path) =>
        Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [(path, "oops")],
            At(path, 1, 1, 5, "expected '<documentation id> ; <role>' but found no ';'"));

    [Theory]
    [InlineData("BannedSymbols.txt")]
    [InlineData("DmaDiscipline.json")]
    [InlineData("NotDmaDiscipline.txt")]
    public Task Other_files_are_not_read(string path) =>
        Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [(path, "oops")]);

    [Fact]
    public Task Comments_whitespace_and_unknown_ids_are_not_errors_but_unknown_ids_are_information() =>
        Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [("DmaDiscipline.txt", """
                // a comment
                   M:Nobody.Knows.This() ; map    # resolved nowhere: information, not an error (the file may serve another project)
                F:Vendor.Regs.Queue ; bus-sink
                T:Vendor.IoAddr ; bus-address
                """)],
            Unresolved(2, 4, 31, "'M:Nobody.Knows.This()' names nothing in this compilation (no namespace or type 'Nobody.Knows'); an id for another project of the solution is expected here"),
            Unresolved(3, 1, 31, "'F:Vendor.Regs.Queue' names nothing in this compilation (no namespace or type 'Vendor.Regs'); an id for another project of the solution is expected here"),
            Unresolved(4, 1, 30, "'T:Vendor.IoAddr' names nothing in this compilation (no namespace or type 'Vendor'); an id for another project of the solution is expected here"));

    private const string Hal = """
        namespace Vendor
        {
            public class Hal
            {
                public static void Write(int queue, ulong addr) { }
                public static void Done(ulong addr) { }
                public static ulong Phys(object o) => 0;
                public static void Nothing() { }
                public static void Forget(object o) { }
                public void Store(uint at, uint value) { }
            }
        }
        """;

    [Fact]
    public Task A_role_or_parameter_that_cannot_apply_to_the_member_is_reported() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; bus-sink(Addr)
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; bus-sink(address)
                M:Vendor.Hal.Forget(System.Object) ; physical-source
                M:Vendor.Hal.Done(System.UInt64) ; mapping-error-check
                M:Vendor.Hal.Nothing ; unmap
                M:Vendor.Hal.Nothing ; map-persistent
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; receiver-sink(addr)
                F:Vendor.Hal.Base ; receiver-sink
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; device-memory(addr)
                """)],
            At("DmaDiscipline.txt", 1, 1, 64, "'M:Vendor.Hal.Write(System.Int32,System.UInt64)' has no parameter 'Addr'; parameter names are case-sensitive: 'addr'"),
            At("DmaDiscipline.txt", 2, 1, 67, "'M:Vendor.Hal.Write(System.Int32,System.UInt64)' has no parameter 'address' (its parameters: queue, addr)"),
            At("DmaDiscipline.txt", 3, 1, 53, "role 'physical-source' needs a method that returns the address, and 'M:Vendor.Hal.Forget(System.Object)' returns nothing"),
            At("DmaDiscipline.txt", 4, 1, 55, "role 'mapping-error-check' needs a method that returns bool (true = the mapping failed), and 'M:Vendor.Hal.Done(System.UInt64)' returns void"),
            At("DmaDiscipline.txt", 5, 1, 29, "role 'unmap' needs a parameter to act on, and 'M:Vendor.Hal.Nothing' has none"),
            At("DmaDiscipline.txt", 6, 1, 38, "role 'map-persistent' needs a parameter to act on, and 'M:Vendor.Hal.Nothing' has none"),
            At("DmaDiscipline.txt", 7, 1, 69, "role 'receiver-sink' needs an instance method (it stores into its receiver's memory), and 'M:Vendor.Hal.Write(System.Int32,System.UInt64)' is static"),
            At("DmaDiscipline.txt", 8, 1, 34, "role 'receiver-sink' does not apply to 'F:' symbols"),
            At("DmaDiscipline.txt", 9, 1, 69, "'addr' of 'M:Vendor.Hal.Write(System.Int32,System.UInt64)' is passed by value: 'device-memory(addr)' names the out or ref parameter the address comes back through"));

    private static readonly Lazy<Task<LibraryAssembly.Built>> ExternalHal = new(() => LibraryAssembly.BuildAsync("""
        namespace Ext
        {
            public static class Hal { public static void Given(ulong pa) { } }
            public abstract class Handler { public abstract void OnFrame(ulong pa); }
        }
        """, "Ext"));

    [Fact]
    public async Task A_parameter_given_an_address_needs_a_body_here_that_can_be_given_it()
    {
        var line = "M:Ext.Hal.Given(System.UInt64) ; physical-source(pa)";
        await Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [("DmaDiscipline.txt", line + "\nM:Ext.Handler.OnFrame(System.UInt64) ; physical-source(pa)\n")], [(await ExternalHal.Value).Reference],
            At("DmaDiscipline.txt", 1, 1, line.Length + 1,
                "'pa' of 'M:Ext.Hal.Given(System.UInt64)' is passed by value: 'physical-source(pa)' on it says the method is given a physical address, and no body here can be: 'M:Ext.Hal.Given(System.UInt64)' is in another assembly and cannot be overridden or implemented; name an out or ref parameter for an address that comes back"));
    }

    [Fact]
    public Task Lines_that_fit_their_members_are_quiet() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; bus-sink(addr)
                M:Vendor.Hal.Write(System.Int32,System.UInt64) ; bus-sink
                M:Vendor.Hal.Phys(System.Object) ; physical-source
                M:Vendor.Hal.Forget(System.Object) ; unmap
                M:Vendor.Hal.Store(System.UInt32,System.UInt32) ; receiver-sink(value)
                M:Vendor.Hal.Done(System.UInt64) ; physical-source(addr)
                """)]);

    private static DiagnosticResult Unresolved(int line, int column, int endColumn, string message) =>
        Verify<SymbolsFileAnalyzer>.Diagnostic("DMA901").WithSpan("DmaDiscipline.txt", line, column, line, endColumn).WithArguments(message).WithSeverity(DiagnosticSeverity.Info);
}
