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
    }
}
