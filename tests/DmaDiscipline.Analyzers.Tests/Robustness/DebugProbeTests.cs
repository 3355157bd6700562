using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace DmaDiscipline.Analyzers.Tests.Robustness;

public sealed class DebugProbeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Probe()
    {
        var src = Verify<DmaDiscipline.Analyzers.Rules.AddressProvenanceAnalyzer>.Usings + "class D { void F(KBuffer buf, Regs regs, bool first, ulong other) { regs.QueueDesc = first ? buf.PhysicalAddress.Value : other; } }" + Verify<DmaDiscipline.Analyzers.Rules.AddressProvenanceAnalyzer>.Prelude;
        var refs = (await Microsoft.CodeAnalysis.Testing.ReferenceAssemblies.Net.Net80.ResolveAsync(LanguageNames.CSharp, default)).ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(DmaDiscipline.Runtime.DmaApi).Assembly.Location));
        var c = CSharpCompilation.Create("x", [CSharpSyntaxTree.ParseText(src)], refs, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var s = DmaDiscipline.Analyzers.Symbols.DmaSymbols.Create(c, new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions([]), default);
        output.WriteLine($"active {s.IsActive} platform {s.CompilationIsPlatform}");
        var kb = c.GetTypeByMetadataName("DmaDiscipline.Runtime.KBuffer")!;
        output.WriteLine($"roles {s.RolesOf(kb.GetMembers("PhysicalAddress")[0])}");
        var desc = c.GetTypeByMetadataName("Desc")!;
        output.WriteLine($"sink {s.IsBusSinkMember(desc.GetMembers("Addr")[0])}");
        var tree = c.SyntaxTrees[0];
        var model = c.GetSemanticModel(tree);
        foreach (var m in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Take(1))
        {
            var op = model.GetOperation(m)!;
            output.WriteLine($"{op.Kind} parent {op.Parent}");
            var g = Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph.Create((Microsoft.CodeAnalysis.Operations.IMethodBodyOperation)op);
            foreach (var b in g.Blocks) { foreach (var o in b.Operations) foreach (var d in new[]{o}.Concat(o.Descendants())) output.WriteLine($"  {b.Ordinal} {d.Kind} {d.Syntax}"); output.WriteLine($"  {b.Ordinal} branch {b.BranchValue?.Kind} {b.ConditionKind} -> {b.ConditionalSuccessor?.Destination?.Ordinal} / {b.FallThroughSuccessor?.Destination?.Ordinal}"); }
        }
        Assert.Fail("probe");
    }
}
