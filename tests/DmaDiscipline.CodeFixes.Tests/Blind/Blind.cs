using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.CodeFixes.Tests.Infrastructure;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Helpers of the blind round (docs/fix-blind-round.md): snippets written from the rule pages alone, in the
/// styles driver engineers write, before the fixers' source was read.
/// </summary>
internal static class Blind
{
    /// <summary>The diagnostic <paramref name="id"/> at markup location <c>{|#n:...|}</c>.</summary>
    public static DiagnosticResult D(string id, int location) =>
        new DiagnosticResult(id, DiagnosticSeverity.Warning).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations).WithLocation(location);

    /// <summary>The text with CRLF line ends throughout.</summary>
    public static string Crlf(string text) => text.ReplaceLineEndings("\r\n");

    /// <summary>The text indented with tabs: every leading group of four spaces becomes a tab.</summary>
    public static string Tabs(string text) =>
        string.Join("\n", text.Split('\n').Select(line =>
        {
            var spaces = line.Length - line.TrimStart(' ').Length;
            return new string('\t', spaces / 4) + new string(' ', spaces % 4) + line.TrimStart(' ');
        }));
}

/// <summary>
/// Before/after of a program written as top-level statements (an executable): the same checks as
/// <see cref="Verify{TFixer}.FixAsync(string, string, DiagnosticResult[])"/>.
/// </summary>
internal static class TopLevel<TFixer>
    where TFixer : CodeFixProvider, new()
{
    /// <summary>The diagnostics are reported, and no fix is offered for them.</summary>
    public static async Task NoFixAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.AddRange(expected);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.FixedState.OutputKind = OutputKind.ConsoleApplication;
        test.TestState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        test.FixedState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        await AbsorbedFailures.NoneAsync(() => test.RunAsync());
    }

    public static async Task FixAsync(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new Test();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.AddRange(expected);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.FixedState.InheritanceMode = StateInheritanceMode.Explicit;
        test.FixedState.OutputKind = OutputKind.ConsoleApplication;
        test.FixedState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
        test.TestState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        test.FixedState.Sources.Add(("/0/Ring.cs", Fixtures.Ring));
        await AbsorbedFailures.NoneAsync(() => test.RunAsync());
    }

    private sealed class Test : CSharpCodeFixTest<MappingLifecycleAnalyzer, TFixer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
            CompilerDiagnostics = CompilerDiagnostics.Warnings;
            DisabledDiagnostics.Add("CS1591");
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
            new DiagnosticAnalyzer[] { new AddressProvenanceAnalyzer(), new MappingLifecycleAnalyzer() };
    }
}
