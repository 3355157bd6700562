using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Flow;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// DMA001 (a raw physical address reaches a device-visible sink) and DMA008 (a bus address forged
    /// outside the DMA API is given to a device or to unmap/sync): where an address came from.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class AddressProvenanceAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA001, Descriptors.DMA008);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is not analysed. Diagnostics are not filtered again: they only ever fall in
            // the analysed (so not generated) body, and the driver's filter would scan the whole tree for
            // [GeneratedCode] declarations on the first diagnostic in each file.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = DmaSymbols.Create(start.Compilation, start.Options, start.CancellationToken);
                if (!symbols.IsActive || symbols.CompilationIsPlatform)
                {
                    return;
                }

                var summaries = new AddressSummaries(symbols, start.CancellationToken);
                var carriers = symbols.Carriers(start.CancellationToken);
                start.RegisterCodeBlockAction(block => Analyze(block, symbols, carriers, summaries));
            });
        }

        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, AddressCarriers carriers, AddressSummaries summaries)
        {
            // Text prefilter first: most of a driver never names both a device sink and something a
            // physical or forged address can come through, and then no operation tree is built.
            if (!carriers.MayReachSink(context.CodeBlock)
                || symbols.IsPlatformCode(context.OwningSymbol)
                || !(BodyAnalysis.RootOf(context) is { } root)
                || !HasSink(root, symbols))
            {
                return;
            }

            summaries.Offer(context.SemanticModel);
            BodyAnalysis.ForEachGraph(root, context.OwningSymbol, context.CancellationToken, (graph, owner) =>
            {
                var flow = new AddressFlow(symbols, summaries, owner, summarise: false, context.ReportDiagnostic);
                FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow);
            });
        }

        /// <summary>Cheap pre-scan: without a device-visible sink or an unmap/sync there is nothing to report.</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool HasSink(IOperation root, DmaSymbols symbols)
        {
            foreach (var operation in root.Descendants())
            {
                switch (operation)
                {
                    case IArgumentOperation argument when argument.Parameter is not null && symbols.IsBusSinkParameter(argument.Parameter):
                        return true;
                    case IInvocationOperation invocation when (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice)) != 0:
                        return true;
                    case IObjectCreationOperation creation when symbols.IsBusAddressType(creation.Type):
                        return true;
                    case IAssignmentOperation assignment when assignment.Target is IMemberReferenceOperation member && symbols.IsBusSinkMember(member.Member):
                        return true;
                }
            }

            return false;
        }
    }
}
