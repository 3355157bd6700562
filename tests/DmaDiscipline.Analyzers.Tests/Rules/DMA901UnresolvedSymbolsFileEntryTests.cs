using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA901: a readable symbols-file line whose id names nothing is information, with the id a user most likely meant.</summary>
public sealed class DMA901UnresolvedSymbolsFileEntryTests
{
    private const string Hal = """
        namespace Vendor
        {
            public class Hal
            {
                public class Regs
                {
                    public static void Write(ulong value) { }
                }

                public static void Post(ulong addr) { }
                public static void Post(int queue, ulong addr) { }
                public static ulong Phys { get; set; }
            }
        }
        """;

    private static DiagnosticResult At(int line, int endColumn, string message) =>
        Verify<SymbolsFileAnalyzer>.Diagnostic("DMA901").WithSpan("DmaDiscipline.txt", line, 1, line, endColumn).WithArguments(message).WithSeverity(DiagnosticSeverity.Info);

    [Fact]
    public Task A_nested_type_written_with_a_plus_and_keywords_for_parameter_types_are_respelled() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                M:Vendor.Hal+Regs.Write(System.UInt64) ; bus-sink
                M:Vendor.Hal.Regs.Write(ulong) ; bus-sink
                """)],
            At(1, 50, "'M:Vendor.Hal+Regs.Write(System.UInt64)' names nothing in this compilation; documentation ids separate nested types with '.' and spell parameter types by metadata name: 'M:Vendor.Hal.Regs.Write(System.UInt64)'"),
            At(2, 42, "'M:Vendor.Hal.Regs.Write(ulong)' names nothing in this compilation; documentation ids separate nested types with '.' and spell parameter types by metadata name: 'M:Vendor.Hal.Regs.Write(System.UInt64)'"));

    [Fact]
    public Task A_method_without_its_parameter_list_gets_its_overloads() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                M:Vendor.Hal.Post ; bus-sink
                """)],
            At(1, 29, "'M:Vendor.Hal.Post' names nothing in this compilation; did you mean 'M:Vendor.Hal.Post(System.UInt64)' or 'M:Vendor.Hal.Post(System.Int32,System.UInt64)'?"));

    [Fact]
    public Task A_name_in_the_wrong_case_gets_the_right_one() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                P:vendor.hal.phys ; physical-source
                """)],
            At(1, 36, "'P:vendor.hal.phys' names nothing in this compilation; did you mean 'P:Vendor.Hal.Phys'?"));

    [Fact]
    public Task Ids_that_resolve_are_quiet() =>
        Verify<SymbolsFileAnalyzer>.Analyzer(Hal, [("DmaDiscipline.txt", """
                M:Vendor.Hal.Regs.Write(System.UInt64) ; bus-sink
                M:Vendor.Hal.Post(System.Int32,System.UInt64) ; bus-sink(addr)
                P:Vendor.Hal.Phys ; physical-source
                """)]);
}
