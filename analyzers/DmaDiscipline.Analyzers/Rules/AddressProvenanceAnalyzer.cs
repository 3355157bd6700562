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
    /// DMA001 (a raw physical address reaches a device-visible sink) and DMA008 (a bus address forged
    /// outside the DMA API is given to a device or to unmap/sync): where an address came from.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class AddressProvenanceAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA001, Descriptors.DMA008, Descriptors.DMA903);

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
                    start.RegisterCodeBlockAction(block => Analyze(block, prepared.Symbols, prepared.Carriers, prepared.Summaries));
                }
            });
        }

        /// <summary>
        /// What the rules need of a compilation, resolved once at its start; null when no body of it can be
        /// reported (a project whose source uses no sink, or the platform's own code): then no body action is
        /// registered, and no body is even handed to the prefilter.
        /// </summary>
        internal static (DmaSymbols Symbols, AddressCarriers Carriers, AddressSummaries Summaries)? Prepare(Compilation compilation, AnalyzerOptions options, System.Threading.CancellationToken cancellationToken)
        {
            var symbols = DmaSymbols.Create(compilation, options, cancellationToken);
            if (!symbols.IsActive || symbols.CompilationIsPlatform)
            {
                return null;
            }

            var carriers = symbols.Carriers(cancellationToken);
            return carriers.UsesSinks ? (symbols, carriers, new AddressSummaries(symbols, carriers.IsSinkName, cancellationToken)) : null;
        }

        /// <summary>
        /// The body's operation tree when the rules look at it at all: the text prefilter first (most of a driver
        /// never names both a device sink and something a physical or forged address can come through, and then no
        /// operation tree is built), platform code skipped, then a pre-scan for a sink. The body's semantic model is
        /// offered to the summaries.
        /// </summary>
        internal static IOperation? RootToAnalyse(CodeBlockAnalysisContext context, DmaSymbols symbols, AddressCarriers carriers, AddressSummaries summaries)
        {
            if (!carriers.MayReachSink(context.CodeBlock)
                || symbols.IsPlatformCode(context.OwningSymbol)
                || !(BodyAnalysis.RootOf(context) is { } root)
                || !HasSink(root, symbols, summaries))
            {
                return null;
            }

            summaries.Offer(context.SemanticModel);
            return root;
        }

        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, AddressCarriers carriers, AddressSummaries summaries)
        {
            if (!(RootToAnalyse(context, symbols, carriers, summaries) is { } root))
            {
                return;
            }

            // A structured body is followed over its operation tree, as its graph would be (the analysis
            // is a union of origins: monotone, so the walk sees the graph's states); its diagnostics are
            // held until the walk is known to have followed it to the end.
            if (Walk(root, context.OwningSymbol, symbols, summaries) is { } found)
            {
                foreach (var diagnostic in found)
                {
                    context.ReportDiagnostic(diagnostic);
                }

                return;
            }

            var block = context.CodeBlock;
            OverGraphs(root, context.OwningSymbol, symbols, summaries, context.ReportDiagnostic, context.CancellationToken,
                (owner, reason) => context.ReportDiagnostic(BodyAnalysis.NotAnalysed(Descriptors.DMA903, block, owner, "DMA001/DMA008", reason)));
        }

        /// <summary>
        /// The body followed over its operation tree (<see cref="StructuredFlow"/>): its findings once the walk has
        /// followed it to the end, null when it does not follow the body (then its graphs are analysed).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        internal static List<Diagnostic>? Walk(IOperation root, ISymbol owner, DmaSymbols symbols, AddressSummaries summaries)
        {
            var found = new List<Diagnostic>();
            var walk = new AddressFlow(symbols, summaries, owner, summarise: false, found.Add);
            if (!StructuredFlow.TryRun(root, walk))
            {
                return null;
            }

            walk.Flush();
            return found;
        }

        /// <summary>
        /// The body, its lambdas and local functions, each over its control-flow graph. A graph the
        /// solver cannot finish reports none of its findings (never a part of them); <paramref name="gaveUp"/>
        /// hears of it, and of functions nested too deep to be analysed, with the limit hit.
        /// </summary>
        internal static void OverGraphs(IOperation root, ISymbol owner, DmaSymbols symbols, AddressSummaries summaries, System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken, System.Action<ISymbol, string>? gaveUp)
        {
            BodyAnalysis.ForEachGraph(
                root,
                owner,
                cancellationToken,
                (graph, analysed) =>
                {
                    var found = new List<Diagnostic>();
                    var flow = new AddressFlow(symbols, summaries, analysed, summarise: false, found.Add);
                    if (FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow, out var limit))
                    {
                        flow.Flush();
                        found.ForEach(report);
                    }
                    else
                    {
                        gaveUp?.Invoke(analysed, limit ?? "the dataflow gave up");
                    }
                },
                gaveUp);
        }

        /// <summary>A store through a pointer, into a span's element or through a reference (a <c>ref</c> local, <c>MemoryMarshal.AsRef</c>): a sink when the memory is a device's.</summary>
        private static bool StoresThroughMemory(IOperation target) =>
            target.Kind == OperationKind.None
            || (target is IFieldReferenceOperation { Instance: { } instance } && StoresThroughMemory(instance))
            || (target is IPropertyReferenceOperation { Instance: not null } indexer && indexer.Property.IsIndexer && indexer.Property.ReturnsByRef)
            || target is ILocalReferenceOperation { Local.IsRef: true }
            || (target is IInvocationOperation { TargetMethod.ReturnsByRef: true } call
                && MemoryAccessors.Of(call.TargetMethod) is MemoryAccessor.Unsafe or MemoryAccessor.MemoryMarshal);

        /// <summary>Cheap pre-scan: without a device-visible sink, an unmap/sync or a call that may lead to one, there is nothing to report.</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool HasSink(IOperation root, DmaSymbols symbols, AddressSummaries summaries)
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
                    case IInvocationOperation call when summaries.MayReachSink(call.TargetMethod):
                        return true;
                    case IObjectCreationOperation creation when creation.Constructor is { } constructor && summaries.MayReachSink(constructor):
                        return true;
                    case IAssignmentOperation assignment when assignment.Target is IPropertyReferenceOperation property
                        && property.Property.SetMethod is { } setter && summaries.MayReachSink(setter):
                        return true;
                    case IAssignmentOperation assignment when StoresThroughMemory(assignment.Target):
                        return true;
                    case IInvocationOperation call when DeviceWrites.IsStore(call.TargetMethod, out _, out _):
                        return true;
                    case IInvocationOperation call when DeviceWrites.IsCopy(call.TargetMethod, call.Instance is not null, out _):
                        return true;
                }
            }

            return false;
        }
    }
}
