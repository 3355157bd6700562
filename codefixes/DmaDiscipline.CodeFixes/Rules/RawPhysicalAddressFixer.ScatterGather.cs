using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    public sealed partial class RawPhysicalAddressFixer
    {
        /// <summary>
        /// A list of buffers posted as consecutive descriptors — <c>for (int i = 0; i &lt; bufs.Length; i++)</c>
        /// writing <c>bufs[i].PhysicalAddress.Value</c> — mapped as one scatter list with <c>MapSg</c>. The
        /// device gets the list's DMA segments, which may be fewer than the buffers (an IOMMU merges
        /// contiguous ones), so the loop runs over the mapped count. Offered only when that rewrite is
        /// clear: the loop counts from 0 to the list's <c>Length</c>/<c>Count</c>, touches the list only
        /// through <c>bufs[i]</c> in the descriptor's address and length and through its count, nothing after
        /// the loop counts descriptors by the list, the direction is one for the whole list, and the request
        /// completes in the method (a later statement reads a buffer of the list: the unmap goes there).
        /// A scatter list has no request state to live in, so otherwise the buffers are mapped one by one.
        /// Like virtio's <c>virtqueue_add</c>, the rewrite assumes a non-empty list (the runtime refuses an empty one).
        /// </summary>
        private static class ScatterGatherMap
        {
            public static PlannedFix? Plan(SemanticModel model, ExpressionSyntax sink, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? offset, CancellationToken cancellationToken)
            {
                var statement = sink.FirstAncestorOrSelf<StatementSyntax>();
                var method = sink.FirstAncestorOrSelf<MethodDeclarationSyntax>();
                if (offset is not null || statement is null || method?.Body is null
                    || !(source.Parent is MemberAccessExpressionSyntax value) || value != sink || value.Name.Identifier.ValueText != "Value"
                    || !(buffer is ElementAccessExpressionSyntax element) || element.ArgumentList.Arguments.Count != 1
                    || !(element.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax index)
                    || !(statement.Parent is BlockSyntax loopBody) || !(loopBody.Parent is ForStatementSyntax loop) || loop.Parent != method.Body
                    || !(model.GetSymbolInfo(index, cancellationToken).Symbol is ILocalSymbol counter)
                    || !IsCountingLoop(model, loop, counter, element.Expression, cancellationToken, out var bound)
                    || !Stable.IsStable(model, element.Expression, method, cancellationToken))
                {
                    return null;
                }

                var list = element.Expression.WithoutTrivia().ToString();
                var arguments = sink.Parent is ArgumentSyntax argument ? argument.Parent as ArgumentListSyntax : null;
                var target = arguments?.Parent is null ? null : model.GetSymbolInfo(arguments.Parent, cancellationToken).Symbol as IMethodSymbol;
                var length = StreamingMap.Sibling(arguments, target, "len");
                var directions = DirectionChoice.For(model, sink, statement, cpuFilled: false, cpuReadsAfter: false, cancellationToken);
                var dma = DmaApiSource.At(model, loop, cancellationToken);
                var failure = FailureStyle.For(model, loop, "DMA mapping failed", cancellationToken);
                var completion = Completion(method.Body, loop, element.Expression);
                if (length is null || directions[0].IsConditional || dma is null || failure is null || completion is null
                    || !OnlyThroughElementAndCount(loop, element.Expression, counter, model, sink, length, bound, cancellationToken)
                    || !InScopeBesides(model, length, counter, loop.SpanStart, cancellationToken)
                    || CountedAfter(method.Body, loop, bound))
                {
                    return null;
                }

                var direction = directions[0];
                var i = counter.Name;
                var listName = Names.Unique(method, "dmaList");
                var countName = Names.Unique(method, "dmaCount");
                var directionName = Names.Unique(method, "dmaDirection");
                var boundText = bound.WithoutTrivia().ToString();
                var mapping = new List<StatementSyntax>
                {
                    StreamingMap.Statement($"var {listName} = new DmaDiscipline.Runtime.ScatterList({boundText});"),
                    StreamingMap.Statement($"for (int {i} = 0; {i} < {boundText}; {i}++)\n{{\n{listName}.Add({list}[{i}], 0, {StreamingMap.StripCast(length).WithoutTrivia()});\n}}"),
                    StreamingMap.Statement($"DmaDiscipline.Runtime.DmaDirection {directionName} = {direction.Text};"),
                    StreamingMap.Statement($"int {countName} = {dma}.MapSg({listName}, {directionName});"),
                    SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{countName} == 0"), SyntaxFactory.Block(failure)).WithAdditionalAnnotations(Formatter.Annotation),
                };

                // Inside the loop the index now counts DMA segments: the list's count becomes the mapped count.
                var counts = loop.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Where(m => m.WithoutTrivia().ToString() == boundText && !length.Span.Contains(m.Span)).ToList();
                var unmap = StreamingMap.Statement($"{dma}.UnmapSg({listName}, {directionName});");
                return new PlannedFix(
                    $"Map the buffers as one scatter-gather list (MapSg, {direction.Title}) and unmap it before line {completion.GetLocation().GetLineSpan().StartLinePosition.Line + 1}, where the CPU uses them again",
                    MapSgInMethodKey,
                    "map@" + sink.SpanStart,
                    editor =>
                    {
                        Statements.InsertBefore(editor, loop, mapping);
                        editor.ReplaceNode(sink, SyntaxFactory.ParseExpression($"{listName}.DmaAddress({i}).Value").WithTriviaFrom(sink));
                        editor.ReplaceNode(length, SyntaxFactory.ParseExpression($"{listName}.DmaLength({i})").WithTriviaFrom(length));
                        foreach (var count in counts)
                        {
                            editor.ReplaceNode(count, SyntaxFactory.IdentifierName(countName).WithTriviaFrom(count));
                        }

                        Statements.InsertBefore(editor, completion, new[] { unmap });
                    });
            }

            /// <summary><c>for (int i = 0; i &lt; list.Length; i++)</c> (or <c>Count</c>, <c>++i</c>), <c>i</c> not written in the body.</summary>
            private static bool IsCountingLoop(SemanticModel model, ForStatementSyntax loop, ILocalSymbol counter, ExpressionSyntax list, CancellationToken cancellationToken, out ExpressionSyntax bound)
            {
                bound = null!;
                if (loop.Declaration is not { Variables.Count: 1 } declaration
                    || !SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(declaration.Variables[0], cancellationToken), counter)
                    || !(declaration.Variables[0].Initializer?.Value is LiteralExpressionSyntax { Token.ValueText: "0" })
                    || !(loop.Condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression } condition)
                    || !(condition.Left is IdentifierNameSyntax left) || left.Identifier.ValueText != counter.Name
                    || !(condition.Right is MemberAccessExpressionSyntax count) || count.Expression.WithoutTrivia().ToString() != list.WithoutTrivia().ToString()
                    || !(count.Name.Identifier.ValueText == "Length" || count.Name.Identifier.ValueText == "Count")
                    || loop.Incrementors.Count != 1
                    || !(loop.Incrementors[0] is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression, Operand: IdentifierNameSyntax post } && post.Identifier.ValueText == counter.Name
                        || loop.Incrementors[0] is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression, Operand: IdentifierNameSyntax pre } && pre.Identifier.ValueText == counter.Name)
                    || Stable.IsWritten(model, counter, loop.Statement, cancellationToken))
                {
                    return false;
                }

                bound = count;
                return true;
            }

            /// <summary>The loop body names the list only as <c>list[i]</c> in the descriptor's address and length, or as its count.</summary>
            private static bool OnlyThroughElementAndCount(ForStatementSyntax loop, ExpressionSyntax list, ILocalSymbol counter, SemanticModel model, ExpressionSyntax sink, ExpressionSyntax length, ExpressionSyntax bound, CancellationToken cancellationToken)
            {
                var listText = list.WithoutTrivia().ToString();
                var boundText = bound.WithoutTrivia().ToString();
                foreach (var node in loop.Statement.DescendantNodes().OfType<ExpressionSyntax>())
                {
                    if (node.WithoutTrivia().ToString() != listText || node.Parent is MemberAccessExpressionSyntax named && named.Name == node)
                    {
                        continue; // another expression, or a member of something else that happens to share the name
                    }

                    var use = node.Parent;
                    var allowed = use is MemberAccessExpressionSyntax access && access.Expression == node && access.WithoutTrivia().ToString() == boundText
                        || use is ElementAccessExpressionSyntax element && element.Expression == node && (sink.Span.Contains(element.Span) || length.Span.Contains(element.Span))
                            && element.ArgumentList.Arguments.Count == 1 && element.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax index
                            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(index, cancellationToken).Symbol, counter);
                    if (!allowed)
                    {
                        return false;
                    }
                }

                return true;
            }

            /// <summary>Every local the length names, except the loop counter, is in scope before the loop.</summary>
            private static bool InScopeBesides(SemanticModel model, ExpressionSyntax length, ILocalSymbol counter, int position, CancellationToken cancellationToken) =>
                length.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Where(n => !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, counter))
                    .All(n => Stable.IsInScope(model, n, position, cancellationToken));

            /// <summary>
            /// A statement after the loop counts descriptors by the list (<c>NumFree -= bufs.Length</c>): merged segments would
            /// make it wrong. A later loop over the buffers themselves (<c>for (k = 0; k &lt; bufs.Length; k++)</c>, copying data
            /// out) counts buffers, not descriptors: the list keeps its buffers whatever the mapping merged.
            /// </summary>
            private static bool CountedAfter(BlockSyntax body, ForStatementSyntax loop, ExpressionSyntax bound)
            {
                var boundText = bound.WithoutTrivia().ToString();
                return body.Statements.SkipWhile(s => s != loop).Skip(1)
                    .Any(s => s.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Any(m => m.WithoutTrivia().ToString() == boundText
                        && !(m.Parent is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression } condition && condition.Right == m
                            && condition.Parent is ForStatementSyntax later && later.Condition == condition)));
            }

            /// <summary>The later top-level statement that reads a buffer of the list (<c>list[k].Span</c>), with no way out of the method before it.</summary>
            private static StatementSyntax? Completion(BlockSyntax body, ForStatementSyntax loop, ExpressionSyntax list)
            {
                var listText = list.WithoutTrivia().ToString();
                foreach (var next in body.Statements.SkipWhile(s => s != loop).Skip(1))
                {
                    if (next.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>()
                        .Any(m => m.Name.Identifier.ValueText == "Span" && m.Expression is ElementAccessExpressionSyntax e && e.Expression.WithoutTrivia().ToString() == listText))
                    {
                        return next;
                    }

                    if (next.DescendantNodesAndSelf().Any(n => n is ReturnStatementSyntax || n is ThrowStatementSyntax || n is YieldStatementSyntax || n is GotoStatementSyntax))
                    {
                        return null;
                    }
                }

                return null;
            }
        }
    }
}
