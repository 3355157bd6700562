using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// The DMA attributes in source (<c>[BusAddress]</c>, <c>[DeviceMemory]</c>…) give the prefilters the names of the members
/// they mark. Each tree's marks depend on its syntax alone and are read once per tree object: a compilation that keeps the
/// tree (the one the summary generator leaves, the next snapshot of an edit elsewhere) reuses them; an edited tree is a
/// new object and is read afresh.
/// </summary>
public sealed class SourceMarksTests
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private const string Marked = """
        using DmaDiscipline.Runtime;

        namespace Drv
        {
            public sealed class Desc
            {
                [BusAddress] public ulong Addr;
                public void Fill([DeviceMemory] System.IntPtr ring, ulong value) { }
            }
        }
        """;

    private const string Plain = "namespace Drv { public sealed class Other { public ulong Base; } }";

    [Fact]
    public async Task A_compilation_that_keeps_the_trees_reuses_their_marks_and_gets_the_same_names()
    {
        var compilation = await CreateAsync(Marked, Plain);
        var first = DmaSymbols.Create(compilation, [], default).Names(default);
        Assert.All(compilation.SyntaxTrees, tree => Assert.True(InterestingNames.MarksRead(tree)));

        var generated = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("[assembly: System.Reflection.AssemblyMetadata(\"a\", \"b\")]", Parse, "Summaries.g.cs"));
        var again = DmaSymbols.Create(generated, [], default).Names(default);

        Assert.NotSame(first, again);
        Assert.Equal(first.Sinks.Order(StringComparer.Ordinal), again.Sinks.Order(StringComparer.Ordinal));
        Assert.Equal(first.DeviceMemory.Order(StringComparer.Ordinal), again.DeviceMemory.Order(StringComparer.Ordinal));
        Assert.True(again.MarksDeviceMemoryParameter);
        Assert.Contains("Addr", again.Sinks);
        Assert.Contains("Fill", again.DeviceMemory);
    }

    [Fact]
    public async Task An_edited_tree_is_read_afresh_and_its_new_and_removed_marks_count()
    {
        var compilation = await CreateAsync(Marked, Plain);
        Assert.DoesNotContain("Base", DmaSymbols.Create(compilation, [], default).Names(default).Sinks);

        var plainTree = compilation.SyntaxTrees.Last();
        var edited = CSharpSyntaxTree.ParseText(Plain.Replace("public ulong Base;", "[DmaDiscipline.Runtime.BusAddress] public ulong Base;", StringComparison.Ordinal), Parse, plainTree.FilePath);
        Assert.False(InterestingNames.MarksRead(edited));
        var names = DmaSymbols.Create(compilation.ReplaceSyntaxTree(plainTree, edited), [], default).Names(default);
        Assert.True(InterestingNames.MarksRead(edited));
        Assert.Contains("Base", names.Sinks);
        Assert.Contains("Addr", names.Sinks);

        var markedTree = compilation.SyntaxTrees.First();
        var unmarked = CSharpSyntaxTree.ParseText(Marked.Replace("[BusAddress] ", string.Empty, StringComparison.Ordinal).Replace("[DeviceMemory] ", string.Empty, StringComparison.Ordinal), Parse, markedTree.FilePath);
        var without = DmaSymbols.Create(compilation.ReplaceSyntaxTree(markedTree, unmarked), [], default).Names(default);
        Assert.DoesNotContain("Addr", without.Sinks);
        Assert.False(without.MarksDeviceMemoryParameter);
    }

    [Theory]
    [InlineData("namespace Drv { public sealed class Desc { [DmaDiscipline.Runtime.BusAddress] public ulong Slot; } }", true)]
    [InlineData("namespace Drv { public sealed class Desc { [DmaDiscipline.Runtime.BusAddressAttribute] public ulong Slot; } }", true)]
    [InlineData("namespace Drv { public sealed class Desc { [DmaDiscipline.Runtime.BusAddr\\u0065ss] public ulong Slot; } }", true)]
    // Look-alikes: the attribute's name only in a comment outside the declarations' attributes, another attribute.
    [InlineData("namespace Drv { public sealed class Desc { /* not a BusAddress */ [System.Obsolete] public ulong Slot; } }", false)]
    [InlineData("namespace Drv { public sealed class Desc { [System.Obsolete(\"BusAddress\")] public ulong Slot; } }", false)]
    public async Task A_tree_is_walked_for_marks_where_its_words_may_write_an_attribute_and_its_marks_are_found(string source, bool marked)
    {
        var names = DmaSymbols.Create(await CreateAsync(source), [], default).Names(default);
        Assert.Equal(marked, names.Sinks.Contains("Slot"));
    }

    private static async Task<Compilation> CreateAsync(params string[] sources)
    {
        var compilation = CSharpCompilation.Create("Drv", sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, Parse, $"File{i}.cs")), await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }
}
