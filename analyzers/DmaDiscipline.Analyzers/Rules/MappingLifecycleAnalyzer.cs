using System.Collections.Generic;
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
    /// The life of a streaming mapping or coherent buffer inside one body: DMA002 (not released on
    /// some path), DMA003 (used before the mapping-error check), DMA004 (unmap/sync differing from
    /// the map), DMA005 (CPU access while the device owns the buffer), DMA006 (use after release).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MappingLifecycleAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.DMA002, Descriptors.DMA003, Descriptors.DMA004, Descriptors.DMA005, Descriptors.DMA006, Descriptors.DMA902);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            // Generated code is not analysed. Diagnostics are not filtered again: they only ever fall in
            // the analysed (so not generated) body, and the driver's filter would scan the whole tree for
            // [GeneratedCode] declarations on the first diagnostic in each file.
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                if (Prepare(start.Compilation, start.Options, start.CancellationToken) is { } prepared)
                {
                    start.RegisterCodeBlockAction(block => Analyze(block, prepared.Symbols, prepared.Names, prepared.Summaries));
                }
            });
        }

        /// <summary>
        /// What the rules need of a compilation, resolved once at its start; null when no body of it can make a
        /// mapping (a project that does no DMA, or the platform's own code), and then no body action is registered.
        /// </summary>
        internal static (DmaSymbols Symbols, InterestingNames Names, MappingSummaries Summaries)? Prepare(Compilation compilation, AnalyzerOptions options, System.Threading.CancellationToken cancellationToken)
        {
            var symbols = DmaSymbols.Create(compilation, options, cancellationToken);
            if (!symbols.IsActive || symbols.CompilationIsPlatform)
            {
                return null;
            }

            var names = symbols.Names(cancellationToken);
            if (!names.SourceNamesMapping(cancellationToken) && !names.SourceNamesRelease(cancellationToken))
            {
                // No source names a map or alloc, so no body can make a mapping (nor can a helper of this
                // compilation: a maker's body names one), nor a release: no body action at all, as on a project that does no DMA.
                return null;
            }

            return (symbols, names, new MappingSummaries(symbols, names.Mapping, cancellationToken));
        }

        /// <summary>
        /// The body's operation tree when the rules here look at it at all: the token prefilter first (every rule
        /// starts at a map or alloc named in the body, or a call of a method whose body names one, or a release:
        /// DMA006 follows a handle mapped elsewhere from its release), then platform
        /// code is skipped. The body's semantic model is offered to the summaries.
        /// </summary>
        internal static IOperation? RootToAnalyse(CodeBlockAnalysisContext context, DmaSymbols symbols, MappingSummaries summaries)
        {
            if (!(InterestingNames.Mentions(context.CodeBlock, summaries.MapOrMakerWords)
                    || InterestingNames.Mentions(context.CodeBlock, symbols.Names(context.CancellationToken).ReleaseWords))
                || symbols.IsPlatformCode(context.OwningSymbol)
                || !(BodyAnalysis.RootOf(context) is { } root))
            {
                return null;
            }

            summaries.Offer(context.SemanticModel);
            return root;
        }

        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, InterestingNames names, MappingSummaries summaries)
        {
            // A body the tree walk follows needs no other check (without a map it is quiet); before a graph is
            // built, the body must call a map or alloc, or a helper that makes a mapping (its lambdas included).
            if (!(RootToAnalyse(context, symbols, summaries) is { } root))
            {
                return;
            }

            // The tree walk runs once: a body it follows and finds quiet is done; what it finds in a body whose
            // graph the graph walk cannot take, or would report the same, is reported as it stands, without walking the tree again.
            var walked = Walk(root, context.OwningSymbol, symbols, summaries, out var graphBlocksAtLeast, out var asGraph);
            if (walked is { Count: 0 })
            {
                return;
            }

            if (!MapsSomething(root, symbols, names, summaries))
            {
                return;
            }

            if (walked is not null && (asGraph || graphBlocksAtLeast > FlowSolver<MappingState>.MaxBlocks))
            {
                // The graph walk would report the same (messages included), or give up on this body: its graph
                // (whose building grows faster than the body) is not built, and the tree walk's findings are reported.
                walked.ForEach(context.ReportDiagnostic);
                return;
            }

            BodyAnalysis.ForEachGraph(
                root,
                context.OwningSymbol,
                context.CancellationToken,
                (graph, owner) =>
                {
                    // The graph's findings are reported only once its run is complete, never in part.
                    var found = new List<Diagnostic>();
                    if (FlowSolver<MappingState>.Run(graph, new MappingFlow(symbols, found.Add, owner as IMethodSymbol, root.SemanticModel, summaries), out var limit))
                    {
                        found.ForEach(context.ReportDiagnostic);
                        return;
                    }

                    // The tree walk follows structured bodies of any size the graph gives up on (its
                    // exits are named as the tree has them); anything else is said, not dropped.
                    // Its findings were held until it had followed the whole body.
                    if (ReferenceEquals(owner, context.OwningSymbol) && walked is not null)
                    {
                        walked.ForEach(context.ReportDiagnostic);
                        return;
                    }

                    NotAnalysed(context, owner, limit ?? "the dataflow gave up");
                },
                (owner, reason) => NotAnalysed(context, owner, reason));
        }

        /// <summary>DMA902 on a member (or lambda, local function) whose body the rules here could not follow.</summary>
        private static void NotAnalysed(CodeBlockAnalysisContext context, ISymbol owner, string reason) =>
            context.ReportDiagnostic(BodyAnalysis.NotAnalysed(Descriptors.DMA902, context.CodeBlock, owner, "DMA002-DMA006", reason));

        /// <summary>
        /// The dataflow walked over the operation tree of a structured body (statements, <c>if</c>, loops,
        /// <c>switch</c>, <c>try</c>/<c>finally</c>, <c>?:</c>: see <see cref="StructuredFlow"/>): its findings
        /// once it has followed the whole body, none when it is quiet (then the graph would report nothing
        /// either, and is not built: most mapping bodies of a driver), null when it does not follow the body.
        /// </summary>
        internal static List<Diagnostic>? Walk(IOperation root, ISymbol? owner, DmaSymbols symbols, MappingSummaries? summaries = null) =>
            Walk(root, owner, symbols, summaries, out _, out _);

        /// <summary>
        /// The walk, a lower bound on the blocks of the body's graph (counted by the walk; 0 when it does not follow
        /// the body), and whether its findings are those the graph walk would report, messages included
        /// (<paramref name="asGraph"/>): a body without loop, <c>try</c> or <c>switch</c>, whose graph is visited in the
        /// walk's order, where every exit is one both name by the same operation (a <c>return</c> of a value, a <c>throw</c>)
        /// (<see cref="MappingFlow.ExitsNamedByValue"/>).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        internal static List<Diagnostic>? Walk(IOperation root, ISymbol? owner, DmaSymbols symbols, MappingSummaries? summaries, out int graphBlocksAtLeast, out bool asGraph)
        {
            var found = new List<Diagnostic>();
            var flow = new MappingFlow(symbols, found.Add, owner as IMethodSymbol, root.SemanticModel, summaries);
            var followed = StructuredFlow.TryRun(root, flow, out graphBlocksAtLeast, out var forwardOnly);
            asGraph = followed && forwardOnly && flow.ExitsNamedByValue;
            return followed ? found : null;
        }

        /// <summary>Pre-scan before a graph: every rule here starts from a map or coherent alloc in the same body, or a release (DMA006 of a handle mapped elsewhere).</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool MapsSomething(IOperation root, DmaSymbols symbols, InterestingNames names, MappingSummaries summaries)
        {
            foreach (var operation in root.Descendants())
            {
                // The name first: a role is looked up only for a call named like a map or alloc, a
                // summary only for a call named like a method whose body names one.
                if (operation is IInvocationOperation invocation
                    && ((names.Mapping.Contains(invocation.TargetMethod.Name) && (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0)
                        || (names.Release.Contains(invocation.TargetMethod.Name) && (symbols.RolesOf(invocation.TargetMethod) & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0)
                        || (invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke && invocation.Instance is IFieldReferenceOperation delegateField
                            && summaries.MakerNames.Contains(delegateField.Field.Name) && summaries.LambdaOfField(delegateField.Field) is not null)
                        || (summaries.MakerNames.Contains(invocation.TargetMethod.Name) && summaries.Of(invocation.TargetMethod, null) is { } summary
                            && (summary.Returns is not null || summary.Outs.Count > 0 || summary.ReturnsElements.Count > 0 || summary.Yields is not null))))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
