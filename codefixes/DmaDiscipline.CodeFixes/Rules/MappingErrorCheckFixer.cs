using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using DmaDiscipline.Analyzers;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    /// <summary>
    /// DMA003: inserts <c>if (dma.MappingError(addr)) { … }</c> right after the map, failing the way
    /// the method already fails (an error code, <c>false</c>, <c>null</c> or an exception). A failed
    /// mapping holds nothing, so the failure path owes no unmap.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MappingErrorCheckFixer)), Shared]
    public sealed class MappingErrorCheckFixer : DmaFixer
    {
        public const string EquivalenceKey = RuleIdentifiers.MappingErrorNotChecked + ".InsertCheck";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MappingErrorNotChecked);

        internal override PlannedFix? Plan(SemanticModel model, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var map = MapCall.Find(model, root, diagnostic.AdditionalLocations.FirstOrDefault(), cancellationToken);
            if (map is null || !map.IsStreaming || map.Handle is null || !Statements.CanInsertAround(map.Statement))
            {
                return null;
            }

            var member = map.Statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax || a is LocalFunctionStatementSyntax);
            if (member is null
                || !Stable.IsStable(model, map.Receiver, member, cancellationToken)
                || !map.HandleUsableAt(model, member, map.Statement.Span.End, cancellationToken)
                || HasCheck(model, member, map, cancellationToken))
            {
                // A check that exists but whose failure is ignored needs a human: the fix cannot tell which path was meant.
                return null;
            }

            var failure = FailureStyle.For(model, map.Statement, "DMA mapping failed", cancellationToken);
            if (failure is null)
            {
                return null;
            }

            // A failed mapping holds nothing, but what the method mapped before it still does: release it on the way out.
            var releases = EarlierLiveMappings(model, map, member, cancellationToken);
            var handle = map.Handle.WithoutTrivia().ToString();
            var test = map.IsConfigured
                ? RoleCall.Build(model, map, Analyzers.Symbols.DmaRole.MappingErrorCheck, handle, cancellationToken)
                : $"{map.Receiver.WithoutTrivia()}.MappingError({handle})";
            if (test is null)
            {
                return null; // the configured framework names no check this fix can call with what the map call has
            }

            var check = SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression(test), SyntaxFactory.Block(releases.Concat(new[] { failure })))
                .WithAdditionalAnnotations(Formatter.Annotation);
            return new PlannedFix(
                "Check the mapping with MappingError",
                EquivalenceKey,
                "check@" + map.Call.SpanStart,
                editor => Statements.InsertAfter(editor, map.Statement, new[] { check }));
        }

        /// <summary><c>if (receiver.MappingError(handle)) { failure }</c>.</summary>
        internal static StatementSyntax CheckStatement(MapCall map, StatementSyntax failure) =>
            CheckStatement(map.Receiver.WithoutTrivia().ToString(), map.Handle!.WithoutTrivia().ToString(), failure);

        internal static StatementSyntax CheckStatement(string receiver, string handle, params StatementSyntax[] failure) =>
            SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{receiver}.MappingError({handle})"), SyntaxFactory.Block(failure))
                .WithAdditionalAnnotations(Formatter.Annotation);

        /// <summary>Mappings made earlier in the same block, checked, and not released before <paramref name="map"/>: the failure path must release them.</summary>
        private static List<StatementSyntax> EarlierLiveMappings(SemanticModel model, MapCall map, SyntaxNode member, CancellationToken cancellationToken)
        {
            var releases = new List<StatementSyntax>();
            if (!(map.Statement.Parent is BlockSyntax block))
            {
                return releases;
            }

            var earlier = block.Statements.TakeWhile(s => s != map.Statement).ToList();
            foreach (var statement in earlier)
            {
                foreach (var call in statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
                {
                    var previous = MapCall.From(model, call, cancellationToken);
                    if (previous is null || previous.Handle is null || previous.Statement != statement)
                    {
                        continue;
                    }

                    var handle = previous.Handle.WithoutTrivia().ToString();
                    var releasedSince = earlier.SkipWhile(s => s != statement).Skip(1).Any(s => s.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
                        i.Expression is MemberAccessExpressionSyntax access
                        && (access.Name.Identifier.ValueText == "UnmapSingle" || access.Name.Identifier.ValueText == "UnmapSg" || access.Name.Identifier.ValueText == "FreeCoherent")
                        && i.ArgumentList.Arguments.Count > 0 && i.ArgumentList.Arguments[0].Expression.WithoutTrivia().ToString() == handle));
                    if (!releasedSince && MappingNotReleasedFixer.Release(model, previous, member, map.Statement.Span.End, cancellationToken) is { } release)
                    {
                        releases.Add(release);
                    }
                }
            }

            return releases;
        }

        private static bool HasCheck(SemanticModel model, SyntaxNode member, MapCall map, CancellationToken cancellationToken)
        {
            var handle = map.Handle!.WithoutTrivia().ToString();
            return member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i =>
                i.Expression is MemberAccessExpressionSyntax access
                && i.ArgumentList.Arguments.Any(a => a.Expression.WithoutTrivia().ToString() == handle)
                && (access.Name.Identifier.ValueText == "MappingError" && i.ArgumentList.Arguments.Count == 1
                    || (FrameworkRoles.RolesOf(model, model.GetSymbolInfo(i, cancellationToken).Symbol, cancellationToken) & Analyzers.Symbols.DmaRole.MappingErrorCheck) != 0));
        }
    }
}
