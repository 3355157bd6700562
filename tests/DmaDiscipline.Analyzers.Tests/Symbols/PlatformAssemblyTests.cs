using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Symbols;

/// <summary>
/// An assembly marked <c>[assembly: DmaPlatform]</c> is platform code throughout. Whether it is marked is decided once per
/// compilation, and the assembly's attributes are read only where some tree names the attribute's type (directly, qualified,
/// in an alias, or through a Unicode escape): a project that publishes summaries carries thousands of other assembly
/// attributes, which no body's check should bind or scan.
/// </summary>
public sealed class PlatformAssemblyTests
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private const string Driver = "namespace Drv { public sealed class Queue { public int Count() => 1; } }";

    [Theory]
    [InlineData("[assembly: DmaDiscipline.Runtime.DmaPlatform]")]
    [InlineData("[assembly: DmaDiscipline.Runtime.DmaPlatformAttribute]")]
    [InlineData("using DmaDiscipline.Runtime; [assembly: DmaPlatform]")]
    [InlineData("[assembly: DmaDiscipline.Runtime.DmaPl\\u0061tform]")]
    public async Task An_assembly_marked_as_the_platform_is_platform_code(string marking)
    {
        Assert.True(await IsPlatformAsync(marking));
    }

    [Fact]
    public async Task An_assembly_marked_through_an_alias_declared_in_another_tree_is_platform_code()
    {
        Assert.True(await IsPlatformAsync("[assembly: Platform]", "global using Platform = DmaDiscipline.Runtime.DmaPlatformAttribute;"));
    }

    [Theory]
    // Thousands of other assembly attributes, as the summary generator adds, one naming the platform in a string.
    [InlineData("")]
    [InlineData("[assembly: System.Reflection.AssemblyMetadata(\"DmaPlatform\", \"x\")]")]
    // An attribute of the project's own with the same name.
    [InlineData("[assembly: Own.DmaPlatform] namespace Own { [System.AttributeUsage(System.AttributeTargets.Assembly)] sealed class DmaPlatformAttribute : System.Attribute { } }")]
    public async Task An_assembly_not_marked_as_the_platform_is_not_platform_code(string marking)
    {
        var published = string.Concat(Enumerable.Range(0, 2000).Select(i => $"[assembly: System.Reflection.AssemblyMetadata(\"DmaDiscipline.Summary\", \"M:Drv.Queue.Count{i} ; value-preserving\")]\n"));
        Assert.False(await IsPlatformAsync(marking, published));
    }

    private static async Task<bool> IsPlatformAsync(params string[] sources)
    {
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, Parse, $"Source{i}.cs")).Append(CSharpSyntaxTree.ParseText(Driver, Parse, "Driver.cs"));
        var compilation = CSharpCompilation.Create("Drv", trees, await DriverCompilation.References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var symbols = DmaSymbols.Create(compilation, [], default);
        var queue = compilation.GetTypeByMetadataName("Drv.Queue")!;
        // Asked twice: the second answer is the first, decided once.
        var first = symbols.IsPlatformCode(queue.GetMembers("Count").Single());
        Assert.Equal(first, symbols.IsPlatformCode(queue));
        return first;
    }
}
