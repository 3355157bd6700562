using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// Fix All of one document in one pass. The first round applies the fixes the client asked for to the
    /// diagnostics it supplied (those reported on this version of the document). Then the document is
    /// analysed again, and each round applies the next fixes still on offer — where two fixes touched the
    /// same node, the one that waited; in preferred mode (<see cref="DmaFixer.PreferredKey"/>) also the other
    /// DMA rules' preferred fixes in a document the pass changed, so that a second pass (or the next rule's
    /// Fix All, run by <c>dotnet format</c> on diagnostics computed before this one) finds nothing left.
    /// Bounded: a fix that keeps producing diagnostics stops after <see cref="MaxRounds"/> rounds.
    /// </summary>
    internal static class FixAllRounds
    {
        private const int MaxRounds = 8;

        /// <summary>Every DMA fixer, addresses first, then the mapping life cycle (the order a developer would reach for them).</summary>
        private static readonly Lazy<DmaFixer[]> Fixers = new Lazy<DmaFixer[]>(() => new DmaFixer[]
        {
            new RawPhysicalAddressFixer(),
            new ForgedBusAddressFixer(),
            new MappingErrorCheckFixer(),
            new MismatchedUnmapOrSyncFixer(),
            new CpuAccessWhileDeviceOwnedFixer(),
            new MappingNotReleasedFixer(),
        });

        /// <summary>Every DMA fixer, in the order the rounds reach for them.</summary>
        internal static IReadOnlyList<DmaFixer> All => Fixers.Value;

        public static async Task<Document> FixAsync(DmaFixer requested, Document document, ImmutableArray<Diagnostic> supplied, string? equivalenceKey, CancellationToken cancellationToken)
        {
            var preferred = equivalenceKey is null || equivalenceKey.EndsWith(DmaFixer.PreferredSuffix, StringComparison.Ordinal);
            var original = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var current = await requested.ApplyAsync(document, supplied, equivalenceKey, cancellationToken).ConfigureAwait(false);
            for (var round = 0; round < MaxRounds; round++)
            {
                var text = await current.GetTextAsync(cancellationToken).ConfigureAwait(false);
                var everyRule = preferred && !text.ContentEquals(original);
                var fresh = await DiagnosticsAsync(current, cancellationToken).ConfigureAwait(false);
                var progressed = false;
                foreach (var fixer in new[] { requested }.Concat(everyRule ? Fixers.Value.Where(f => f.GetType() != requested.GetType()) : Enumerable.Empty<DmaFixer>()))
                {
                    var mine = fresh.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).ToImmutableArray();
                    if (mine.IsEmpty)
                    {
                        continue;
                    }

                    var key = fixer == requested ? equivalenceKey : null;
                    var next = await fixer.ApplyAsync(current, mine, key, cancellationToken).ConfigureAwait(false);
                    if (!(await next.GetTextAsync(cancellationToken).ConfigureAwait(false)).ContentEquals(text))
                    {
                        current = next;
                        progressed = true;
                        break; // the other rules' diagnostics were computed on the text before this change
                    }
                }

                if (!progressed)
                {
                    break;
                }
            }

            return current;
        }

        /// <summary>The DMA diagnostics of <paramref name="document"/> as it is now, with the project's options and additional files (the symbols file).</summary>
        internal static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var compilation = await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
            if (compilation is null || tree is null)
            {
                return ImmutableArray<Diagnostic>.Empty;
            }

            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new AddressProvenanceAnalyzer(), new MappingLifecycleAnalyzer());
            var withAnalyzers = compilation.WithAnalyzers(analyzers, document.Project.AnalyzerOptions);
            var diagnostics = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree), filterSpan: null, cancellationToken).ConfigureAwait(false);
            return diagnostics.Where(d => d.Location.SourceTree == tree && d.Severity != DiagnosticSeverity.Hidden && !d.IsSuppressed)
                .OrderBy(d => d.Location.SourceSpan.Start)
                .ToImmutableArray();
        }
    }
}
