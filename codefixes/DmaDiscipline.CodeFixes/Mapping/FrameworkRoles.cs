using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// The DMA roles of a compilation's symbols as the rules see them: the runtime's, its attributes' and
    /// those a symbols file (<c>DmaDiscipline.txt</c>, an additional file of the project) gives another
    /// framework's methods. A fixer registers the project's options before planning, so that a fix for a
    /// configured framework calls that framework's own unmap, check and sync methods.
    /// </summary>
    internal static class FrameworkRoles
    {
        private static readonly ConditionalWeakTable<Compilation, AnalyzerOptions> Options = new ConditionalWeakTable<Compilation, AnalyzerOptions>();

        private static readonly object Gate = new object();

        /// <summary>
        /// Records the options of <paramref name="compilation"/>'s project. Fixers run concurrently (the IDE's light bulb,
        /// Fix All on several documents) and register the same compilation: the replace is done under a lock
        /// (netstandard2.0 has no <c>AddOrUpdate</c>), else two of them race to <c>Add</c> and one throws.
        /// </summary>
        public static void Register(Compilation compilation, AnalyzerOptions options)
        {
            lock (Gate)
            {
                Options.Remove(compilation);
                Options.Add(compilation, options);
            }
        }

        public static DmaSymbols For(Compilation compilation, CancellationToken cancellationToken) =>
            DmaSymbols.Create(compilation, Options.TryGetValue(compilation, out var options) ? options : new AnalyzerOptions(System.Collections.Immutable.ImmutableArray<AdditionalText>.Empty), cancellationToken);

        public static DmaRole RolesOf(SemanticModel model, ISymbol? symbol, CancellationToken cancellationToken) =>
            For(model.Compilation, cancellationToken).RolesOf(symbol);

        /// <summary>
        /// Is <paramref name="invocation"/> a call with one of <paramref name="roles"/> (the runtime's or a configured framework's
        /// unmap, sync, free) whose first argument reads <paramref name="handle"/>: recognised by what the method is, not by its name.
        /// </summary>
        public static bool IsCallOn(SemanticModel model, InvocationExpressionSyntax invocation, DmaRole roles, string handle, CancellationToken cancellationToken) =>
            invocation.ArgumentList.Arguments.Count > 0
            && invocation.ArgumentList.Arguments[0].Expression.WithoutTrivia().ToString() == handle
            && (RolesOf(model, model.GetSymbolInfo(invocation, cancellationToken).Symbol, cancellationToken) & roles) != 0;

        /// <summary>The DMA API's own operations: the runtime's, or a configured framework's map, unmap, sync, check, alloc and free.</summary>
        private const DmaRole ApiRoles = DmaRole.Map | DmaRole.PersistentMap | DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice
            | DmaRole.MappingErrorCheck | DmaRole.CoherentAlloc | DmaRole.CoherentFree;

        /// <summary>
        /// Is <paramref name="invocation"/> a call of the DMA API (a method of the runtime's <c>DmaApi</c>, or one a symbols file
        /// gives a DMA API role): a handle passed to it stays with the driver; passed to anything else, it may be handed on.
        /// </summary>
        public static bool IsDmaApiCall(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            var method = model.GetSymbolInfo(invocation, cancellationToken).Symbol as IMethodSymbol;
            return method is not null
                && (RuntimeSymbols.Is(method.ContainingType, RuntimeSymbols.From(model.Compilation).DmaApi) || (RolesOf(model, method, cancellationToken) & ApiRoles) != 0);
        }

        /// <summary>
        /// Is <paramref name="invocation"/> a mapping-error check (the runtime's <c>MappingError</c> or a configured framework's
        /// <c>mapping-error-check</c>) with an argument that reads <paramref name="handle"/>: by role, as the analyzers recognise it.
        /// </summary>
        public static bool IsCheckOf(SemanticModel model, InvocationExpressionSyntax invocation, string handle, CancellationToken cancellationToken) =>
            invocation.ArgumentList.Arguments.Any(a => a.Expression.WithoutTrivia().ToString() == handle)
            && (RolesOf(model, model.GetSymbolInfo(invocation, cancellationToken).Symbol, cancellationToken) & DmaRole.MappingErrorCheck) != 0;

        /// <summary>Does <paramref name="condition"/> call a mapping-error check of <paramref name="handle"/> (<see cref="IsCheckOf"/>)?</summary>
        public static bool TestsCheckOf(SemanticModel model, ExpressionSyntax condition, string handle, CancellationToken cancellationToken) =>
            condition.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(c => IsCheckOf(model, c, handle, cancellationToken));
    }
}
