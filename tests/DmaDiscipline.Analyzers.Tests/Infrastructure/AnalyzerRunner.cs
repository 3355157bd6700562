using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs every DMA analyzer over arbitrary sources (whole folders of the repository, broken code)
/// and collects both diagnostics and analyzer exceptions: the latter must never happen (AD0001).
/// </summary>
public static class AnalyzerRunner
{
    public static ImmutableArray<DiagnosticAnalyzer> All { get; } =
    [
        TraversalChecked.Create<AddressProvenanceAnalyzer>(),
        TraversalChecked.Create<MappingLifecycleAnalyzer>(),
        new TranslationDecisionAnalyzer(),
        new SymbolsFileAnalyzer(),
    ];

    private static readonly Lazy<Task<ImmutableArray<MetadataReference>>> Net80 =
        new(() => ReferenceAssemblies.Net.Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None));

    public sealed record Result(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<Exception> Exceptions, ImmutableArray<Diagnostic> CompilerErrors);

    public static async Task<Result> RunAsync(IEnumerable<(string Path, string Text)> sources, bool referenceRuntime = true, IEnumerable<(string Path, string Text)>? additionalFiles = null, string assemblyName = "Driver", ImmutableArray<DiagnosticAnalyzer>? analyzers = null, bool asProgram = false)
    {
        var references = (await Net80.Value).ToList();
        if (referenceRuntime)
        {
            references.Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location));
        }

        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToList();
        var compilation = CSharpCompilation.Create(assemblyName, trees, references,
            new CSharpCompilationOptions(asProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var exceptions = new List<Exception>();
        var files = (additionalFiles ?? []).Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)).ToImmutableArray();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(files),
            onAnalyzerException: (exception, analyzer, diagnostic) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers ?? All, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Id == "AD0001")
            {
                exceptions.Add(new InvalidOperationException(diagnostic.ToString()));
            }
        }

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return new Result(diagnostics.Where(d => d.Id != "AD0001").ToImmutableArray(), exceptions, errors);
    }

    private sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
