using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
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
            At("DmaDiscipline.txt", 4, 1, 35, "expected '<documentation id> ; <role>' but found no ';'"),
            At("DmaDiscipline.txt", 5, 1, 24, "'X:Vendor.Hal' is not a documentation comment id of a method (M:), property (P:), field (F:) or type (T:)"),
            At("DmaDiscipline.txt", 6, 1, 45, "unknown role 'bus-sinc' (expected one of: bus-address, bus-sink, coherent-alloc, coherent-free, cpu-access, device-memory, map, mapping-error-check, physical-source, platform, sync-for-cpu, sync-for-device, translation-query, unmap)"),
            At("DmaDiscipline.txt", 7, 1, 19, "role 'map' does not apply to 'T:' symbols"),
            At("DmaDiscipline.txt", 8, 1, 35, "a parameter name is only allowed with 'bus-sink' on a method"),
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
    public Task Comments_whitespace_and_unknown_ids_are_not_errors() =>
        Verify<SymbolsFileAnalyzer>.Analyzer("class D { }", [("DmaDiscipline.txt", """
                // a comment
                   M:Nobody.Knows.This() ; map    # resolved nowhere: ignored, like BannedSymbols.txt
                F:Vendor.Regs.Queue ; bus-sink
                T:Vendor.IoAddr ; bus-address
                """)]);
}
