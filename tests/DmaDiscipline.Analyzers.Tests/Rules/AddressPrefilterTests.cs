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
}
