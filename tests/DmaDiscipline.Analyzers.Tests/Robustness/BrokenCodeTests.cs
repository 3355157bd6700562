using System.Text;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Robustness;

/// <summary>Code the analyzers must survive without an exception (AD0001): broken, unresolved, recursive, huge.</summary>
public sealed class BrokenCodeTests
{
    private const string Usings = "using System; using DmaDiscipline.Runtime;\n";

    public static TheoryData<string, string> Cases => new()
    {
        { "syntax errors", Usings + "class D { void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, ; if (dma.MappingError(a) return; desc.Addr = buf.PhysicalAddress.Value + ; } " },
        { "unbalanced braces", Usings + "class D { void F(DmaApi dma, KBuffer buf) { try { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); finally { dma.UnmapSingle(a, 64 } }" },
        { "unresolved members", Usings + "class D { void F(DmaApi dma, KBuffer buf, Nope n) { var a = dma.MapSingleX(buf); n.Addr = buf.PhysicalAddress.Valu; dma.UnmapSingle(a, n.Len, n.Dir); Missing(a); } }" },
        { "wrong argument counts", Usings + "class D { void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf); dma.UnmapSingle(a); dma.SyncForCpu(); dma.MappingError(); new DmaAddr(1, 2, 3); } }" },
        { "mutual recursion", Usings + "class D { [BusAddress] public ulong Sink; ulong A(KBuffer b, int n) => n == 0 ? b.PhysicalAddress.Value : B(b, n - 1); ulong B(KBuffer b, int n) => A(b, n) + 1; void F(KBuffer b) { Sink = A(b, 3); } }" },
        { "self recursion through out", Usings + "class D { [BusAddress] public ulong Sink; void R(KBuffer b, out ulong x) { R(b, out x); x += b.PhysicalAddress.Value; } void F(KBuffer b) { R(b, out var y); Sink = y; } }" },
        { "field cycles", Usings + "class D { [BusAddress] public ulong Sink; ulong _a, _b; void F(KBuffer k) { _a = _b; _b = _a + k.PhysicalAddress.Value; Sink = _a; } }" },
        { "goto loops", Usings + "class D { void F(DmaApi dma, KBuffer buf, int n) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); again: if (dma.MappingError(a)) goto again; if (n-- > 0) goto again; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); } }" },
        { "async and iterators", Usings + "class D { async System.Threading.Tasks.Task F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); await System.Threading.Tasks.Task.Yield(); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } System.Collections.Generic.IEnumerable<DmaAddr> G(DmaApi dma, KBuffer buf) { yield return dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); } }" },
        { "nested lambdas and local functions", Usings + "class D { Func<Func<DmaAddr>> F(DmaApi dma, KBuffer buf) { DmaAddr L() { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); return a; } return () => () => { var b = L(); dma.UnmapSingle(b, 64, DmaDirection.ToDevice); return b; }; } }" },
        { "nested try regions", Usings + "class D { void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); try { try { throw new Exception(); } catch (InvalidOperationException) when (buf.Length > 0) { throw; } finally { try { } finally { } } } catch { } finally { dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } } }" },
        { "patterns and switch", Usings + "class D { object F(DmaApi dma, KBuffer buf, object o) => o switch { int i when i > 0 => dma.MapSingle(buf, 0, i, DmaDirection.ToDevice), DmaAddr d => d with { Value = 0 }, _ => default(DmaAddr) }; }" },
        { "attributes and initializers", Usings + "class D { [BusAddress] public ulong Sink = 1; public DmaAddr Field = new DmaAddr(0x1000); D(KBuffer b) : this(b.PhysicalAddress.Value) { } D(ulong x) { Sink = x; } void F([BusAddress] ulong p = 7) { } }" },
        { "top-level statements", "using DmaDiscipline.Runtime; var m = new Machine(); var d = m.AddDevice(default); var a = d.Dma.MapSingle(m.Memory.Allocate(64), 0, 64, DmaDirection.ToDevice);" },
        { "a symbols-file type in the wrong place", Usings + "namespace Vendor { class Hal { public ulong Phys() => 0; } class D { void F(Hal h) { ulong x = h.Phys(); } } }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task No_analyzer_exception(string name, string source)
    {
        var result = await AnalyzerRunner.RunAsync([("broken.cs", source)], additionalFiles: [("DmaDiscipline.txt", "M:Vendor.Hal.Phys ; physical-source\nT:Vendor.Hal ; bus-sink\nnonsense\nM:Vendor.Hal.Phys ; unknown-role\n")]);
        Assert.True(result.Exceptions.Count == 0, name + ": " + string.Join(Environment.NewLine, result.Exceptions));
    }

    [Fact]
    public async Task No_runtime_reference_registers_nothing()
    {
        var result = await AnalyzerRunner.RunAsync([("d.cs", "class D { void F() { ulong x = 1; } }")], referenceRuntime: false);
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Huge_methods()
    {
        var source = new StringBuilder(Usings);
        source.AppendLine("class D { [BusAddress] public ulong Sink;");
        // A body past the analysis limit, one just under it, a long if/else chain, a deep expression, deep nesting.
        source.AppendLine("void Straight(DmaApi dma, KBuffer buf) { ulong x = 0;");
        for (var i = 0; i < 3000; i++)
        {
            source.AppendLine($"var a{i} = dma.MapSingle(buf, 0, {i % 64 + 1}, DmaDirection.ToDevice); if (dma.MappingError(a{i})) return; x += a{i}.Value; dma.UnmapSingle(a{i}, {i % 64 + 1}, DmaDirection.ToDevice);");
        }

        source.AppendLine("Sink = x; }");
        source.AppendLine("void Shorter(DmaApi dma, KBuffer buf) { ulong x = 0;");
        for (var i = 0; i < 400; i++)
        {
            source.AppendLine($"var a{i} = dma.MapSingle(buf, 0, 8, DmaDirection.FromDevice); if (dma.MappingError(a{i})) return; x += a{i}.Value; buf.Span[0] = 1;");
        }

        source.AppendLine("Sink = x; }");
        source.AppendLine("void Chain(KBuffer buf, int n) {");
        for (var i = 0; i < 600; i++)
        {
            source.AppendLine($"{(i == 0 ? "" : "else ")}if (n == {i}) Sink = buf.PhysicalAddress.Value + {i};");
        }

        source.AppendLine("}");
        source.Append("void Deep(KBuffer buf) { Sink = buf.PhysicalAddress.Value");
        for (var i = 0; i < 3000; i++)
        {
            source.Append(" + 1");
        }

        source.AppendLine("; }");
        source.Append("void Nested(DmaApi dma, KBuffer buf, int n) {");
        for (var i = 0; i < 200; i++)
        {
            source.Append($" if (n > {i}) {{ var m{i} = dma.MapSingle(buf, 0, 8, DmaDirection.ToDevice);");
        }

        for (var i = 0; i < 200; i++)
        {
            source.Append(" }");
        }

        source.AppendLine(" } }");
        var result = await AnalyzerRunner.RunAsync([("huge.cs", source.ToString())]);
        Assert.True(result.Exceptions.Count == 0, string.Join(Environment.NewLine, result.Exceptions));
        Assert.Empty(result.CompilerErrors);
        // The bodies under the limit are still analysed: every mapping in Shorter and Nested leaks, Shorter's are touched while device-owned.
        Assert.Equal(400 + 200, result.Diagnostics.Count(d => d.Id == "DMA002"));
        Assert.Equal(400, result.Diagnostics.Count(d => d.Id == "DMA005"));
        Assert.Equal(600 + 1, result.Diagnostics.Count(d => d.Id == "DMA001")); // the chain, and the deep expression
    }

    [Fact]
    public async Task Deeply_right_nested_expressions_are_followed_and_deeper_ones_never_crash()
    {
        // a + (1 + (1 + …)): the left-to-right chain is followed without recursion, a right-nested one recurses. As deep
        // as the compiler compiles, it is followed; deeper (the compiler's CS8078), nothing throws. Past what the
        // thread's stack allows, a body would be reported as not analysed (DMA903), never take the process down.
        var deep = Nested(1000);
        var result = await AnalyzerRunner.RunAsync([("deep.cs", deep)]);
        Assert.True(result.Exceptions.Count == 0, string.Join(Environment.NewLine, result.Exceptions));
        Assert.Empty(result.CompilerErrors);
        Assert.Single(result.Diagnostics, d => d.Id == "DMA001");

        var tooDeep = await AnalyzerRunner.RunAsync([("too-deep.cs", Nested(6000))]);
        Assert.True(tooDeep.Exceptions.Count == 0, string.Join(Environment.NewLine, tooDeep.Exceptions));
        Assert.Contains(tooDeep.CompilerErrors, d => d.Id == "CS8078");

        static string Nested(int depth)
        {
            var source = new StringBuilder(Usings);
            source.Append("class D { [BusAddress] public ulong Sink; void Deep(KBuffer buf) { Sink = buf.PhysicalAddress.Value");
            for (var i = 0; i < depth; i++)
            {
                source.Append(" + (1");
            }

            return source.Append(new string(')', depth)).AppendLine("; } }").ToString();
        }
    }
}
