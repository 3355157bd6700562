using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>Driver source compiled against .NET 8 and the runtime, for tests that drive the flow analyses directly.</summary>
internal static class DriverCompilation
{
    /// <summary>.NET 8's reference assemblies and the runtime.</summary>
    internal static readonly Lazy<Task<ImmutableArray<MetadataReference>>> References = new(async () =>
        (await ReferenceAssemblies.Net.Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None))
            .Add(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location)));

    /// <summary>The compilation of one file (which must compile), its semantic model and the analyzers' symbols for it.</summary>
    public static async Task<(SyntaxTree Tree, SemanticModel Model, DmaSymbols Symbols)> CreateAsync(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        var compilation = CSharpCompilation.Create("Driver", [tree], await References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var symbols = DmaSymbols.Create(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), default);
        return (tree, compilation.GetSemanticModel(tree), symbols);
    }
}
