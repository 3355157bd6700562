using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA002–DMA006 and DMA007 on a project that references the runtime but names no map or alloc anywhere:
/// no body action is registered (nothing for the compiler to hand over, body by body); one body that maps,
/// and every body is handed over as before (DMA007 also needs a physical source named somewhere).
/// </summary>
public sealed class MappingPrefilterTests
{
    [Theory]
    // References the runtime, uses its buffers, maps nothing.
    [InlineData("namespace Emu { public sealed class Cpu { public int Step(DmaDiscipline.Runtime.KBuffer ram) => ram.Length; } }", 0, 0)]
    // One body maps (and leaks): the bodies are handed over, and the leak is reported.
    [InlineData("namespace Emu { public sealed class Cpu { public int Step(DmaDiscipline.Runtime.KBuffer ram) => ram.Length; "
        + "public void Dma(DmaDiscipline.Runtime.DmaApi dma, DmaDiscipline.Runtime.KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDiscipline.Runtime.DmaDirection.ToDevice); } } }", 1, 1)]
    public async Task A_project_that_names_no_map_registers_no_body_analysis(string source, int codeBlockActions, int diagnostics)
    {
        var compilation = CSharpCompilation.Create("Emu", [CSharpSyntaxTree.ParseText(source)], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var analyzer = new MappingLifecycleAnalyzer();
        var run = compilation.WithAnalyzers([analyzer]);
        Assert.Equal(diagnostics, (await run.GetAnalyzerDiagnosticsAsync()).Count(d => d.Id == "DMA002"));
        Assert.Equal(codeBlockActions, (await run.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).CodeBlockActionsCount);
    }

    [Theory]
    [InlineData("namespace Emu { public sealed class Cpu { public int Step(DmaDiscipline.Runtime.KBuffer ram) => ram.Length; } }", 0)]
    // Maps somewhere, and names a physical address somewhere else: bodies are handed over.
    [InlineData("namespace Emu { public sealed class Cpu { public ulong Step(DmaDiscipline.Runtime.KBuffer ram) => ram.PhysicalAddress.Value; "
        + "public void Dma(DmaDiscipline.Runtime.DmaApi dma, DmaDiscipline.Runtime.KBuffer b) { var a = dma.MapSingle(b, 0, 64, DmaDiscipline.Runtime.DmaDirection.ToDevice); } } }", 1)]
    public async Task DMA007_registers_no_body_analysis_without_both_a_map_and_a_physical_source(string source, int codeBlockActions)
    {
        var compilation = CSharpCompilation.Create("Emu", [CSharpSyntaxTree.ParseText(source)], await DriverCompilation.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var analyzer = new TranslationDecisionAnalyzer();
        var run = compilation.WithAnalyzers([analyzer]);
        Assert.Empty(await run.GetAnalyzerDiagnosticsAsync());
        Assert.Equal(codeBlockActions, (await run.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).CodeBlockActionsCount);
    }
}
