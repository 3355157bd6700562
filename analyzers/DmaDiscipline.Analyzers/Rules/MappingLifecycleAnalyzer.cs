using System.Collections.Generic;
using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// The life of a streaming mapping or coherent buffer inside one body: DMA002 (not released on
    /// some path), DMA003 (used before the mapping-error check), DMA004 (unmap/sync differing from
    /// the map), DMA005 (CPU access while the device owns the buffer), DMA006 (use after release).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MappingLifecycleAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.DMA002, Descriptors.DMA003, Descriptors.DMA004, Descriptors.DMA005, Descriptors.DMA006);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = DmaSymbols.Create(start.Compilation, start.Options, start.CancellationToken);
                if (!symbols.IsActive || symbols.CompilationIsPlatform)
                {
                    return;
                }

                start.RegisterOperationBlockAction(block => Analyze(block, symbols));
            });
        }

        private static void Analyze(OperationBlockAnalysisContext context, DmaSymbols symbols)
        {
            if (symbols.IsPlatformCode(context.OwningSymbol))
            {
                return;
            }

            var seen = new HashSet<Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph>();
            foreach (var block in context.OperationBlocks)
            {
                if (!BodyAnalysis.IsRoot(block) || !MapsSomething(block, symbols))
                {
                    continue;
                }

                BodyAnalysis.ForEachGraph(context, block, seen, (graph, owner) =>
                {
                    var flow = new MappingFlow(symbols, context.ReportDiagnostic);
                    FlowSolver<MappingState>.Run(graph, flow);
                });
            }
        }

        /// <summary>Cheap pre-scan: every rule here starts from a map or coherent alloc in the same body.</summary>
        private static bool MapsSomething(IOperation root, DmaSymbols symbols)
        {
            foreach (var operation in root.Descendants())
            {
                if (operation is IInvocationOperation invocation && (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
