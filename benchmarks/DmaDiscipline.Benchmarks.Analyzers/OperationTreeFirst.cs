using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Builds each code block's operation tree before the DMA analyzers ask for it: run first and timed on its own
/// (<see cref="CpuTimedAnalyzer"/>), it takes the binding and the tree the first DMA analyzer to ask would pay for in
/// its callback — Roslyn's work, which grows as the compiler's own does — so that the DMA analyzers' time is their
/// own work. The semantic model (and its tree) is the one the analyzer driver hands to every analyzer.
/// </summary>
#pragma warning disable RS1001 // the benchmark's own, never loaded by a compiler
public sealed class OperationTreeFirst : DiagnosticAnalyzer
#pragma warning restore RS1001
{
    // Never reported: the analyzer driver runs no callback of an analyzer that supports no diagnostic.
#pragma warning disable RS2008 // not shipped
    private static readonly DiagnosticDescriptor Unused = new("BENCH0001", "operation tree built", "operation tree built", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);
#pragma warning restore RS2008

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Unused);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCodeBlockAction(block => block.SemanticModel.GetOperation(block.CodeBlock, block.CancellationToken));
    }
}
