using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// An environment library (it declares a physical source, uses no sink and no physical address) publishes only its
/// value-preserving helpers, and the generator asks the symbols of no member whose signature rules one out: the
/// candidates are found by the syntax of their signature, read once with the declarations. A large project that does
/// no DMA but carries a symbols file is such a project: it pays for its few candidates, not for every member.
/// </summary>
public sealed class EnvironmentHelpersTests
{
    private const string SymbolsFile = "M:Env.IEnvironment.GetPhysicalAddress(System.Object) ; physical-source\n";

    private const string Environment = """
        namespace Env
        {
            public interface IEnvironment { ulong GetPhysicalAddress(object value); }

            public static class Outer
            {
                // Found inside a type nested in another.
                public static class Bits { public static ulong Swap(ulong value) => value; }
            }

            public static class Words
            {
                // nint is a name to the parser, not a keyword: its signature is a candidate, and IntPtr is address-like.
                public static nint Same(nint value) => value;
                public static unsafe ulong FromPointer(void* pointer) => (ulong)pointer;

                // Look-alikes that return their argument, each ruled out: too narrow, not an address (Nullable<long>), not visible.
                public static int Narrow(int value) => value;
                public static long? Maybe(long? value) => value;
                private static ulong Hidden(ulong value) => value;
                public static ulong Constant(ulong value) => 7;
            }

            internal static class Internal
            {
                public static ulong Swap(ulong value) => value;
            }

            public struct Pfn
            {
                public ulong Value;
                public static ulong operator +(Pfn page, ulong offset) => offset;
                public static explicit operator ulong(Pfn page) => page.Value;
            }
        }
        """;

    [Fact]
    public async Task An_environment_library_publishes_its_visible_helpers_that_return_their_argument_wherever_they_are_declared()
    {
        var built = await LibraryAssembly.BuildAsync(Environment, "Env", SymbolsFile, referenceRuntime: false);
        Assert.Contains("\"M:Env.Outer.Bits.Swap(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.Contains("\"M:Env.Words.Same(System.IntPtr) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.Contains("\"M:Env.Words.FromPointer(System.Void*) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        foreach (var lookAlike in new[] { "Narrow", "Maybe", "Hidden", "Constant", "Internal", "Pfn" })
        {
            Assert.DoesNotContain(lookAlike, built.Generated, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_helper_is_asked_only_when_the_text_of_a_returned_expression_names_its_first_parameter()
    {
        // Each returns what its argument carries; the text gate passes those whose returned expression's own text names
        // the parameter, a comment or string inside it included, and no other.
        const string Helpers = """
            namespace Env
            {
                public interface IEnvironment { ulong GetPhysicalAddress(object value); }

                public static class Gate
                {
                    public static ulong Commented(ulong value) { var v = value; return v /* value */ + 0; }
                    public static ulong Quoted(ulong value) { var v = value; return v + (ulong)"value".Length; }
                    public static ulong Arrow(ulong value) => value;

                    // Look-alikes: the name only after the returned expression, only in another statement, or only in a longer word.
                    public static ulong Trailing(ulong value) { var v = value; return v /* value */; }
                    public static ulong Elsewhere(ulong value) { var v = value; return v; }
                    public static ulong Longer(ulong value) { var values = value; return values; }
                }
            }
            """;
        var built = await LibraryAssembly.BuildAsync(Helpers, "Env", SymbolsFile, referenceRuntime: false);
        foreach (var published in new[] { "Commented", "Quoted", "Arrow" })
        {
            Assert.Contains($"\"M:Env.Gate.{published}(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        }

        foreach (var lookAlike in new[] { "Trailing", "Elsewhere", "Longer" })
        {
            Assert.DoesNotContain(lookAlike, built.Generated, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Only_members_whose_signature_may_carry_an_address_are_candidates()
    {
        var compilation = CSharpCompilation.Create("Env", [CSharpSyntaxTree.ParseText(Environment, path: "Env.cs")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)], new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var symbols = DmaSymbols.Create(compilation, [new Text("DmaDiscipline.txt", SymbolsFile)], default);
        var candidates = symbols.Carriers(default).ValuePreservingCandidates.Select(NameOf).Order(StringComparer.Ordinal);
        // The operator's first parameter is a struct of the project's own (a name: maybe an address type); the conversion's too.
        Assert.Equal(new[] { "FromPointer", "Same", "Swap", "Swap", "Hidden", "Maybe", "Constant", "operator +", "operator ulong" }.Order(StringComparer.Ordinal), candidates);
    }

    [Theory]
    [InlineData("ulong", true)]
    [InlineData("long", true)]
    [InlineData("uint", true)]
    [InlineData("nint", true)]
    [InlineData("nuint", true)]
    [InlineData("System.UInt64", true)]
    [InlineData("PhysAddr", true)]
    [InlineData("byte*", true)]
    [InlineData("delegate*<void>", true)]
    [InlineData("ref ulong", true)]
    [InlineData("Block?", true)]
    [InlineData("int", false)]
    [InlineData("ushort", false)]
    [InlineData("bool", false)]
    [InlineData("void", false)]
    [InlineData("string", false)]
    [InlineData("object", false)]
    [InlineData("ulong[]", false)]
    [InlineData("(ulong, int)", false)]
    [InlineData("int?", false)]
    public void A_declared_type_may_hold_an_address_unless_its_syntax_rules_it_out(string type, bool may)
    {
        var parsed = (MethodDeclarationSyntax)((ClassDeclarationSyntax)CSharpSyntaxTree.ParseText($"class C {{ {type} M() => default; }}").GetCompilationUnitRoot().Members[0]).Members[0];
        Assert.Equal(may, SourceDeclarations.MayHoldAddress(parsed.ReturnType));
    }

    private static string NameOf(BaseMethodDeclarationSyntax declaration) => declaration switch
    {
        MethodDeclarationSyntax method => method.Identifier.ValueText,
        OperatorDeclarationSyntax @operator => "operator " + @operator.OperatorToken.ValueText,
        ConversionOperatorDeclarationSyntax conversion => "operator " + conversion.Type,
        _ => declaration.Kind().ToString(),
    };

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }
}
