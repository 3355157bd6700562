using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// The analyzers see the compilation the summary generator leaves: the same trees plus one of assembly attributes. The
/// carriers (the declarations read, the sink-name fixpoint) are computed once for both; any other difference — a tree
/// that declares something, an edited tree, another symbols file, other references — computes them afresh.
/// </summary>
public sealed class SharedCarriersTests
{
    private const string Driver = """
        using DmaDiscipline.Runtime;

        namespace Lib
        {
            public static class Port { public static void Out(ulong value) { } }

            public sealed class Nic
            {
                private ulong _ring;
                public void SetRing(ulong ring) { _ring = ring; Port.Out(_ring); }
            }
        }
        """;

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private const string Symbols = "M:Lib.Port.Out(System.UInt64) ; bus-sink(value)\n";

    [Fact]
    public async Task The_compilation_the_generator_leaves_finds_the_carriers_the_generator_computed()
    {
        var (compilation, files) = await CreateAsync(Driver, Symbols);
        var generatorCarriers = DmaSymbols.Create(compilation, files, default).Carriers(default);
        CSharpGeneratorDriver.Create([new SummaryGenerator().AsSourceGenerator()], files, Parse).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        Assert.Equal(compilation.SyntaxTrees.Count() + 1, generated.SyntaxTrees.Count());
        Assert.Same(generatorCarriers, DmaSymbols.Create(generated, files, default).Carriers(default));
        Assert.True(generatorCarriers.IsSinkName("SetRing"));
    }

    [Theory]
    [InlineData("namespace Lib { public static class More { public static void Kick(ulong v) => Port.Out(v); } }")]
    [InlineData("using Pa = DmaDiscipline.Runtime.PhysAddr;")]
    [InlineData("global using DmaDiscipline.Runtime;")]
    public async Task A_tree_that_declares_something_computes_the_carriers_afresh(string added)
    {
        var (compilation, files) = await CreateAsync(Driver, Symbols);
        var first = DmaSymbols.Create(compilation, files, default).Carriers(default);
        var grown = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(added, Parse, "Added.cs"));
        Assert.NotSame(first, DmaSymbols.Create(grown, files, default).Carriers(default));
    }

    [Fact]
    public async Task A_tree_of_assembly_attributes_alone_adds_nothing_to_the_carriers()
    {
        var (compilation, files) = await CreateAsync(Driver, Symbols);
        var first = DmaSymbols.Create(compilation, files, default).Carriers(default);
        var grown = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("[assembly: System.Reflection.AssemblyMetadata(\"Port\", \"Out\")]", Parse, "Attributes.cs"));
        Assert.Same(first, DmaSymbols.Create(grown, files, default).Carriers(default));
    }

    [Fact]
    public async Task An_edited_tree_another_symbols_file_or_other_references_compute_the_carriers_afresh()
    {
        var (compilation, files) = await CreateAsync(Driver, Symbols);
        var first = DmaSymbols.Create(compilation, files, default).Carriers(default);

        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Driver.Replace("_ring = ring;", "_ring = ring + 1;", StringComparison.Ordinal), Parse, tree.FilePath));
        Assert.NotSame(first, DmaSymbols.Create(edited, files, default).Carriers(default));

        var otherFile = DmaSymbols.Create(compilation, [new Text("DmaDiscipline.txt", Symbols + "M:Lib.Nic.SetRing(System.UInt64) ; bus-sink(ring)\n")], default).Carriers(default);
        Assert.NotSame(first, otherFile);

        var fewerReferences = compilation.RemoveReferences(compilation.References.Last());
        Assert.NotSame(first, DmaSymbols.Create(fewerReferences, files, default).Carriers(default));
    }

    private static async Task<(Compilation Compilation, ImmutableArray<AdditionalText> Files)> CreateAsync(string source, string symbols)
    {
        var compilation = CSharpCompilation.Create("Lib", [CSharpSyntaxTree.ParseText(source, Parse, "Lib.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (compilation, [new Text("DmaDiscipline.txt", symbols)]);
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }
}
