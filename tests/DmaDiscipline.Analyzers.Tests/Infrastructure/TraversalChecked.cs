using System.Collections.Immutable;
using System.Globalization;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

// A wrapper built by the tests around a shipped analyzer, never loaded by a compiler: the wrapped analyzer declares
// its attribute and configures generated code and concurrency.
#pragma warning disable RS1001, RS1025, RS1026

/// <summary>
/// A shipped analyzer as the compiler loads it, plus a check of its two traversals on every body it
/// looks at: the rule tests are the catalogue of shapes the tree walk and the control-flow graph must
/// agree on. A body DMA002–DMA006 find quiet over its tree is analysed over its graph as well, and a
/// diagnostic there throws; a body DMA001/DMA008 follow over their tree is analysed over its graphs too,
/// and diagnostics that differ throw. Either is an AD0001 the test fails on. The check lives here, built
/// from the analyzers' own entry points, so the shipped analyzers carry no switch for it.
/// </summary>
internal sealed class TraversalChecked : DiagnosticAnalyzer
{
    private readonly DiagnosticAnalyzer _rule;

    private TraversalChecked(DiagnosticAnalyzer rule) => _rule = rule;

    /// <summary>The analyzer the tests run for <typeparamref name="TAnalyzer"/>: checked where it has two traversals.</summary>
    public static DiagnosticAnalyzer Create<TAnalyzer>()
        where TAnalyzer : DiagnosticAnalyzer, new() =>
        typeof(TAnalyzer) == typeof(MappingLifecycleAnalyzer) || typeof(TAnalyzer) == typeof(AddressProvenanceAnalyzer)
            ? new TraversalChecked(new TAnalyzer())
            : new TAnalyzer();

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => _rule.SupportedDiagnostics;

    public override void Initialize(AnalysisContext context)
    {
        // The rule configures the context as it ships (concurrent, generated code not analysed).
        _rule.Initialize(context);
        context.RegisterCompilationStartAction(start =>
        {
            if (_rule is MappingLifecycleAnalyzer
                && MappingLifecycleAnalyzer.Prepare(start.Compilation, start.Options, start.CancellationToken) is { } mapping)
            {
                start.RegisterCodeBlockAction(block => CheckQuiet(block, mapping.Symbols, mapping.Summaries));
            }

            if (_rule is AddressProvenanceAnalyzer
                && AddressProvenanceAnalyzer.Prepare(start.Compilation, start.Options, start.CancellationToken) is { } address)
            {
                start.RegisterCodeBlockAction(block => CheckSame(block, address.Symbols, address.Carriers, address.Summaries));
            }
        });
    }

    /// <summary>
    /// DMA002–DMA006: a body the tree walk finds quiet is quiet over its graphs too; a body whose findings the walk
    /// says are the graph's (reported without building the graph) gets the same findings over its graph, messages included.
    /// </summary>
    private static void CheckQuiet(CodeBlockAnalysisContext context, DmaSymbols symbols, MappingSummaries summaries)
    {
        if (MappingLifecycleAnalyzer.RootToAnalyse(context, symbols, summaries) is not { } root
            || MappingLifecycleAnalyzer.Walk(root, context.OwningSymbol, symbols, summaries, out _, out var asGraph) is not { } walked)
        {
            return;
        }

        if (walked.Count > 0)
        {
            if (asGraph)
            {
                var graphed = new List<Diagnostic>();
                var complete = true;
                BodyAnalysis.ForEachGraph(root, context.OwningSymbol, context.CancellationToken, (graph, analysed) =>
                    complete &= FlowSolver<MappingState>.Run(graph, new MappingFlow(symbols, graphed.Add, analysed as IMethodSymbol, root.SemanticModel, summaries)));

                // A body past the graph's limits is what the tree walk is for: nothing to compare.
                if (complete && Describe(walked) != Describe(graphed))
                {
                    throw new InvalidOperationException($"StructuredFlow reported for the graph, and the two differ on DMA002-DMA006: walk [{Describe(walked)}], graph [{Describe(graphed)}]");
                }
            }

            return;
        }

        BodyAnalysis.ForEachGraph(root, context.OwningSymbol, context.CancellationToken, (graph, analysed) =>
            FlowSolver<MappingState>.Run(graph, new MappingFlow(symbols, diagnostic =>
                throw new InvalidOperationException($"StructuredFlow passed a body the graph reports {diagnostic.Id} in: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}"),
                analysed as IMethodSymbol, root.SemanticModel, summaries)));
    }

    /// <summary>DMA001/DMA008: a body the tree walk follows gets the same findings over its graphs.</summary>
    private static void CheckSame(CodeBlockAnalysisContext context, DmaSymbols symbols, AddressCarriers carriers, AddressSummaries summaries)
    {
        if (AddressProvenanceAnalyzer.RootToAnalyse(context, symbols, carriers, summaries) is not { } root
            || AddressProvenanceAnalyzer.Walk(root, context.OwningSymbol, symbols, summaries) is not { } walked)
        {
            return;
        }

        var graphed = new List<Diagnostic>();
        var gaveUp = false;
        AddressProvenanceAnalyzer.OverGraphs(root, context.OwningSymbol, symbols, summaries, graphed.Add, context.CancellationToken, (_, _) => gaveUp = true);
        if (gaveUp)
        {
            // A body past the graph's limits is what the tree walk is for: nothing to compare.
            return;
        }

        if (Describe(walked) != Describe(graphed))
        {
            throw new InvalidOperationException($"StructuredFlow and the graph differ on DMA001/DMA008: walk [{Describe(walked)}], graph [{Describe(graphed)}]");
        }
    }

    private static string Describe(List<Diagnostic> diagnostics) =>
        string.Join("; ", diagnostics.Select(d => d.Id + "@" + d.Location.SourceSpan + ": " + d.GetMessage(CultureInfo.InvariantCulture)).OrderBy(text => text, StringComparer.Ordinal));
}
