using System.Collections.Immutable;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs one analyzer over driver code written against the real runtime. Sources get the runtime's
/// namespace imported, so a test reads as the driver code it specifies.
/// </summary>
public static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public const string Usings = "using System;\nusing System.Collections.Generic;\nusing DmaDiscipline.Runtime;\n";

    /// <summary>Device-side shapes the specifications share: a descriptor, a register block, a ring.</summary>
    public static string Prelude => string.Concat(PreludeParts.Select(part => part.Declaration));

    /// <summary>
    /// The prelude's declarations that <paramref name="source"/> names, and no others: a declared
    /// <c>[BusAddress]</c> member puts a whole compilation in the analyzer's reach, so a prelude
    /// appended whole would hide a specification that finds nothing on its own code (a project whose
    /// only sinks are its own, or none).
    /// </summary>
    public static string PreludeFor(string source) =>
        string.Concat(PreludeParts.Where(part => Names(source, part.Name)).Select(part => part.Declaration));

    private static readonly (string Name, string Declaration)[] PreludeParts =
    [
        ("Desc", "\npublic struct Desc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; }\n"),
        ("Regs", """

            public sealed class Regs
            {
                [BusAddress] public ulong QueueDesc { get; set; }
                public ulong Features { get; set; }
                public void Doorbell([BusAddress] ulong address) { }
                public void Write(int register, ulong value) { }
            }

            """),
        ("IRing", "\npublic interface IRing { void Post([BusAddress] DmaAddr address, int length); }\n"),
        ("Log", "\npublic static class Log { public static void Info(string text) { } public static void Value(ulong value) { } }\n"),
    ];

    private static bool Names(string source, string name)
    {
        for (var at = source.IndexOf(name, StringComparison.Ordinal); at >= 0; at = source.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var before = at == 0 ? ' ' : source[at - 1];
            var after = at + name.Length == source.Length ? ' ' : source[at + name.Length];
            if (!char.IsLetterOrDigit(before) && before != '_' && !char.IsLetterOrDigit(after) && after != '_')
            {
                return true;
            }
        }

        return false;
    }

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    /// <summary>Expects exactly the diagnostics marked in <paramref name="source"/> ({|DMA00N:...|}) plus <paramref name="expected"/>.</summary>
    public static Task Analyzer(string source, params DiagnosticResult[] expected) => Analyzer(source, additionalFiles: [], expected);

    public static Task Analyzer(string source, (string Path, string Text)[] additionalFiles, params DiagnosticResult[] expected) =>
        Analyzer(source, additionalFiles, references: [], expected);

    /// <summary>As above, the compilation also referencing <paramref name="references"/> (another project's assembly, as metadata).</summary>
    public static async Task Analyzer(string source, (string Path, string Text)[] additionalFiles, MetadataReference[] references, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = Usings + source + PreludeFor(source) };
        test.TestState.AdditionalReferences.AddRange(references);
        foreach (var file in additionalFiles)
        {
            test.TestState.AdditionalFiles.Add(file);
        }

        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
            TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
            // Specifications are driver fragments: unused locals and the like are not the point.
            CompilerDiagnostics = CompilerDiagnostics.Errors;
        }

        /// <summary>The analyzer built to check its tree walk against its graph (<see cref="TraversalChecked"/>).</summary>
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => [TraversalChecked.Create<TAnalyzer>()];
    }
}
