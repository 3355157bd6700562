using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The summary a referenced assembly publishes is checked like a symbols file: a line that cannot be
/// read or does not fit its member is DMA900, one that names nothing (stale) DMA901, a summary of
/// another format is not read (DMA900) — none applied, none dropped in silence. And a project that does
/// no DMA publishes nothing.
/// </summary>
public sealed class PublishedSummaryTests
{
    private const string Handwritten = """
        [assembly: System.Reflection.AssemblyMetadata("DmaDiscipline.SummaryFormat", "FORMAT")]
        [assembly: System.Reflection.AssemblyMetadata("DmaDiscipline.Summary", "M:Lib2.Q.Set(System.UInt64) bus-sink")]
        [assembly: System.Reflection.AssemblyMetadata("DmaDiscipline.Summary", "M:Lib2.Q.Gone(System.UInt64) ; bus-sink(a)")]
        [assembly: System.Reflection.AssemblyMetadata("DmaDiscipline.Summary", "M:Lib2.Q.Set(System.UInt64) ; bus-sink(b)")]
        [assembly: System.Reflection.AssemblyMetadata("DmaDiscipline.Summary", "M:Lib2.Q.Set(System.UInt64) ; bus-sink(a)")]
        namespace Lib2 { public class Q { public void Set(ulong a) { } public void Go(ulong a) { } } }
        """;

    private static Task<LibraryAssembly.Built> Handwritten_(string format) => LibraryAssembly.BuildAsync(Handwritten.Replace("FORMAT", format, StringComparison.Ordinal), "Lib2");

    [Fact]
    public async Task A_broken_stale_or_misfit_line_is_reported_without_a_location()
    {
        var library = await Handwritten_("1");
        Assert.Equal(string.Empty, library.Generated); // the library itself does no DMA
        await Verify<SymbolsFileAnalyzer>.Analyzer(
            "class D { }",
            [],
            [library.Reference],
            new DiagnosticResult("DMA900", DiagnosticSeverity.Warning).WithArguments(
                "the summary published by 'Lib2' has a line that cannot be read, ignored: 'M:Lib2.Q.Set(System.UInt64) bus-sink': expected '<documentation id> ; <role>' but found no ';'"),
            new DiagnosticResult("DMA900", DiagnosticSeverity.Warning).WithArguments(
                "the summary published by 'Lib2': 'M:Lib2.Q.Set(System.UInt64)' has no parameter 'b' (its parameters: a)"),
            new DiagnosticResult("DMA901", DiagnosticSeverity.Info).WithArguments(
                "the summary published by 'Lib2': 'M:Lib2.Q.Gone(System.UInt64)' names nothing in this compilation"));
    }

    [Fact]
    public async Task The_lines_that_fit_are_applied_beside_the_ones_that_do_not()
    {
        var library = await Handwritten_("1");
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D { void F(KBuffer buf, Lib2.Q q) { q.Set({|DMA001:buf.PhysicalAddress.Value|}); q.Go(buf.PhysicalAddress.Value); } }",
            [],
            [library.Reference]);
    }

    [Fact]
    public async Task A_summary_of_another_format_is_reported_and_not_read()
    {
        var library = await Handwritten_("2");
        await Verify<SymbolsFileAnalyzer>.Analyzer(
            "class D { }",
            [],
            [library.Reference],
            new DiagnosticResult("DMA900", DiagnosticSeverity.Warning).WithArguments(
                "the summary published by 'Lib2' is in format '2', and this analyzer reads format '1'; it is not read (build both projects with the same version of the analyzer package)"));
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D { void F(KBuffer buf, Lib2.Q q) { q.Set(buf.PhysicalAddress.Value); } }",
            [],
            [library.Reference]);
    }

    [Theory]
    // References the runtime, has address-like members, uses no sink and names no physical source.
    [InlineData(true, null, """
        namespace Emu { public sealed class Cpu { private ulong _pc; public ulong Step(ulong pc) { _pc = pc + 4; return _pc; } public void Write(ulong address, ulong value) { } } }
        """)]
    // The same with a symbols file whose sink it never uses.
    [InlineData(true, "M:Other.Port.Write(System.UInt64) ; bus-sink\n", """
        namespace Emu { public static class Bits { public static ulong Swap(ulong value) => value; } }
        """)]
    // Neither the runtime nor a symbols file.
    [InlineData(false, null, """
        namespace Emu { public static class Bits { public static ulong Swap(ulong value) => value; public static ulong PhysOf(ulong v) => v; } }
        """)]
    public async Task A_project_that_does_no_DMA_publishes_nothing(bool referenceRuntime, string? symbolsFile, string source)
    {
        var built = await LibraryAssembly.BuildAsync(source, "Emu", symbolsFile, referenceRuntime);
        Assert.Equal(string.Empty, built.Generated);
        Assert.Empty(built.GeneratorDiagnostics);
    }

    [Fact]
    public async Task A_project_that_only_declares_a_physical_source_publishes_the_helpers_that_visibly_return_their_argument()
    {
        const string Environment = """
            namespace Env
            {
                public interface IEnvironment { ulong GetPhysicalAddress(object value); }
                public static class Endianness { public static ulong ToLittle(ulong value) => System.BitConverter.IsLittleEndian ? value : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value); }
                // Not summarised in a project that uses no sink and no physical address: the argument reaches the return through a local.
                public static class Pages { public static ulong Align(ulong value) { var aligned = (value + 4095) & ~4095UL; return aligned; } }
            }
            """;
        var built = await LibraryAssembly.BuildAsync(Environment, "Env", "M:Env.IEnvironment.GetPhysicalAddress(System.Object) ; physical-source\n", referenceRuntime: false);
        Assert.Contains("\"M:Env.Endianness.ToLittle(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Align", built.Generated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_environment_library_publishes_a_helper_that_returns_its_argument_through_another_and_not_one_that_only_names_it()
    {
        const string Environment = """
            namespace Env
            {
                public interface IEnvironment { ulong GetPhysicalAddress(object value); }
                public static class Bits
                {
                    public static ulong Swap(ulong value) => value;
                    public static ulong ToBus(ulong value) => Swap(value);
                    public static ulong Cached;
                    // Names its argument in the return, returns something else.
                    public static ulong Lookup(ulong value) => value > 4096 ? Cached : 0;
                }
            }
            """;
        var built = await LibraryAssembly.BuildAsync(Environment, "Env", "M:Env.IEnvironment.GetPhysicalAddress(System.Object) ; physical-source\n", referenceRuntime: false);
        Assert.Contains("\"M:Env.Bits.Swap(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.Contains("\"M:Env.Bits.ToBus(System.UInt64) ; value-preserving\"", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Lookup", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Cached", built.Generated, StringComparison.Ordinal);
    }

    [Theory]
    // A project that publishes a wrapper, and one that does no DMA.
    [InlineData("namespace Hal { public static class Port { public static void Out(ulong value) { } } public static class Nic { public static void SetRing(ulong ring) => Port.Out(ring); } }", true)]
    [InlineData("namespace Emu { public sealed class Cpu { public ulong Pc; public ulong Step(ulong pc) => pc + 4; } }", false)]
    public async Task An_edit_that_changes_no_summary_leaves_the_generated_source_unchanged(string source, bool publishes)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var other = CSharpSyntaxTree.ParseText("namespace Other { public static class Text { public static int Length(string s) => s.Length; } }", parse, "Other.cs");
        var compilation = CSharpCompilation.Create("Hal", [CSharpSyntaxTree.ParseText(source, parse, "Hal.cs"), other], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new SummaryGenerator().AsSourceGenerator()],
            [new SymbolsText("DmaDiscipline.txt", "M:Hal.Port.Out(System.UInt64) ; bus-sink\n")],
            parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);
        Assert.Equal(publishes, driver.GetRunResult().GeneratedTrees.Length == 1);

        // The unrelated file edited: the step runs on the new compilation, its result is the same, the output is not redone.
        var edited = compilation.ReplaceSyntaxTree(other, other.WithChangedText(other.GetText().Replace(0, 0, "// edited\n")));
        driver = driver.RunGenerators(edited);
        var run = driver.GetRunResult().Results.Single();
        Assert.All(run.TrackedSteps[SummaryGenerator.PublishStep].SelectMany(step => step.Outputs), output => Assert.Equal(IncrementalStepRunReason.Unchanged, output.Reason));
        Assert.All(run.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(step => step.Outputs), output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    private sealed class SymbolsText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }

    [Fact]
    public async Task A_project_whose_symbols_file_names_a_sink_it_uses_publishes_its_wrapper()
    {
        var built = await LibraryAssembly.BuildAsync(
            "namespace Hal { public static class Port { public static void Out(ulong value) { } } public static class Nic { public static void SetRing(ulong ring) => Port.Out(ring); } }",
            "Hal",
            "M:Hal.Port.Out(System.UInt64) ; bus-sink\n",
            referenceRuntime: false);
        Assert.Contains("\"M:Hal.Nic.SetRing(System.UInt64) ; bus-sink(ring)\"", built.Generated, StringComparison.Ordinal);
    }

    [Theory]
    // An initializer keeps the parameter; a member reads it itself (the compiler's hidden field); the base constructor is given it.
    [InlineData("public sealed class Nic(ulong ring) { private readonly ulong _ring = ring; public void Start() => Port.Out(_ring); }")]
    [InlineData("public sealed class Nic(ulong ring) { public void Start() => Port.Out(ring); }")]
    [InlineData("public class NicBase { private readonly ulong _r; protected NicBase(ulong r) { _r = r; } public void Start() => Port.Out(_r); } public sealed class Nic(ulong ring) : NicBase(ring);")]
    public async Task A_primary_constructor_whose_parameter_reaches_a_sink_is_published_as_a_wrapper(string nic)
    {
        var built = await LibraryAssembly.BuildAsync(
            "namespace Hal { public static class Port { public static void Out(ulong value) { } } " + nic + " }",
            "Hal",
            "M:Hal.Port.Out(System.UInt64) ; bus-sink\n",
            referenceRuntime: false);
        Assert.Contains("\"M:Hal.Nic.#ctor(System.UInt64) ; bus-sink(ring)\"", built.Generated, StringComparison.Ordinal);
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D { Hal.Nic F(KBuffer buf) => new Hal.Nic({|DMA001:buf.PhysicalAddress.Value|}); }",
            [],
            [built.Reference]);
    }

    [Fact]
    public async Task A_primary_constructor_whose_parameter_only_sizes_is_not_published_as_a_wrapper()
    {
        var built = await LibraryAssembly.BuildAsync(
            "namespace Hal { public static class Port { public static void Out(ulong value) { } } public sealed class Nic(ulong ring, int size) { private readonly ulong _ring = ring; public void Start() => Port.Out((ulong)size); } }",
            "Hal",
            "M:Hal.Port.Out(System.UInt64) ; bus-sink\n",
            referenceRuntime: false);
        Assert.Contains("\"M:Hal.Nic.#ctor(System.UInt64,System.Int32) ; bus-sink(size)\"", built.Generated, StringComparison.Ordinal);
        Assert.DoesNotContain("bus-sink(ring)", built.Generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData(" False ", false)]
    [InlineData("true", true)]
    [InlineData("", true)]
    public async Task DmaDisciplinePublishSummaries_false_turns_publishing_off(string value, bool published)
    {
        const string Environment = """
            namespace Env
            {
                public interface IEnvironment { ulong GetPhysicalAddress(object value); }
                public static class Endianness { public static ulong ToLittle(ulong value) => value; }
            }
            """;
        var built = await LibraryAssembly.BuildAsync(Environment, "Env", "M:Env.IEnvironment.GetPhysicalAddress(System.Object) ; physical-source\n", referenceRuntime: false,
            buildProperties: new Dictionary<string, string> { ["DmaDisciplinePublishSummaries"] = value });
        Assert.Equal(published, built.Generated.Contains("\"M:Env.Endianness.ToLittle(System.UInt64) ; value-preserving\"", StringComparison.Ordinal));
        Assert.Empty(built.GeneratorDiagnostics);
    }

    [Theory]
    // An application publishes nothing by default (nothing references it); the property can still ask for it.
    [InlineData(OutputKind.ConsoleApplication, null, false)]
    [InlineData(OutputKind.ConsoleApplication, "true", true)]
    [InlineData(OutputKind.DynamicallyLinkedLibrary, null, true)]
    public async Task An_application_publishes_only_when_asked(OutputKind kind, string? property, bool published)
    {
        const string Environment = """
            namespace Env
            {
                public interface IEnvironment { ulong GetPhysicalAddress(object value); }
                public static class Endianness { public static ulong ToLittle(ulong value) => value; }
                public static class Program { public static void Main() { } }
            }
            """;
        var built = await LibraryAssembly.BuildAsync(Environment, "Env", "M:Env.IEnvironment.GetPhysicalAddress(System.Object) ; physical-source\n", referenceRuntime: false,
            buildProperties: property is null ? null : new Dictionary<string, string> { ["DmaDisciplinePublishSummaries"] = property }, outputKind: kind);
        Assert.Equal(published, built.Generated.Contains("\"M:Env.Endianness.ToLittle(System.UInt64) ; value-preserving\"", StringComparison.Ordinal));
        Assert.Empty(built.GeneratorDiagnostics);
    }

    [Fact]
    public async Task Summaries_compose_through_a_chain_of_project_references()
    {
        // Lib publishes SetDescriptor; Mid wraps it and publishes its own wrapper; the app sees through both.
        var lib = await LibraryAssembly.BuildAsync("""
            using DmaDiscipline.Runtime;
            namespace Lib { public struct VirtqDesc { [BusAddress] public ulong Addr; } public sealed class Virtqueue { private readonly VirtqDesc[] _d = new VirtqDesc[4]; public void SetDescriptor(int i, ulong physAddr) { _d[i].Addr = physAddr; } } }
            """);
        var mid = await LibraryAssembly.BuildAsync("""
            namespace Mid { public sealed class Blk { private readonly Lib.Virtqueue _q = new Lib.Virtqueue(); public void Submit(ulong header) => _q.SetDescriptor(0, header); } }
            """, "Mid", references: [lib.Reference]);
        Assert.Contains("\"M:Mid.Blk.Submit(System.UInt64) ; bus-sink(header)\"", mid.Generated, StringComparison.Ordinal);
        await Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D { void F(KBuffer buf, Mid.Blk blk) { blk.Submit({|DMA001:buf.PhysicalAddress.Value|}); } }",
            [],
            [lib.Reference, mid.Reference]);
    }

    [Theory]
    [InlineData("namespace Lib { public struct D { [BusAddress] public ulong Addr; } public class Q { D[] _d; public void Set(ulong a) { _d[0].Addr = a; ")]
    [InlineData("namespace Lib { public class Q { public void Set(ulong a) { Missing.Sink(a); } public ulong Phys(KBuffer b) => b.PhysicalAddress.Value + ; } }")]
    [InlineData("namespace Lib { public class Q<T> where T : Q<T> { public ulong this[int i] { set => Set(value); } void Set(ulong a) => Set(a); public static implicit operator ulong(Q<T> q) => q; } }")]
    public void The_generator_never_fails_on_code_that_does_not_compile(string source)
    {
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Lib",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("using DmaDiscipline.Runtime;\n" + source)],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(typeof(DmaDiscipline.Runtime.DmaApi).Assembly.Location)]);
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new DmaDiscipline.Analyzers.Publishing.SummaryGenerator())
            .RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "DMA903");
    }
}
