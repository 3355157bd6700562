using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DmaDiscipline.Analyzers.Tests.Robustness;

public sealed class DebugProbeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Probe()
    {
        string[] codes = [
        "class D { void F(DmaApi dma, KBuffer buf, IRing ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(a) is true) return; ring.Post(a, 64); } }",
        "class D { void F(DmaApi dma, KBuffer buf, IRing ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (buf.Length == 0 || dma.MappingError(a)) return; ring.Post(a, 64); } }",
        "class D { bool F(DmaApi dma, KBuffer buf, IRing ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); var ok = !dma.MappingError(a); if (!ok) return false; ring.Post(a, 64); return true; } }",
        ];
        foreach (var code in codes)
        {
            output.WriteLine("---- " + code.Substring(100, 60));
            var src = Verify<DmaDiscipline.Analyzers.Rules.AddressProvenanceAnalyzer>.Usings + code + Verify<DmaDiscipline.Analyzers.Rules.AddressProvenanceAnalyzer>.Prelude;
            var r = await AnalyzerRunner.RunAsync([("a.cs", src)]);
            foreach (var d in r.Diagnostics) output.WriteLine(d.ToString());
            foreach (var e in r.Exceptions) output.WriteLine(e.ToString());
            foreach (var e in r.CompilerErrors) output.WriteLine(e.ToString());
        }
        Assert.Fail("probe");
    }
}
