using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA902: where the mapping rules give up on a body, they say so on the member; a body the tree walk can follow is analysed whatever its size.</summary>
public sealed class DMA902BodyNotAnalysedTests
{
    private static DiagnosticResult NotAnalysed(int location, string member, string reason) =>
        new DiagnosticResult("DMA902", DiagnosticSeverity.Info).WithLocation(location).WithArguments(member, "DMA002-DMA006", reason);

    [Fact]
    public Task A_graph_past_its_block_limit_that_the_tree_walk_cannot_follow_is_reported_not_dropped()
    {
        // A switch of 1,100 sections with when clauses (the tree walk declines them): more than 2,000 blocks.
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    int {|#0:F|}(DmaApi dma, KBuffer buf, int mode)\n    {\n        var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1100, guarded: true) + "        }\n        return n;\n    }\n}\n",
            NotAnalysed(0, "'F'", "its control-flow graph has 3304 blocks, more than the 2000 analysed"));
    }

    [Fact]
    public Task A_switch_past_the_graph_limit_is_analysed_by_the_tree_walk()
    {
        // 1,100 sections (more than 2,000 blocks), a leak in the last one's arm and in none of the others.
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    int F(DmaApi dma, KBuffer buf, int mode)\n    {\n        var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);\n        if (dma.MappingError(a)) return -1;\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1100)
            + "            case 5000:\n                var b = {|DMA002:dma.MapSingle(buf, 64, 64, DmaDirection.ToDevice)|};\n                if (dma.MappingError(b)) break;\n                n = -1;\n                break;\n"
            + "        }\n        dma.UnmapSingle(a, 64, DmaDirection.ToDevice);\n        return n;\n    }\n}\n");
    }

    [Fact]
    public Task A_structured_body_past_the_graph_limit_is_analysed_by_the_tree_walk()
    {
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    int F(DmaApi dma, KBuffer buf, KBuffer other, int mode, IRing ring)\n    {\n"
            + "        var a = {|DMA002:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};\n        var n = 0;\n" + LargeBodies.IfChain(1100)
            + "        var b = dma.MapSingle(other, 0, 64, DmaDirection.ToDevice);\n        ring.Post({|DMA003:b|}, 64);\n        return n;\n    }\n}\n");
    }

    [Fact]
    public Task A_body_of_more_early_exits_than_the_graph_takes_is_analysed_by_the_tree_walk()
    {
        // 1,001 early returns (more than 2,000 blocks: the graph is not built); the mapping leaks at the first, which the message names.
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    int F(DmaApi dma, KBuffer buf, int mode)\n    {\n        var a = {|#0:dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};\n        if (dma.MappingError(a)) return -1;\n"
            + LargeBodies.EarlyReturns(1001) + "        dma.UnmapSingle(a, 64, DmaDirection.ToDevice);\n        return -2;\n    }\n}\n",
            Verify<MappingLifecycleAnalyzer>.Diagnostic("DMA002").WithLocation(0)
                .WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments("streaming mapping", "line 10"));
    }

    [Fact]
    public Task A_tree_walk_that_gives_up_part_way_reports_nothing_but_the_give_up()
    {
        // Past the graph's limit, the tree walk follows the body up to the switch on a scatter-gather count
        // (whose case 0 is the check: the walk leaves it to the graph). What it found before that is not
        // reported on its own: the body was not analysed, and that is what is said.
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    int {|#0:F|}(DmaApi dma, KBuffer buf, ScatterList list, int mode, IRing ring)\n    {\n        var b = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);\n        ring.Post(b, 64);\n        var n = 0;\n"
            + LargeBodies.IfChain(1100)
            + "        var count = dma.MapSg(list, DmaDirection.ToDevice);\n        switch (count)\n        {\n            case 0: return 0;\n            default: dma.UnmapSg(list, DmaDirection.ToDevice); return n;\n        }\n    }\n}\n",
            NotAnalysed(0, "'F'", "its control-flow graph has 2206 blocks, more than the 2000 analysed"));
    }

    [Fact]
    public Task Lambdas_nested_past_the_analysed_depth_are_reported_not_dropped()
    {
        var (open, close) = LargeBodies.NestedLambdas(9);
        return Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D\n{\n    void F(DmaApi dma, KBuffer buf)\n    {\n        " + open
            + "Action last = {|#0:() => { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); }|}; last();" + close + "\n    }\n}\n",
            NotAnalysed(0, "This lambda", "it is nested more than 9 lambdas or local functions deep"));
    }
}
