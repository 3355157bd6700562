using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The generator's value-preserving question, answered from the syntax of a helper's returns where the answer is
/// certain (<see cref="VisibleReturn"/>): such a helper is published without its body being bound; every look-alike
/// the syntax cannot be sure of (a mask, a reassigned parameter or local, a scaled index beside a hard-coded base, a
/// return after a loop that never ends, a call) gets no yes from it, and the summary's answer is published as before.
/// </summary>
public sealed class VisibleReturnTests
{
    private const string Helpers = """
        using System;
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public sealed class Features
            {
                private ulong _raw;
                private long _seen;

                public void Take(KBuffer buffer) { _raw = buffer.PhysicalAddress.Value; }

                // Carries its first argument: through a local, past a throw in an if, a loop and a field update.
                public ulong Negotiate(ulong offered, ulong wanted)
                {
                    var accepted = offered & wanted;
                    if ((accepted & (1UL << 32)) == 0)
                    {
                        throw new InvalidOperationException("VERSION_1 not offered");
                    }

                    var names = new List<string>();
                    for (var bit = 0; bit < 64; bit++)
                    {
                        if ((accepted & (1UL << bit)) != 0) names.Add("bit" + bit);
                    }

                    _seen += names.Count;
                    return accepted | ((ulong)names.Count << 56);
                }

                public ulong Pick(ulong address, bool high) => high ? address | 0x8000_0000_0000_0000UL : address;
                public ulong Widen(ulong address) => (ulong)(long)address + 16;

                // Look-alikes: what the flow does not carry, or what the syntax cannot be sure of.
                public ulong Page(ulong address) => address & 0xFFF;
                public ulong Reset(ulong address) { address = 0; return address; }
                public ulong Again(ulong address) { var v = address; v = 7; return v; }
                public ulong Slot(ulong index) => 0x400000 + index * 8;
                public ulong IsSet(ulong address) => (ulong)(address == 0 ? 1 : 0);
                public ulong Never(ulong address) { while (true) { } }
                public ulong Through(ulong address) => Same(address);
                private static ulong Same(ulong value) { ulong kept = value; return kept; }
                public ulong Shadowed(ulong address) { Func<ulong, ulong> f = address => address; return f(1); }
            }
        }
        """;

    [Fact]
    public async Task A_helper_whose_return_visibly_carries_its_first_parameter_is_published_without_binding_its_body()
    {
        var (lines, bound, _) = await ComputeAsync(Helpers);
        Assert.Contains("M:Lib.Features.Negotiate(System.UInt64,System.UInt64) ; value-preserving", lines);
        Assert.Contains("M:Lib.Features.Pick(System.UInt64,System.Boolean) ; value-preserving", lines);
        Assert.Contains("M:Lib.Features.Widen(System.UInt64) ; value-preserving", lines);
        Assert.DoesNotContain("Negotiate", bound);
        Assert.DoesNotContain("Pick", bound);
        Assert.DoesNotContain("Widen", bound);
    }

    [Fact]
    public async Task Look_alikes_get_no_yes_from_the_syntax_and_the_summary_decides_as_before()
    {
        var (lines, bound, compilation) = await ComputeAsync(Helpers);
        var type = compilation.GetTypeByMetadataName("Lib.Features")!;
        var visible = new VisibleReturn(compilation, tree => compilation.GetSemanticModel(tree), default);
        foreach (var name in new[] { "Page", "Reset", "Again", "Slot", "IsSet", "Never", "Through", "Shadowed" })
        {
            var method = (IMethodSymbol)type.GetMembers(name).Single();
            Assert.False(visible.CarriesParameter(method, 0), name);
            Assert.Contains(name, bound);
        }

        foreach (var name in new[] { "Page", "Reset", "Again", "Slot", "IsSet", "Never", "Shadowed" })
        {
            Assert.DoesNotContain(lines, line => line.Contains("." + name + "(", StringComparison.Ordinal));
        }

        // A call: the summary follows it (the callee carries its first argument).
        Assert.Contains("M:Lib.Features.Through(System.UInt64) ; value-preserving", lines);
    }

    [Fact]
    public async Task The_syntax_gives_the_same_answer_as_the_summary_where_it_gives_one()
    {
        var (_, _, compilation) = await ComputeAsync(Helpers);
        var symbols = DmaSymbols.Create(compilation, ImmutableArray<AdditionalText>.Empty, default);
        var summaries = new AddressSummaries(symbols, symbols.Carriers(default).IsSinkName, default);
        var visible = new VisibleReturn(compilation, summaries.ModelOf, default);
        foreach (var method in compilation.GetTypeByMetadataName("Lib.Features")!.GetMembers().OfType<IMethodSymbol>()
                     .Where(m => m.MethodKind == MethodKind.Ordinary && m.Parameters.Length > 0 && m.Parameters[0].Type.SpecialType == SpecialType.System_UInt64))
        {
            if (visible.CarriesParameter(method, 0))
            {
                Assert.True(summaries.ReturnsParameter(method, 0), method.Name);
            }
        }
    }

    private static async Task<(IReadOnlyList<string> Lines, HashSet<string> Bound, Compilation Compilation)> ComputeAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, path: "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var lines = SummaryLines.Compute(compilation, ImmutableArray<AdditionalText>.Empty, default, out var summarised);
        return (lines, summarised.Select(method => method.Name).ToHashSet(StringComparer.Ordinal), compilation);
    }
}
