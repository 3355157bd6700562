using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// Expression-bodied members (<c>void Kick(KBuffer b) =&gt; _regs.Base = b.PhysicalAddress.Value;</c>). Every fix
    /// inserts statements around the site (a map, its check, an unmap), which an expression body has no room for: a
    /// site there is first given a block body (<c>{ expression; }</c>, or <c>{ return expression; }</c> where the
    /// member returns a value), the document analysed again, and the fix planned on the block as on any other.
    /// Lambdas are left alone: no fix plans inside one.
    /// </summary>
    internal static class ExpressionBodies
    {
        /// <summary>The arrow body of a member that holds <paramref name="site"/> directly (no statement between them), or null.</summary>
        public static ArrowExpressionClauseSyntax? Holding(SyntaxNode site)
        {
            foreach (var node in site.AncestorsAndSelf())
            {
                switch (node)
                {
                    case StatementSyntax _:
                    case AnonymousFunctionExpressionSyntax _:
                        return null;
                    case ArrowExpressionClauseSyntax arrow:
                        return arrow.Parent is PropertyDeclarationSyntax || arrow.Parent is IndexerDeclarationSyntax
                            || arrow.Parent is BaseMethodDeclarationSyntax || arrow.Parent is AccessorDeclarationSyntax
                            || arrow.Parent is LocalFunctionStatementSyntax
                            ? arrow
                            : null;
                    case MemberDeclarationSyntax _:
                        return null;
                }
            }

            return null;
        }

        /// <summary>
        /// The document with the arrow bodies holding the <paramref name="sites"/> that <paramref name="needBlock"/>
        /// turned into blocks, and where each site now is (by its index in <paramref name="sites"/>); null when none of
        /// them is in an arrow body or a member's value cannot be told.
        /// </summary>
        public static (Document Document, ImmutableArray<TextSpan> Sites)? ToBlocks(
            Document document, SemanticModel model, SyntaxNode root, IReadOnlyList<TextSpan> sites, IReadOnlyList<bool> needBlock, CancellationToken cancellationToken)
        {
            var marks = sites.Select(_ => new SyntaxAnnotation("DmaSite")).ToList();
            var nodes = sites.Select(span => root.FindNode(span, getInnermostNodeForTie: true)).ToList();
            var arrows = nodes.Where((_, i) => needBlock[i]).Select(Holding).Where(a => a is not null).Select(a => a!).Distinct().ToList();
            if (arrows.Count == 0)
            {
                return null;
            }

            // One rewrite marks each site and gives each member its block; a member is rewritten after the sites in it,
            // so its block holds the marked nodes.
            var members = new HashSet<SyntaxNode>(arrows.Select(a => a.Parent!));
            var changed = false;
            var rewritten = root.ReplaceNodes(nodes.Concat(members).Distinct(), (original, current) =>
            {
                var marked = current.WithAdditionalAnnotations(marks.Where((_, i) => nodes[i] == original));
                if (members.Contains(original) && WithBlockBody(model, original, marked, cancellationToken) is { } block)
                {
                    changed = true;
                    return block;
                }

                return marked;
            });
            if (!changed)
            {
                return null;
            }

            var moved = ImmutableArray.CreateBuilder<TextSpan>(sites.Count);
            for (var i = 0; i < sites.Count; i++)
            {
                var node = rewritten.GetAnnotatedNodes(marks[i]).FirstOrDefault();
                if (node is null)
                {
                    return null;
                }

                moved.Add(new TextSpan(sites[i].Start + (node.SpanStart - nodes[i].SpanStart), sites[i].Length));
            }

            // Spans are of the rewritten tree as it is; formatting the new braces would move them again.
            return (document.WithSyntaxRoot(rewritten), moved.MoveToImmutable());
        }

        /// <summary><paramref name="current"/> (the rewritten copy of <paramref name="original"/>) with a block body, or null.</summary>
        private static SyntaxNode? WithBlockBody(SemanticModel model, SyntaxNode original, SyntaxNode current, CancellationToken cancellationToken)
        {
            switch (current)
            {
                case BaseMethodDeclarationSyntax method when method.ExpressionBody is { } arrow:
                    return Returns(model, original, cancellationToken) is { } returns
                        ? method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(Block(arrow, returns))
                        : null;
                case LocalFunctionStatementSyntax function when function.ExpressionBody is { } arrow:
                    return Returns(model, original, cancellationToken) is { } returnsValue
                        ? function.WithExpressionBody(null).WithSemicolonToken(default).WithBody(Block(arrow, returnsValue))
                        : null;
                case AccessorDeclarationSyntax accessor when accessor.ExpressionBody is { } arrow:
                    return accessor.WithExpressionBody(null).WithSemicolonToken(default)
                        .WithBody(Block(arrow, accessor.IsKind(SyntaxKind.GetAccessorDeclaration)));
                case PropertyDeclarationSyntax property when property.ExpressionBody is { } arrow:
                    return property.WithExpressionBody(null).WithSemicolonToken(default)
                        .WithAccessorList(Getter(arrow));
                case IndexerDeclarationSyntax indexer when indexer.ExpressionBody is { } arrow:
                    return indexer.WithExpressionBody(null).WithSemicolonToken(default)
                        .WithAccessorList(Getter(arrow));
                default:
                    return null;
            }
        }

        /// <summary>Does the member return its expression's value (null when it cannot be told)?</summary>
        private static bool? Returns(SemanticModel model, SyntaxNode member, CancellationToken cancellationToken)
        {
            if (member is ConstructorDeclarationSyntax || member is DestructorDeclarationSyntax)
            {
                return false;
            }

            if (!(model.GetDeclaredSymbol(member, cancellationToken) is IMethodSymbol method))
            {
                return null;
            }

            if (method.ReturnsVoid)
            {
                return false;
            }

            // An async method without a result (Task, ValueTask) returns nothing; one with a result returns its value.
            return !method.IsAsync || method.ReturnType is INamedTypeSymbol { IsGenericType: true };
        }

        private static AccessorListSyntax Getter(ArrowExpressionClauseSyntax arrow) =>
            SyntaxFactory.AccessorList(SyntaxFactory.SingletonList(
                SyntaxFactory.AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, Block(arrow, returns: true))))
                .WithAdditionalAnnotations(Formatter.Annotation);

        private static SyntaxToken Keyword(SyntaxKind kind) => SyntaxFactory.Token(kind).WithTrailingTrivia(SyntaxFactory.Space);

        private static BlockSyntax Block(ArrowExpressionClauseSyntax arrow, bool returns)
        {
            var expression = arrow.Expression.WithoutTrivia();
            // The keywords keep a space after them: the analyzers' prefilters read the text, not only the tree.
            StatementSyntax statement = expression is ThrowExpressionSyntax thrown
                ? SyntaxFactory.ThrowStatement(Keyword(SyntaxKind.ThrowKeyword), thrown.Expression, SyntaxFactory.Token(SyntaxKind.SemicolonToken))
                : returns
                    ? SyntaxFactory.ReturnStatement(Keyword(SyntaxKind.ReturnKeyword), expression, SyntaxFactory.Token(SyntaxKind.SemicolonToken))
                    : SyntaxFactory.ExpressionStatement(expression);
            return SyntaxFactory.Block(statement).WithAdditionalAnnotations(Formatter.Annotation);
        }
    }
}
