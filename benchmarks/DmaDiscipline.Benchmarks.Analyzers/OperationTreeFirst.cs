using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Builds each code block's operation tree before the DMA analyzers ask for it: run first and timed on its own
/// (<see cref="CpuTimedAnalyzer"/>), it takes the binding and the tree the first DMA analyzer to ask would pay for in
/// its callback — Roslyn's work, which grows as the compiler's own does — so that the DMA analyzers' time is their
/// own work; and it promotes that tree out of the young generations, which the collections in the DMA analyzers'
/// callbacks would otherwise copy. The semantic model (and its tree) is the one the analyzer driver hands to every analyzer.
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
        context.RegisterCodeBlockAction(block =>
        {
            block.SemanticModel.GetOperation(block.CodeBlock, block.CancellationToken);
            if (block.OwningSymbol is IMethodSymbol { MethodKind: MethodKind.Ordinary })
            {
                // The method's tree (and the binding behind it) lives as long as the semantic model. Left young, it was
                // copied to the older generations by the collections that the DMA analyzers' allocations set off, in their
                // callbacks' time: one collection more or less in a callback (a budget crossed or not) made single steps
                // of their own work jump, with the size of Roslyn's tree. Promoted here to the oldest generation, by the
                // two collections that would otherwise do it (a collection of generation 1 moves what survives it one
                // generation up), it is copied in this callback's time, and their collections copy what they made.
                GC.Collect(1, GCCollectionMode.Forced, blocking: true);
                GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            }
        });
    }
}
