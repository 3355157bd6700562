using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
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
        private readonly bool _verifyTreeWalk;

        /// <summary>The analyzer as the compiler loads it.</summary>
        public AddressProvenanceAnalyzer()
            : this(verifyTreeWalk: false)
        {
        }

        /// <summary>
        /// With <paramref name="verifyTreeWalk"/>, a body the tree walk follows is analysed over its
        /// graph too, and diagnostics that differ throw (an AD0001): the analyzer tests build their
        /// instances this way.
        /// </summary>
        internal AddressProvenanceAnalyzer(bool verifyTreeWalk) => _verifyTreeWalk = verifyTreeWalk;

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
                var symbols = DmaSymbols.Create(start.Compilation, start.Options, start.CancellationToken);
                if (!symbols.IsActive || symbols.CompilationIsPlatform)
                {
                    return;
                }

                var carriers = symbols.Carriers(start.CancellationToken);
                if (!carriers.UsesSinks)
                {
                    // Decided once: a project whose source uses no sink (one that references the runtime or carries a
                    // symbols file but does no DMA) has no body to analyse, so none is even handed to the prefilter.
                    return;
                }

                var summaries = new AddressSummaries(symbols, carriers.IsSinkName, start.CancellationToken);
                var verify = _verifyTreeWalk;
                start.RegisterCodeBlockAction(block => Analyze(block, symbols, carriers, summaries, verify));
            });
        }

        [MethodImpl(Jit.Optimized)]
        private static void Analyze(CodeBlockAnalysisContext context, DmaSymbols symbols, AddressCarriers carriers, AddressSummaries summaries, bool verifyTreeWalk)
        {
            // Text prefilter first: most of a driver never names both a device sink and something a
            // physical or forged address can come through, and then no operation tree is built.
            if (!carriers.MayReachSink(context.CodeBlock)
                || symbols.IsPlatformCode(context.OwningSymbol)
                || !(BodyAnalysis.RootOf(context) is { } root)
                || !HasSink(root, symbols, summaries))
            {
                return;
            }

            summaries.Offer(context.SemanticModel);

            // A structured body is followed over its operation tree, as its graph would be (the analysis
            // is a union of origins: monotone, so the walk sees the graph's states); its diagnostics are
            // held until the walk is known to have followed it to the end.
            var found = new List<Diagnostic>();
            var walk = new AddressFlow(symbols, summaries, context.OwningSymbol, summarise: false, found.Add);
            if (StructuredFlow.TryRun(root, walk))
            {
                walk.Flush();
                if (verifyTreeWalk)
                {
                    Verify(root, context.OwningSymbol, symbols, summaries, found);
                }

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
        /// The body, its lambdas and local functions, each over its control-flow graph. A graph the
        /// solver cannot finish reports none of its findings (never a part of them); <paramref name="gaveUp"/>
        /// hears of it, and of functions nested too deep to be analysed, with the limit hit.
        /// </summary>
        private static void OverGraphs(IOperation root, ISymbol owner, DmaSymbols symbols, AddressSummaries summaries, System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken, System.Action<ISymbol, string>? gaveUp)
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

        private static void Verify(IOperation root, ISymbol owner, DmaSymbols symbols, AddressSummaries summaries, List<Diagnostic> walked)
        {
            var graphed = new List<Diagnostic>();
            var gaveUp = false;
            OverGraphs(root, owner, symbols, summaries, graphed.Add, default, (_, _) => gaveUp = true);
            if (gaveUp)
            {
                // A body past the graph's limits is what the tree walk is for: nothing to compare.
                return;
            }

            static string Describe(List<Diagnostic> diagnostics) =>
                string.Join("; ", diagnostics.Select(d => d.Id + "@" + d.Location.SourceSpan + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(text => text, System.StringComparer.Ordinal));
            if (Describe(walked) != Describe(graphed))
            {
                throw new System.InvalidOperationException($"StructuredFlow and the graph differ on DMA001/DMA008: walk [{Describe(walked)}], graph [{Describe(graphed)}]");
            }
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
                }
            }

            return false;
        }
    }
}
