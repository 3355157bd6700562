using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA903: where DMA001/DMA008 give up on a body that names a sink, they say so on the member; a body the tree walk can follow is analysed whatever its size.</summary>
public sealed class DMA903AddressBodyNotAnalysedTests
{
    private static DiagnosticResult NotAnalysed(int location, string member, string reason) =>
        new DiagnosticResult("DMA903", DiagnosticSeverity.Info).WithLocation(location).WithArguments(member, "DMA001/DMA008", reason);

    [Fact]
    public Task A_graph_past_its_block_limit_that_the_tree_walk_cannot_follow_is_reported_not_dropped() =>
        // A switch of 1,100 sections with when clauses (the tree walk declines them): more than 2,000 blocks. The raw
        // address given to the device is not reported: the body was not analysed, and that is said.
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int {|#0:F|}(KBuffer buf, Regs regs, int mode)\n    {\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1100, guarded: true) + "        }\n        regs.QueueDesc = buf.PhysicalAddress.Value;\n        return n;\n    }\n}\n",
            NotAnalysed(0, "'F'", "its control-flow graph has 3304 blocks, more than the 2000 analysed"));

    [Fact]
    public Task The_same_switch_within_the_limit_is_analysed() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int F(KBuffer buf, Regs regs, int mode)\n    {\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(100) + "        }\n        regs.QueueDesc = {|DMA001:buf.PhysicalAddress.Value|};\n        return n;\n    }\n}\n");

    [Fact]
    public Task A_body_that_names_no_sink_is_not_reported_whatever_its_size() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int F(KBuffer buf, int mode)\n    {\n        var n = 0;\n        switch (mode)\n        {\n"
            + LargeBodies.SwitchSections(1100) + "        }\n        return n + (int)buf.PhysicalAddress.Value;\n    }\n}\n");

    [Fact]
    public Task A_structured_body_past_the_graph_limit_is_analysed_by_the_tree_walk()
    {
        return Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    int F(KBuffer buf, Regs regs, int mode)\n    {\n        var n = 0;\n" + LargeBodies.IfChain(1100)
            + "        regs.QueueDesc = {|DMA001:buf.PhysicalAddress.Value|};\n        return n;\n    }\n}\n");
    }

    [Fact]
    public Task Lambdas_nested_past_the_analysed_depth_are_reported_not_dropped()
    {
        var (open, close) = LargeBodies.NestedLambdas(9);

        // A foreach keeps the body off the tree walk, so that it is analysed over its graphs.
        return Verify<AddressProvenanceAnalyzer>.Analyzer(
            "class D\n{\n    void F(KBuffer buf, Regs regs, int[] xs)\n    {\n        foreach (var x in xs) { }\n        " + open
            + "Action last = {|#0:() => { regs.QueueDesc = buf.PhysicalAddress.Value; }|}; last();" + close + "\n    }\n}\n",
            NotAnalysed(0, "This lambda", "it is nested more than 9 lambdas or local functions deep"));
    }
}
