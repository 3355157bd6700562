using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// A project that references the runtime or carries a symbols file but does no DMA is told from the words of its trees
/// (<see cref="AddressCarriers.SourceUses"/>): a sink or physical source no tree holds, or holds only outside every member
/// or as the name of the member that declares it, is not used, and the declarations of the project are not read. Where
/// the words leave a doubt the declarations decide, as before: the words never call a name unused that the declarations
/// call used, nor declared that they do not.
/// </summary>
public sealed class SourceUsesTests
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    // The HAL of an environment: it declares a physical source and a bus sink (named so by the symbols file) that the rest
    // of the project never calls.
    private const string Hal = """
        namespace Emu
        {
            public static class Hal
            {
                public static ulong VirtToPhys(ulong virt) => virt;
                public static void WriteRegister(int index, ulong value) { }
            }

            public sealed class Mmu
            {
                private ulong _base;
                public ulong TranslateToPhysical(ulong address) { return address + _base; }
            }
        }
        """;

    private const string HalSymbols = "M:Emu.Hal.VirtToPhys(System.UInt64) ; physical-source\nM:Emu.Hal.WriteRegister(System.Int32,System.UInt64) ; bus-sink(value)\n";

    [Theory]
    // Nowhere, or only where no member is: not used.
    [InlineData("class C { int M() => 1; }", false)]
    [InlineData("class C { // VirtToPhys, between members\n int M() => 1; }", false)]
    [InlineData("class VirtToPhys { int M() => 1; }", false)]
    [InlineData("class C : VirtToPhys { }", false)]
    [InlineData("[System.Obsolete(\"VirtToPhys\")] class C { }", false)]
    [InlineData("enum Kind { VirtToPhys, Other }", false)]
    [InlineData("using VirtToPhys = System.UInt64; class C { }", false)]
    // The name of the member that declares it, once in it: not used.
    [InlineData("class C { ulong VirtToPhys(ulong v) => v; }", false)]
    [InlineData("class C { ulong VirtToPhys; }", false)]
    [InlineData("class C { ulong A, VirtToPhys; }", false)]
    [InlineData("class C { ulong VirtToPhys { get; set; } }", false)]
    [InlineData("class C { event System.Action VirtToPhys; }", false)]
    [InlineData("class VirtToPhys { public VirtToPhys() { } }", false)]
    [InlineData("class C(ulong VirtToPhys) { }", false)]
    [InlineData("delegate ulong VirtToPhys(ulong v);", false)]
    [InlineData("class O { class I { ulong VirtToPhys(ulong v) => v; } }", false)]
    // Used: by another member, by its own body, in a body's comment or string, in a member of a nested type.
    [InlineData("class C { ulong VirtToPhys(ulong v) => v; ulong M(ulong a) => VirtToPhys(a); }", true)]
    [InlineData("class C { ulong VirtToPhys(ulong v) => v == 0 ? 0 : VirtToPhys(v - 1); }", true)]
    [InlineData("class C { ulong VirtToPhys; void M() { VirtToPhys = 1; } }", true)]
    [InlineData("class C { void M() { /* VirtToPhys */ } }", true)]
    [InlineData("class C { string M() => \"VirtToPhys\"; }", true)]
    [InlineData("class O { class I { ulong M(ulong a) => Hal.VirtToPhys(a); } }", true)]
    [InlineData("class C { [System.Obsolete(\"VirtToPhys\")] void M() { } }", true)]
    [InlineData("class VirtToPhys { ~VirtToPhys() { } }", true)]
    public void A_name_is_unused_by_its_words_only_where_the_declarations_say_so(string source, bool used)
    {
        var trees = new[] { CSharpSyntaxTree.ParseText(source, Parse, "Source.cs") };
        var declarations = SourceDeclarations.Read(trees, new HashSet<string>(StringComparer.Ordinal), [], default);
        Assert.Equal(used, declarations.UsedNames(["VirtToPhys"]).Count > 0);

        var uses = new AddressCarriers.SourceUses(trees, default);
        Assert.Equal(!used, uses.Unused("VirtToPhys", out var declared));
        if (declared || uses.Declared("VirtToPhys"))
        {
            Assert.True(declarations.Declares("VirtToPhys"));
        }
    }

    [Theory]
    [InlineData("class C { ulong VirtToPhys(ulong v) => v; }", true)]
    [InlineData("class C { ulong VirtToPhys; void M() { VirtToPhys = 1; } }", true)]
    [InlineData("class VirtToPhys { public VirtToPhys() { } }", true)]
    [InlineData("class C(ulong VirtToPhys) { }", true)]
    [InlineData("class VirtToPhys { int M() => 1; }", false)]
    [InlineData("enum Kind { VirtToPhys }", false)]
    [InlineData("class C { ulong M(ulong a) => Hal.VirtToPhys(a); }", false)]
    public void A_member_is_declared_by_its_words_where_the_declarations_say_so(string source, bool declared)
    {
        var trees = new[] { CSharpSyntaxTree.ParseText(source, Parse, "Source.cs") };
        Assert.Equal(declared, SourceDeclarations.Read(trees, new HashSet<string>(StringComparer.Ordinal), [], default).Declares("VirtToPhys"));
        Assert.Equal(declared, new AddressCarriers.SourceUses(trees, default).Declared("VirtToPhys"));
    }

    [Fact]
    public async Task A_project_that_declares_a_physical_source_and_a_sink_but_calls_neither_is_decided_from_its_words_and_still_publishes_its_helpers()
    {
        var carriers = await CarriersAsync(Hal, HalSymbols);
        Assert.False(carriers.UsesSinks);
        Assert.False(carriers.NamesPhysical);
        Assert.True(carriers.DecidedFromWords);

        var built = await LibraryAssembly.BuildAsync(Hal, "Emu", HalSymbols);
        Assert.Contains("\"M:Emu.Hal.VirtToPhys(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.Contains("\"M:Emu.Mmu.TranslateToPhysical(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_that_calls_its_sink_is_in_reach()
    {
        var carriers = await CarriersAsync(Hal + "namespace Emu { public static class Dev { public static void Kick(ulong ring) => Hal.WriteRegister(4, ring); } }", HalSymbols);
        Assert.True(carriers.UsesSinks);
        Assert.False(carriers.DecidedFromWords);
    }

    [Fact]
    public async Task A_project_that_calls_its_physical_source_names_a_physical_address()
    {
        var carriers = await CarriersAsync(Hal + "namespace Emu { public static class Dev { public static ulong Of(ulong v) => Hal.VirtToPhys(v) + 1; } }", HalSymbols);
        Assert.False(carriers.UsesSinks);
        Assert.True(carriers.NamesPhysical);
        Assert.False(carriers.DecidedFromWords);
    }

    // The runtime declares a descriptor field Addr (a bus sink of VirtqDesc and PvirtqDesc); an emulator has one of its own.
    private const string OwnAddr = """
        namespace Emu
        {
            public sealed class Cpu
            {
                public ulong Addr;
                public void Step() { Addr += 2; }
            }
        }
        """;

    [Fact]
    public async Task An_own_member_named_like_a_referenced_sink_is_no_use_of_it_when_no_type_declaring_the_sink_is_named()
    {
        var carriers = await CarriersAsync(OwnAddr, null);
        Assert.False(carriers.UsesSinks);
        Assert.True(carriers.DecidedFromWords);
    }

    [Fact]
    public async Task An_own_member_named_like_a_referenced_sink_is_a_use_once_a_type_declaring_the_sink_is_named()
    {
        var carriers = await CarriersAsync(OwnAddr + "namespace Emu { public static class Ring { public static object Slot(ulong a) => new DmaDiscipline.Runtime.Virtio.VirtqDesc(a, 0, default, 0); } }", null);
        Assert.True(carriers.UsesSinks);
        Assert.False(carriers.DecidedFromWords);
    }

    [Fact]
    public void Every_word_of_a_text_is_held_and_a_word_it_lacks_is_not()
    {
        var tree = CSharpSyntaxTree.ParseText("namespace N { class Émulateur { ulong _x1; int M(int a_b) => a_b + 0x1F; } }", Parse, "Words.cs");
        foreach (var word in new[] { "namespace", "N", "class", "Émulateur", "ulong", "_x1", "int", "M", "a_b", "0x1F" })
        {
            Assert.True(SourceWords.MayHoldWord(tree, word), word);
        }

        Assert.False(SourceWords.MayHoldWord(tree, "VirtToPhys"));
        // Part of a word is no word; a name that no word can be is never ruled out.
        Assert.False(SourceWords.MayHoldWord(tree, "Emul"));
        Assert.True(SourceWords.MayHoldWord(tree, "a.b"));
    }

    [Theory]
    [InlineData("namespace Drv { sealed class Pool { int MapSingleton() => 1; } }", false)]
    [InlineData("namespace Drv { sealed class Pool { int Count() => 1; } }", false)]
    [InlineData("namespace Drv { sealed class Pool { string Doc() => \"see MapSingle\"; } }", true)]
    [InlineData("namespace Drv { sealed class Pool { object M(DmaDiscipline.Runtime.DmaApi dma, DmaDiscipline.Runtime.KBuffer b) => dma.MapSingle(b, 0, 64, DmaDiscipline.Runtime.DmaDirection.ToDevice); } }", true)]
    public async Task The_mapping_rules_are_in_reach_where_a_tree_names_a_map_as_a_whole_word(string source, bool named)
    {
        var (compilation, files) = await CreateAsync(source, null);
        Assert.Equal(named, DmaSymbols.Create(compilation, files, default).Names(default).SourceNamesMapping(default));
    }

    [Fact]
    public async Task The_candidates_of_a_tree_are_found_once_for_every_compilation_that_holds_it()
    {
        var (compilation, files) = await CreateAsync(Hal, HalSymbols);
        var tree = compilation.SyntaxTrees.Single();
        var first = SourceDeclarations.ValuePreservingCandidatesOf(tree);
        var other = CSharpCompilation.Create("Other", [tree], compilation.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Same(first, SourceDeclarations.ValuePreservingCandidatesOf(tree));
        Assert.Equal(first, DmaSymbols.Create(other, files, default).Carriers(default).ValuePreservingCandidates);
    }

    private static async Task<AddressCarriers> CarriersAsync(string source, string? symbols)
    {
        var (compilation, files) = await CreateAsync(source, symbols);
        return DmaSymbols.Create(compilation, files, default).Carriers(default);
    }

    private static async Task<(Compilation Compilation, ImmutableArray<AdditionalText> Files)> CreateAsync(string source, string? symbols)
    {
        var compilation = CSharpCompilation.Create("Emu", [CSharpSyntaxTree.ParseText(source, Parse, "Emu.cs")], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (compilation, symbols is null ? [] : [new Text("DmaDiscipline.txt", symbols)]);
    }

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }
}
