using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// The scans that look for a body, a declaration or a member's attribute by its name read only the trees that can hold
/// one (<see cref="DmaSymbols.CodeTrees"/>): not a tree whose root declares nothing, such as the summary generator's
/// output, whose strings name every member it publishes. The analyzers see that tree in every build that publishes.
/// </summary>
public sealed class CodeTreesTests
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private const string Driver = """
        using DmaDiscipline.Runtime;

        namespace Drv
        {
            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly KBuffer _buffer;
                public Queue(DmaApi dma, KBuffer buffer) { _dma = dma; _buffer = buffer; }
                public DmaAddr MapHeader() => _dma.MapSingle(_buffer, 0, 64, DmaDirection.ToDevice);
                public ulong Negotiate(ulong offered, ulong wanted) { var accepted = offered & wanted; return accepted; }
            }
        }
        """;

    [Fact]
    public async Task A_tree_of_attributes_usings_or_externs_alone_is_not_a_code_tree_and_one_with_a_member_or_a_top_level_statement_is()
    {
        var compilation = await CreateAsync(Driver);
        var attributes = CSharpSyntaxTree.ParseText("[assembly: System.Reflection.AssemblyMetadata(\"MapSingle\", \"x\")]", Parse, "Attributes.cs");
        var usings = CSharpSyntaxTree.ParseText("global using DmaDiscipline.Runtime;", Parse, "Usings.cs");
        var topLevel = CSharpSyntaxTree.ParseText("System.Console.WriteLine(1);", Parse, "Program.cs");
        var grown = compilation.AddSyntaxTrees(attributes, usings, topLevel);

        var trees = DmaSymbols.Create(grown, [], default).CodeTrees(default);

        Assert.Equal([compilation.SyntaxTrees.Single(), topLevel], trees);
    }

    [Fact]
    public async Task A_map_named_only_in_the_strings_of_an_attribute_tree_does_not_put_the_mapping_rules_in_reach()
    {
        // Before, every tree's text was searched: the attribute's string alone made the mapping rules register their bodies' action.
        var compilation = await CreateAsync("namespace Drv { public sealed class Plain { public int Count() => 1; } }");
        var grown = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("[assembly: System.Reflection.AssemblyMetadata(\"DmaDiscipline.Summary\", \"M:Drv.Q.MapSingle ; value-preserving\")]", Parse, "Attributes.cs"));

        var names = DmaSymbols.Create(grown, [], default).Names(default);

        Assert.Contains("MapSingle", names.Mapping);
        Assert.False(names.SourceNamesMapping(default));
        Assert.True(DmaSymbols.Create(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Drv { static class Doc { const string S = \"MapSingle\"; } }", Parse, "Doc.cs")), [], default)
            .Names(default).SourceNamesMapping(default));
    }

    [Fact]
    public async Task The_compilation_the_generator_leaves_has_the_same_makers_and_the_same_findings_as_the_one_it_was_given()
    {
        var compilation = await CreateAsync(Driver);
        CSharpGeneratorDriver.Create([new SummaryGenerator().AsSourceGenerator()], parseOptions: Parse).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        var added = Assert.Single(generated.SyntaxTrees.Except(compilation.SyntaxTrees));
        Assert.Contains("Negotiate", added.ToString(), StringComparison.Ordinal);

        Assert.Equal(Makers(compilation), Makers(generated));
        Assert.DoesNotContain(added, DmaSymbols.Create(generated, [], default).CodeTrees(default));
    }

    private static string[] Makers(Compilation compilation)
    {
        var symbols = DmaSymbols.Create(compilation, [], default);
        return [.. new MappingSummaries(symbols, symbols.Names(default).Mapping, default).MakerNames.Order(StringComparer.Ordinal)];
    }

    private static async Task<Compilation> CreateAsync(string source)
    {
        var compilation = CSharpCompilation.Create("Drv", [CSharpSyntaxTree.ParseText(source, Parse, "Drv.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }
}
