using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Symbols;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001/DMA008's body prefilter (<see cref="AddressCarriers"/>): a body is analysed only when it
/// names a sink and something an address can come through. These are the ways a source reaches a
/// body without the body spelling it; each must still be reported.
/// </summary>
public sealed class AddressPrefilterTests
{
    /// <summary>Each string is a file of its own; the first gets the shared prelude.</summary>
    private static async Task Check(params string[] files)
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test();
        for (var i = 0; i < files.Length; i++)
        {
            var prelude = i == 0 ? Verify<AddressProvenanceAnalyzer>.Prelude : string.Empty;
            test.TestState.Sources.Add(($"File{i}.cs", Verify<AddressProvenanceAnalyzer>.Usings + files[i] + prelude));
        }

        await test.RunAsync();
    }

    [Fact]
    public Task Source_through_a_helper_in_another_file() => Check(
        """
        class D { void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:Pages.Of(buf)|}; } }
        """,
        """
        static class Pages { public static ulong Of(KBuffer buffer) => buffer.PhysicalAddress.Value; }
        """);

    [Fact]
    public Task Source_through_two_helpers_in_other_files() => Check(
        """
        class D { void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:Outer.Get(buf, 64)|}; } }
        """,
        """
        static class Outer { public static ulong Get(KBuffer buffer, int offset) => Inner.Of(buffer) + (ulong)offset; }
        """,
        """
        static class Inner { public static ulong Of(KBuffer buffer) => buffer.PhysicalAddress.Value; }
        """);

    [Fact]
    public Task Source_through_a_field_written_in_another_part_of_the_type() => Check(
        """
        partial class D { void Kick(Regs regs) { regs.QueueDesc = {|DMA001:_base|}; } }
        """,
        """
        partial class D
        {
            private ulong _base;
            public void Setup(KBuffer ring) { _base = ring.PhysicalAddress.Value; }
        }
        """);

    [Fact]
    public Task Source_through_a_field_written_from_a_helper() => Check(
        """
        partial class D { void Kick(Regs regs) { regs.QueueDesc = {|DMA001:_base|}; } }
        """,
        """
        partial class D
        {
            private ulong _base;
            public void Setup(KBuffer ring) { _base = Pages.Of(ring); }
        }
        """,
        """
        static class Pages { public static ulong Of(KBuffer buffer) => buffer.PhysicalAddress.Value; }
        """);

    [Fact]
    public Task Source_through_a_property_of_a_physical_address_type() => Check(
        """
        class D { void F(Page page, Regs regs) { regs.QueueDesc = {|DMA001:page.Base.Value|}; } }
        """,
        """
        class Page { public PhysAddr Base { get; set; } }
        """);

    [Fact]
    public Task Source_attributed_in_another_file() => Check(
        """
        class D { void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:Hal.Frame(buf)|}; } }
        """,
        """
        static class Hal { [PhysicalAddressSource] public static ulong Frame(KBuffer buffer) => 0; }
        """);

    [Fact]
    public Task Source_handed_to_a_callback() => Check(
        """
        class D { void F(KBuffer buf, Regs regs) { Pages.Each(buf, p => regs.QueueDesc = {|DMA001:p.Value|}); } }
        """,
        """
        static class Pages { public static void Each(KBuffer buffer, Action<PhysAddr> visit) => visit(buffer.PhysicalAddress); }
        """);

    [Fact]
    public Task Source_through_an_out_variable() => Check(
        """
        class D { void F(KBuffer buf, Regs regs) { if (Pages.TryGet(buf, out var p)) { regs.QueueDesc = {|DMA001:p.Value|}; } } }
        """,
        """
        static class Pages { public static bool TryGet(KBuffer buffer, out PhysAddr address) { address = buffer.PhysicalAddress; return true; } }
        """);

    [Fact]
    public async Task Source_through_an_alias_of_the_physical_address_type()
    {
        var test = new Verify<AddressProvenanceAnalyzer>.Test();
        test.TestState.Sources.Add(("Aliases.cs", "global using Pa = DmaDiscipline.Runtime.PhysAddr;\n"));
        test.TestState.Sources.Add(("Driver.cs", Verify<AddressProvenanceAnalyzer>.Usings + """
            class D { void F(Pa page, Regs regs) { regs.QueueDesc = {|DMA001:page.Value|}; } }
            """ + Verify<AddressProvenanceAnalyzer>.Prelude));
        await test.RunAsync();
    }

    [Fact]
    public Task Forgery_through_a_helper_in_another_file() => Check(
        """
        class D { void F(IRing ring) { ring.Post({|DMA008:Fake.Make()|}, 64); } }
        """,
        """
        static class Fake { public static DmaAddr Make() => new DmaAddr(0x1000); }
        """);

    [Fact]
    public Task Forgery_through_a_field() => Check(
        """
        partial class D { void F(IRing ring) { ring.Post({|DMA008:_address|}, 64); } }
        """,
        """
        partial class D { private DmaAddr _address; public void Reset() { _address = default; } }
        """);

    [Fact]
    public Task Forgery_by_an_omitted_optional_argument() => Check(
        """
        class D { void F(Doorbell bell) { {|DMA008:bell.Ring()|}; } }
        """,
        """
        class Doorbell { public void Ring([BusAddress] DmaAddr address = default) { } }
        """);

    [Fact]
    public Task Configured_source_in_another_file() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            """
            namespace Vendor
            {
                class D { void F(object page, Regs regs) { regs.QueueDesc = {|DMA001:Hal.Lookup(page)|}; } }
            }
            namespace Vendor { public static class Hal { public static ulong PhysOf(object page) => 0; public static ulong Lookup(object page) => PhysOf(page) + 8; } }
            """,
            [("DmaDiscipline.txt", "M:Vendor.Hal.PhysOf(System.Object) ; physical-source\n")]);

    [Theory]
    // References the runtime and carries a symbols file naming a sink it never uses: no body is handed to the analysis.
    [InlineData("namespace Emu { public sealed class Mmu { public ulong Base; public ulong Translate(ulong v) => Base + v; } }", 0)]
    // The same project using the configured sink: every body is.
    [InlineData("namespace Emu { public sealed class Mmu { public ulong Base; public void Load(ulong v) => Hal.Port.Out(Base + v); } }", 1)]
    public async Task A_project_that_uses_no_sink_registers_no_body_analysis(string source, int codeBlockActions)
    {
        var tree = CSharpSyntaxTree.ParseText(source + "\nnamespace Hal { public static class Port { public static void Out(ulong value) { } } }");
        var compilation = CSharpCompilation.Create("Emu", [tree], await DriverCompilation.References.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var analyzer = new AddressProvenanceAnalyzer();
        var run = compilation.WithAnalyzers([analyzer], new AnalyzerOptions([new SymbolsText("DmaDiscipline.txt", "M:Hal.Port.Out(System.UInt64) ; bus-sink\n")]));
        Assert.Empty(await run.GetAnalyzerDiagnosticsAsync());
        Assert.Equal(codeBlockActions, (await run.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).CodeBlockActionsCount);
    }

    [Fact]
    public void Disciplined_bodies_are_not_admitted()
    {
        // The corpus shape the prefilter exists for: a sink, but nothing physical or forged can reach it.
        var source = Verify<AddressProvenanceAnalyzer>.Usings + """
            class Q
            {
                private readonly DmaApi _dma;
                private readonly Desc[] _ring = new Desc[8];
                private readonly DmaAddr[] _inflight = new DmaAddr[8];
                private ulong _legacy;
                public Q(DmaApi dma) { _dma = dma; }
                public void Send(KBuffer buffer)
                {
                    var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                    if (_dma.MappingError(addr)) return;
                    _ring[0].Addr = addr.Value;
                    _inflight[0] = addr;
                }
                public void Complete() { _dma.UnmapSingle(_inflight[0], 64, DmaDirection.ToDevice); _inflight[0] = default; }
                public void Forge() { DmaAddr a = default; _dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }
                public void SetupLegacy(KBuffer ring) { _legacy = ring.PhysicalAddress.Value; }
                public void KickLegacy() { _ring[1].Addr = _legacy; }
            }
            """ + Verify<AddressProvenanceAnalyzer>.Prelude;
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("Prefilter", [tree],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location)]);
        var symbols = DmaSymbols.Create(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), CancellationToken.None);
        var carriers = symbols.Carriers(CancellationToken.None);
        var methods = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.Parent is ClassDeclarationSyntax { Identifier.ValueText: "Q" }).ToDictionary(m => m.Identifier.ValueText);

        Assert.False(carriers.MayReachSink(methods["Send"]));
        Assert.False(carriers.MayReachSink(methods["Complete"]));  // a default stored into an element reaches no sink
        Assert.True(carriers.MayReachSink(methods["Forge"]));      // a default in a local can
        // It stores into a field that a sink-naming body reads: a store there may be a sink (a field carries it on).
        Assert.True(carriers.MayReachSink(methods["SetupLegacy"]));
        Assert.True(carriers.MayReachSink(methods["KickLegacy"]));  // _legacy holds a physical address
        Assert.DoesNotContain("_inflight", carriers.Carriers);
        Assert.DoesNotContain("_ring", carriers.Carriers);
    }

    /// <summary>
    /// A project of a driver solution that does no DMA: it references the runtime and carries a
    /// symbols file naming a platform layer it never calls, and its code is full of what a prefilter
    /// by words could trip on — address-sized literals, stores through spans and pointers, decode
    /// switches with <c>default:</c>, target-typed <c>new()</c>.
    /// </summary>
    private const string Emulator = """
        using System;
        namespace Emu
        {
            public static class Hal
            {
                public static ulong VirtToPhys(ulong virt) => virt;
                public static void WriteRegister(int register, ulong value) => System.Threading.Volatile.Write(ref Registers[register & 7], value);
                private static readonly ulong[] Registers = new ulong[8];
            }
            public sealed class Bus
            {
                private readonly byte[] _ram = new byte[0x10000];
                public ulong Addr;
                public void Fill(Span<byte> target, byte value) { target.Fill(value); target[0] = 0xFF; }
                public int Sum(ReadOnlySpan<byte> source) { var s = 0; foreach (var b in source) s += b; return s; }
                public unsafe void Poke(byte* p, ulong address) { *(ulong*)p = address + 0x8000; }
                public int Step(int opcode)
                {
                    switch (opcode)
                    {
                        case 1: Addr = 0x4014; Fill(_ram.AsSpan(0x2000, 16), 1); return 2;
                        default: Addr = 0x2004; return 1;
                    }
                }
                public (int, int) Pair() { (int, int) p = new(); return p; }
            }
        }
        """;

    private const string EmulatorSymbols = "M:Emu.Hal.VirtToPhys(System.UInt64) ; physical-source\nM:Emu.Hal.WriteRegister(System.Int32,System.UInt64) ; bus-sink(value)\n";

    private static (AddressCarriers Carriers, Dictionary<string, MethodDeclarationSyntax> Methods) Prefilter(string source, string symbolsFile)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("Prefilter", [tree],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var options = new AnalyzerOptions(ImmutableArray.Create<AdditionalText>(new SymbolsText("DmaDiscipline.txt", symbolsFile)));
        var symbols = DmaSymbols.Create(compilation, options, CancellationToken.None);
        var methods = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .GroupBy(m => m.Identifier.ValueText).ToDictionary(g => g.Key, g => g.First());
        return (symbols.Carriers(CancellationToken.None), methods);
    }

    [Fact]
    public void Sink_names_are_found_to_a_fixpoint_through_wrappers_and_the_fields_their_bodies_name()
    {
        // Kick -> Program -> WriteRegister (the configured sink), three calls deep; Arm stores into a field a wrapper names
        // (the field carries what is stored on to the sink); Tally names neither.
        var source = Emulator.Replace("public (int, int) Pair()", """
            private ulong _armed;
            public void Program(ulong v) => Hal.WriteRegister(3, v + _armed);
            public void Relay(ulong v) { Program(v); }
            public void Kick(ulong virt) => Relay(Hal.VirtToPhys(virt));
            public void Arm(ulong v) { _armed = v; }
            public int Tally(int n) => n * 2;
            public (int, int) Pair()
            """);
        var (carriers, _) = Prefilter(source, EmulatorSymbols);

        Assert.True(carriers.IsSinkName("WriteRegister"));
        Assert.True(carriers.IsSinkName("Program"));
        Assert.True(carriers.IsSinkName("Relay"));
        Assert.True(carriers.IsSinkName("Kick"));
        Assert.True(carriers.IsSinkName("_armed"));
        Assert.True(carriers.IsSinkName("Arm"));
        Assert.False(carriers.IsSinkName("Tally"));
        Assert.False(carriers.IsSinkName("Pair"));
    }

    [Fact]
    public void A_project_that_uses_no_sink_has_no_body_to_analyse()
    {
        var (carriers, methods) = Prefilter(Emulator, EmulatorSymbols);

        // Step names 'Addr' (a runtime descriptor's field, and the project's own) beside literals:
        // the project's own name is no use of the runtime's, so nothing is in reach.
        Assert.All(methods.Values, method => Assert.False(carriers.MayReachSink(method), method.Identifier.ValueText));
    }

    [Fact]
    public void A_project_that_uses_a_sink_has_its_bodies_analysed()
    {
        // The look-alike: the same project once one body gives the platform layer an address.
        var source = Emulator.Replace("public (int, int) Pair()", "public void Kick(ulong virt) => Hal.WriteRegister(3, Hal.VirtToPhys(virt));\n        public (int, int) Pair()");
        var (carriers, methods) = Prefilter(source, EmulatorSymbols);

        Assert.True(carriers.MayReachSink(methods["Kick"]));
        Assert.False(carriers.MayReachSink(methods["Pair"])); // names no sink
        Assert.False(carriers.IsSinkName("Fill"));             // stores through a span, but no device memory is in use
    }

    [Fact]
    public void Helpers_that_store_through_what_they_are_given_are_sinks_once_device_memory_is_in_use()
    {
        var source = Emulator.Replace("public (int, int) Pair()", "public void Clear(DmaDiscipline.Runtime.CoherentBuffer ring) => Fill(ring.Span, 0);\n        public (int, int) Pair()");
        var (carriers, methods) = Prefilter(source, EmulatorSymbols);

        Assert.True(carriers.IsSinkName("Fill"));
        Assert.True(carriers.IsSinkName("Poke"));
        Assert.False(carriers.IsSinkName("Sum"));              // nothing is stored through a ReadOnlySpan
        Assert.True(carriers.MayReachSink(methods["Step"])); // calls Fill with address-sized literals
    }

    [Theory]
    [InlineData("switch (x) { case 1: break; default: break; }", false)]
    [InlineData("switch (x) { case 1: return 1; default : return 0; }", false)]
    [InlineData("var a = flag ? default : b;", true)]
    [InlineData("DmaAddr a = default;", true)]
    [InlineData("Post(default, 64);", true)]
    public void A_switch_label_default_makes_no_bus_address_but_a_default_value_does(string text, bool forges) =>
        Assert.Equal(forges, AddressCarriers.Forges(text, 0, text.Length, []));

    private sealed class SymbolsText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }

    [Fact]
    public Task A_default_made_by_a_helper_in_another_file_when_no_physical_source_is_used() => Check(
        """
        class D { void F(Device device) { var a = Source.Make(); device.Dma.UnmapSingle({|DMA008:a|}, 64, DmaDirection.ToDevice); } }
        """,
        """
        static class Source { public static DmaAddr Make() => default(DmaAddr); }
        """);

    [Fact]
    public Task A_helper_that_returns_a_mapping_is_no_forger() => Check(
        """
        class D { void F(Device device, KBuffer buf) { var a = Source.Make(device, buf); if (device.Dma.MappingError(a)) return; device.Dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }
        """,
        """
        static class Source { public static DmaAddr Make(Device device, KBuffer buf) => device.Dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); }
        """);
}
