using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.CodeFixes.Tests.Infrastructure;

/// <summary>
/// Before/after verification of one fixer: the source with its diagnostics in markup, the fixed
/// source, and (by the testing library) the fixed source re-analysed, with Fix All in document,
/// project and solution scope checked to reach the same result.
/// </summary>
public static class Verify<TFixer>
    where TFixer : CodeFixProvider, new()
{
    /// <summary>A diagnostic of <paramref name="id"/> at markup location <c>{|#n:...|}</c>.</summary>
    public static DiagnosticResult Diagnostic(string id) =>
        new DiagnosticResult(id, DiagnosticSeverity.Warning).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary>The fix turns <paramref name="source"/> into <paramref name="fixedSource"/>; both are analysed.</summary>
    public static Task FixAsync(string source, string fixedSource, params DiagnosticResult[] expected) =>
        FixAsync(source, fixedSource, expected, Array.Empty<DiagnosticResult>(), codeActionEquivalenceKey: null);

    /// <summary>
    /// The fix with <paramref name="codeActionEquivalenceKey"/> turns <paramref name="source"/> into <paramref name="fixedSource"/>,
    /// leaving exactly <paramref name="remaining"/>; when <paramref name="title"/> is given, that is what the fix is called.
    /// </summary>
    public static async Task FixAsync(string source, string fixedSource, DiagnosticResult[] expected, DiagnosticResult[] remaining, string? codeActionEquivalenceKey, int? iterations = null, int fixAllIterations = 1, string? title = null, string? symbolsFile = null)
    {
        var test = Create();
        if (symbolsFile is not null)
        {
            // A framework configured the way a user configures it: DmaDiscipline.txt as an additional file.
            test.TestState.AdditionalFiles.Add(("DmaDiscipline.txt", symbolsFile));
            test.FixedState.AdditionalFiles.Add(("DmaDiscipline.txt", symbolsFile));
        }

        if (title is not null)
        {
            test.CodeActionVerifier = (action, verifier) => verifier.Equal(title, action.Title, "title of the code action");
        }

        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.AddRange(expected);
        // The fixed state is stated in full: the diagnostics it keeps are exactly those listed, nothing inherited.
        test.FixedState.InheritanceMode = StateInheritanceMode.Explicit;
        test.FixedState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
        test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        if (remaining.Length > 0)
        {
            test.FixedState.MarkupHandling = MarkupMode.Allow;
        }

        test.CodeActionEquivalenceKey = codeActionEquivalenceKey;
        if (iterations is int n)
        {
            test.NumberOfIncrementalIterations = n;
            test.NumberOfFixAllIterations = fixAllIterations;
            test.NumberOfFixAllInDocumentIterations = fixAllIterations;
            test.NumberOfFixAllInProjectIterations = fixAllIterations;
        }

        test.TestState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        test.FixedState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        await AbsorbedFailures.NoneAsync(() => test.RunAsync());
    }

    /// <summary>Fix All across several documents (solution and project scope reach every file).</summary>
    public static async Task FixAllAsync(string[] sources, string[] fixedSources, DiagnosticResult[] expected, int iterations, int documentIterations)
    {
        var test = Create();
        for (var i = 0; i < sources.Length; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", sources[i]));
            test.FixedState.Sources.Add(($"/0/Test{i}.cs", fixedSources[i]));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        test.NumberOfIncrementalIterations = iterations;
        test.NumberOfFixAllIterations = 1;
        test.NumberOfFixAllInDocumentIterations = documentIterations;
        test.NumberOfFixAllInProjectIterations = 1;
        test.TestState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        test.FixedState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        await AbsorbedFailures.NoneAsync(() => test.RunAsync());
    }

    /// <summary>The diagnostics are reported, and no fix is offered for them.</summary>
    public static async Task NoFixAsync(string source, params DiagnosticResult[] expected)
    {
        var test = Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.AddRange(expected);
        test.TestState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        test.FixedState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        await AbsorbedFailures.NoneAsync(() => test.RunAsync());
    }

    /// <summary>The diagnostics are reported, and no fix with <paramref name="equivalenceKey"/> is offered for them (others may be).</summary>
    public static Task NotOfferedAsync(string source, string equivalenceKey, params DiagnosticResult[] expected) =>
        FixAsync(source, source, expected, expected, equivalenceKey);

    private static Test Create() => new Test();

    private sealed class Test : CSharpCodeFixTest<MappingLifecycleAnalyzer, TFixer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
            // The driver code under test is ordinary C#: the compiler's own warnings stay visible (CS8019 unused usings excepted).
            CompilerDiagnostics = CompilerDiagnostics.Warnings;

            DisabledDiagnostics.Add("CS1591");
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
            new DiagnosticAnalyzer[] { new AddressProvenanceAnalyzer(), new MappingLifecycleAnalyzer() };
    }
}
