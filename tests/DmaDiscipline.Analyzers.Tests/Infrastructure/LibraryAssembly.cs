using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>
/// Another project of the solution, built as MSBuild builds it: compiled against .NET 8 and the runtime,
/// the analyzer package's summary generator run on it, emitted, and referenced as metadata only.
/// </summary>
internal static class LibraryAssembly
{
    public sealed record Built(MetadataReference Reference, string Generated, ImmutableArray<Diagnostic> GeneratorDiagnostics);

    /// <summary>Builds <paramref name="source"/> as assembly <paramref name="name"/> (it must compile), with its symbols file if any.</summary>
    public static async Task<Built> BuildAsync(string source, string name = "Lib", string? symbolsFile = null, bool referenceRuntime = true, IEnumerable<MetadataReference>? references = null,
        IReadOnlyDictionary<string, string>? buildProperties = null, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
    {
        var all = (await DriverCompilation.References.Value).Where(r => referenceRuntime || !(r.Display ?? string.Empty).EndsWith("DmaDiscipline.Runtime.dll", StringComparison.Ordinal)).ToList();
        all.AddRange(references ?? []);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(name, [CSharpSyntaxTree.ParseText(source, parse, name + ".cs")], all,
            new CSharpCompilationOptions(outputKind, allowUnsafe: true));
        var files = symbolsFile is null ? ImmutableArray<AdditionalText>.Empty : [new Text("DmaDiscipline.txt", symbolsFile)];
        var driver = CSharpGeneratorDriver.Create([new SummaryGenerator().AsSourceGenerator()], files, parse, new BuildProperties(buildProperties))
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        using var image = new MemoryStream();
        var emitted = generated.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return new Built(
            MetadataReference.CreateFromImage(image.ToArray(), filePath: name + ".dll"),
            string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString())),
            diagnostics);
    }

    /// <summary>MSBuild properties as the compiler hands them to generators (<c>build_property.Name</c> in the global options).</summary>
    private sealed class BuildProperties(IReadOnlyDictionary<string, string>? properties) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(properties?.ToDictionary(p => "build_property." + p.Key, p => p.Value) ?? []);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _global;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.None;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.None;

        private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public static readonly Options None = new([]);

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
