using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// A mapping made by a lambda or an iterator of the compilation (issue 14): a delegate local or a
/// readonly delegate field that runs a lambda whose one <c>return</c> is a map makes the mapping
/// where it is invoked; an iterator whose every <c>yield return</c> is a fresh mapping, or a LINQ
/// projection by such a lambda, is a sequence made as it is read: each element read (<c>First()</c>,
/// <c>Single()</c>, a <c>foreach</c>) makes the mapping there. Look-alikes stay quiet.
/// </summary>
public sealed class MadeByLambdaTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string Members = " readonly Func<DmaApi, KBuffer, DmaAddr> _make = (dma, buf) => dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);"
        + " static IEnumerable<DmaAddr> Each(DmaApi dma, KBuffer buf) { yield return dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); }";

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Func<DmaAddr> make = () => " + Map + "; var a = make(); post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = _make(dma, buf); post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { foreach (var a in Each(dma, buf)) { post.Post({|DMA003:a|}, 64); } }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = Enumerable.Range(0, 1).Select(_ => " + Map + ").First(); post.Post({|DMA003:a|}, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = (from i in Enumerable.Range(0, 1) select " + Map + ").Single(); post.Post({|DMA003:a|}, 64); }")]
    public Task DMA003_reported(string member) => Check("using System.Linq; class D { " + member + Members + " }");

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Func<DmaAddr> make = () => " + Map + "; var a = make(); if (dma.MappingError(a)) return; post.Post(a, 64); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = Enumerable.Range(0, 1).Select(_ => " + Map + ").First(); if (dma.MappingError(a)) return; post.Post(a, 64); }")]
    // A sequence never read maps nothing: nothing leaks.
    [InlineData("void F(DmaApi dma, KBuffer buf) { var xs = Enumerable.Range(0, 1).Select(_ => " + Map + "); Log.Info(xs.ToString()!); }")]
    // A lambda that does more than return a map (it checks): not a maker.
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { Func<DmaAddr> make = () => { var m = " + Map + "; if (dma.MappingError(m)) throw new InvalidOperationException(); return m; }; var a = make(); post.Post(a, 64); }")]
    // A delegate given in from outside: not known.
    [InlineData("void F(Func<DmaAddr> make, IRing post) { var a = make(); post.Post(a, 64); }")]
    public Task DMA003_not_reported(string member) => Check("using System.Linq; class D { " + member + Members + " }");

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf) { Func<DmaAddr> make = () => " + Map + "; var a = {|DMA002:make()|}; if (dma.MappingError(a)) return; dma.SyncForDevice(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { var a = _make(dma, buf); if (dma.MappingError(a)) return; dma.UnmapSingle(a, {|DMA004:32|}, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { foreach (var a in Each(dma, buf)) { if (dma.MappingError(a)) return; var b = {|DMA005:buf.Span|}[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); } }")]
    [InlineData("void F(DmaApi dma, KBuffer buf, IRing post) { var a = Enumerable.Range(0, 1).Select(_ => " + Map + ").First(); if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); post.Post({|DMA006:a|}, 64); }")]
    public Task Other_rules_reported(string member) => Check("using System.Linq; class D { " + member + Members + " }");

    [Theory]
    [InlineData("void F(DmaApi dma, KBuffer buf) { Func<DmaAddr> make = () => " + Map + "; var a = make(); if (dma.MappingError(a)) return; dma.UnmapSingle(a, 64, DmaDirection.ToDevice); }")]
    [InlineData("void F(DmaApi dma, KBuffer buf) { foreach (var a in Each(dma, buf)) { if (dma.MappingError(a)) return; dma.SyncForCpu(a, 64, DmaDirection.FromDevice); var b = buf.Span[0]; dma.UnmapSingle(a, 64, DmaDirection.FromDevice); } }")]
    public Task Other_rules_not_reported(string member) => Check("using System.Linq; class D { " + member + Members + " }");
}
