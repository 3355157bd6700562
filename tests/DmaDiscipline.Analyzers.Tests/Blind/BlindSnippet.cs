using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// The harness of the blind snippets: driver code as other engineers write it (unsafe structs, spans, records,
/// interfaces, register properties, helpers in other classes, symbols files), analysed by every DMA analyzer at
/// once — addressing (DMA001/DMA008), translation decisions (DMA007), mapping life (DMA003) and the symbols
/// file's own checks (a line of a snippet's file that names nothing is DMA901 and fails the snippet). The
/// snippets mark every diagnostic they expect; in <see cref="Check"/> DMA002 and DMA004–DMA006 are not what the
/// first round measured and are left out, so a snippet need not release what it maps; <see cref="CheckLifecycle"/>
/// (the second round) runs them too.
/// </summary>
internal static class BlindSnippet
{
    private const string Usings = """
        using System;
        using System.Buffers.Binary;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        using System.Threading;
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        """;

    public static Task Check(string source, string? symbols = null) => Run(source, symbols, ["DMA002", "DMA004", "DMA005", "DMA006"]);

    /// <summary>
    /// The second round's harness: the same analyzers with every rule on, the lifecycle rules DMA002 and DMA004–DMA006
    /// included, so a snippet marks each diagnostic it expects and releases what it maps where it means to.
    /// </summary>
    public static Task CheckLifecycle(string source, string? symbols = null) => Run(source, symbols, []);

    private static Task Run(string source, string? symbols, string[] disabled)
    {
        var test = new Test { TestCode = Usings + source };
        test.SolutionTransforms.Add((solution, id) =>
            solution.WithProjectCompilationOptions(id, ((CSharpCompilationOptions)solution.GetProject(id)!.CompilationOptions!).WithAllowUnsafe(true)));
        if (symbols is not null)
        {
            test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", symbols));
        }

        test.DisabledDiagnostics.AddRange(disabled);
        return test.RunAsync();
    }

    private sealed class Test : CSharpAnalyzerTest<AddressProvenanceAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
            CompilerDiagnostics = CompilerDiagnostics.Errors;
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
        [
            TraversalChecked.Create<AddressProvenanceAnalyzer>(),
            TraversalChecked.Create<MappingLifecycleAnalyzer>(),
            new TranslationDecisionAnalyzer(),
            new SymbolsFileAnalyzer(),
        ];
    }
}
