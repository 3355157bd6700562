using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// The shape every DMA fixer shares: a rule plans a fix per diagnostic against the original tree;
    /// one fix or many (Fix All in a document, project or solution) are applied by one
    /// <see cref="DocumentEditor"/> per document, deduplicated by target, then usings are added only
    /// where a new name needs one, names are simplified and only the new code is formatted, its line
    /// breaks in the document's own end-of-line.
    /// A fixer never throws: a diagnostic it cannot plan for gets no fix.
    /// </summary>
    public abstract class DmaFixer : CodeFixProvider
    {
        /// <summary>
        /// The equivalence key suffix of a diagnostic's preferred fix (<c>DMA001.Preferred</c>): every diagnostic's first
        /// fix carries it, so Fix All of it applies each site's own preferred fix; an alternative keeps its own key and
        /// Fix All of it applies that alternative where it is offered.
        /// </summary>
        public const string PreferredSuffix = ".Preferred";

        /// <summary>The key of <paramref name="ruleId"/>'s preferred fix.</summary>
        public static string PreferredKey(string ruleId) => ruleId + PreferredSuffix;

        /// <summary>
        /// Sees every failure a fixer absorbs (a plan that throws, an edit that cannot be merged). The fixer's behaviour
        /// does not change: the diagnostic still gets no fix. The observer flows with the async context, so whoever sets
        /// it (a test, a Fix All pipeline) sees the failures of its own fixes only.
        /// </summary>
        internal static readonly AsyncLocal<Action<Exception>?> AbsorbedFailures = new AsyncLocal<Action<Exception>?>();

        /// <summary>One Fix All for every DMA rule: each site's preferred fix (or the alternative asked for), re-analysing until nothing is left (see <see cref="FixAllRounds"/>).</summary>
        public sealed override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await FixAllRounds.FixAsync(this, document, diagnostics, context.CodeActionEquivalenceKey, context.CancellationToken).ConfigureAwait(false));

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (model is null || root is null)
            {
                return;
            }

            Mapping.FrameworkRoles.Register(model.Compilation, context.Document.Project.AnalyzerOptions);

            foreach (var diagnostic in context.Diagnostics)
            {
                var document = context.Document;
                var site = diagnostic;
                var plans = SafePlans(model, root, diagnostic, context.CancellationToken);
                if (plans.Count == 0 && await InBlockBodyAsync(document, model, root, ImmutableArray.Create(diagnostic), context.CancellationToken).ConfigureAwait(false) is { } blocked
                    && blocked.Diagnostics[0] is { } moved)
                {
                    // The site is in an expression body: the same fixes, planned on the member given a block body.
                    document = blocked.Document;
                    site = moved;
                    plans = SafePlans(blocked.Model, blocked.Root, moved, context.CancellationToken);
                }

                var first = true;
                foreach (var plan in plans)
                {
                    var fixing = document;
                    var fixedSite = site;
                    var key = first ? PreferredKey(diagnostic.Id) : plan.EquivalenceKey;
                    first = false;
                    context.RegisterCodeFix(
                        CodeAction.Create(plan.Title, ct => ApplyAsync(fixing, ImmutableArray.Create(fixedSite), key, ct), key),
                        diagnostic);
                }
            }
        }

        /// <summary>
        /// <paramref name="document"/> with the expression bodies holding <paramref name="diagnostics"/> that have no
        /// plan given block bodies (<see cref="ExpressionBodies"/>), analysed again, and each diagnostic as reported there
        /// (null where it is not reported again); null when no such diagnostic is in an expression body, or when none of
        /// them gets a plan on its block (then nothing is rewritten: a member is given a block only for a fix).
        /// </summary>
        private async Task<(Document Document, SemanticModel Model, SyntaxNode Root, Diagnostic?[] Diagnostics)?> InBlockBodyAsync(
            Document document, SemanticModel model, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            try
            {
                return await InBlockBodyCoreAsync(document, model, root, diagnostics, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                // As for a plan: code the rewrite cannot handle gets no fix, never a failure in the IDE.
                AbsorbedFailures.Value?.Invoke(ex);
                return null;
            }
        }

        private async Task<(Document Document, SemanticModel Model, SyntaxNode Root, Diagnostic?[] Diagnostics)?> InBlockBodyCoreAsync(
            Document document, SemanticModel model, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var needBlock = diagnostics.Select(d =>
                ExpressionBodies.Holding(root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true)) is not null
                && SafePlans(model, root, d, cancellationToken).Count == 0).ToList();
            if (!needBlock.Contains(true) || !(await ToBlocksAsync(document, model, root, diagnostics, needBlock, cancellationToken).ConfigureAwait(false) is { } blocked))
            {
                return null;
            }

            // Only the members whose site a fix can then be planned for keep their blocks.
            var planned = needBlock.Select((need, i) => need && blocked.Diagnostics[i] is { } moved && SafePlans(blocked.Model, blocked.Root, moved, cancellationToken).Count > 0).ToList();
            if (!planned.Contains(true))
            {
                return null;
            }

            return planned.SequenceEqual(needBlock) ? blocked : await ToBlocksAsync(document, model, root, diagnostics, planned, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<(Document Document, SemanticModel Model, SyntaxNode Root, Diagnostic?[] Diagnostics)?> ToBlocksAsync(
            Document document, SemanticModel model, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, IReadOnlyList<bool> needBlock, CancellationToken cancellationToken)
        {
            var spans = diagnostics.Select(d => d.Location.SourceSpan).ToList();
            if (!(ExpressionBodies.ToBlocks(document, model, root, spans, needBlock, cancellationToken) is { } blocked))
            {
                return null;
            }

            var newModel = await blocked.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var newRoot = await blocked.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (newModel is null || newRoot is null)
            {
                return null;
            }

            var fresh = await FixAllRounds.DiagnosticsAsync(blocked.Document, cancellationToken).ConfigureAwait(false);
            var moved = diagnostics.Select((d, i) => (Diagnostic?)fresh.FirstOrDefault(f => f.Id == d.Id && f.Location.SourceSpan == blocked.Sites[i])).ToArray();
            return (blocked.Document, newModel, newRoot, moved);
        }

        /// <summary>Works out the fix for one diagnostic, or null when no safe fix exists.</summary>
        internal abstract PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken);

        /// <summary>Every fix on offer for one diagnostic (a rule with alternatives overrides this); the first is the preferred one.</summary>
        internal virtual IEnumerable<PlannedFix> Plans(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var plan = Plan(model, root, diagnostic, cancellationToken);
            return plan is null ? Array.Empty<PlannedFix>() : new[] { plan };
        }

        private IReadOnlyList<PlannedFix> SafePlans(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            try
            {
                return Plans(model, root, diagnostic, cancellationToken).ToList();
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                // A fixer that cannot understand the code offers nothing rather than failing the IDE.
                AbsorbedFailures.Value?.Invoke(ex);
                return Array.Empty<PlannedFix>();
            }
        }

        internal async Task<Document> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, string? equivalenceKey, CancellationToken cancellationToken)
        {
            var original = document;
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (model is null || root is null)
            {
                return document;
            }

            Mapping.FrameworkRoles.Register(model.Compilation, document.Project.AnalyzerOptions);

            var current = diagnostics.Where(d => d.Location.SourceTree == root.SyntaxTree).ToImmutableArray();
            if (await InBlockBodyAsync(document, model, root, current, cancellationToken).ConfigureAwait(false) is { } blocked)
            {
                // Sites in expression bodies: fixed on their members given block bodies, with every other site moved along.
                document = blocked.Document;
                model = blocked.Model;
                root = blocked.Root;
                diagnostics = blocked.Diagnostics.Where(d => d is not null).Select(d => d!).ToImmutableArray();
            }

            var plans = new List<PlannedFix>();
            var targets = new HashSet<string>(StringComparer.Ordinal);
            var fixedSites = new List<Diagnostic>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (diagnostic.Location.SourceTree != root.SyntaxTree)
                {
                    continue; // reported on an older version of the document: its spans mean nothing here
                }

                var offered = SafePlans(model, root, diagnostic, cancellationToken);
                var plan = equivalenceKey is null || equivalenceKey.EndsWith(PreferredSuffix, StringComparison.Ordinal)
                    ? offered.FirstOrDefault()
                    : offered.FirstOrDefault(p => p.EquivalenceKey == equivalenceKey);
                if (plan is not null)
                {
                    fixedSites.Add(diagnostic);
                    if (targets.Add(plan.Target))
                    {
                        plans.Add(plan);
                    }
                }
            }

            if (plans.Count == 0)
            {
                return document;
            }

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            foreach (var plan in plans)
            {
                try
                {
                    plan.Apply(editor);
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is ArgumentException)
                {
                    // Two edits of the same node that cannot be merged: this one waits for the next Fix All pass.
                    AbsorbedFailures.Value?.Invoke(ex);
                }
            }

            ExpectationComments.Remove(editor, root, fixedSites);

            // New lines use the document's own end-of-line, whatever the workspace's default.
            var options = await document.GetOptionsAsync(cancellationToken).ConfigureAwait(false);
            var eol = EndOfLine.Of(root, options.GetOption(FormattingOptions.NewLine));
            var changed = editor.GetChangedDocument();
            changed = await ImportAdder.AddImportsAsync(changed, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            changed = await Formatter.FormatAsync(changed, Formatter.Annotation, options.WithChangedOption(FormattingOptions.NewLine, eol), cancellationToken).ConfigureAwait(false);
            var formatted = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            changed = formatted is null ? changed : changed.WithSyntaxRoot(EndOfLine.Normalize(formatted, eol));
            return await Indentation.NormalizeAsync(original, changed, cancellationToken).ConfigureAwait(false);
        }
    }
}
