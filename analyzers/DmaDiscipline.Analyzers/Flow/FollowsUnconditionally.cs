using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Does every path that leaves an earlier statement normally reach a later one? Used where the
    /// dataflow only knows a mapping is released on <em>some</em> path reaching a use or a second
    /// release: that is a defect on that path when the release falls through to the later point with
    /// no decision in between (<c>if (!up) Unmap(a); … Unmap(a);</c>), but not when the later point
    /// sits under a condition of its own, which may be the same one (<c>if (!up) Unmap(a); … if (up)
    /// Unmap(a);</c>). Read on the syntax, so that the graph and the tree walk agree.
    /// </summary>
    internal static class FollowsUnconditionally
    {
        /// <summary>
        /// True when <paramref name="earlier"/> and <paramref name="later"/> lie in statements S1 and S2
        /// of one block, S1 before S2; nothing in S1 or between S1 and S2 jumps (return, throw,
        /// break, continue, goto, yield break), so the earlier point falls through to S2; and nothing
        /// between S2 and <paramref name="later"/> decides whether it runs (a branch, loop, switch,
        /// catch, <c>?:</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>??</c>, <c>?.</c>, a lambda).
        /// <para>
        /// With <paramref name="covered"/>, a jump in S1 or between S1 and S2 for which it answers true does not
        /// stop the fall-through: a caller asks it whether the path to the jump has already done again what the
        /// later point does (<c>if (n &lt; 0) { Unmap(a); return; }</c> between a release and a second one: the
        /// path that leaves there released the handle twice too).
        /// </para>
        /// </summary>
        public static bool Holds(SyntaxNode earlier, SyntaxNode later, System.Func<SyntaxNode, bool>? covered = null)
        {
            if (earlier.SyntaxTree != later.SyntaxTree || earlier.Span.End > later.SpanStart)
            {
                return false;
            }

            // The statement of the block that holds the later point, checked on the way up.
            SyntaxNode? child = later;
            SyntaxNode? node = later.Parent;
            while (node is not null && !(node is BlockSyntax && node.Span.Contains(earlier.Span)))
            {
                if (Decides(node, child!) || node is MemberDeclarationSyntax)
                {
                    return false;
                }

                child = node;
                node = node.Parent;
            }

            if (!(node is BlockSyntax block) || !(child is StatementSyntax laterStatement))
            {
                return false;
            }

            var started = false;
            foreach (var statement in block.Statements)
            {
                if (statement == laterStatement)
                {
                    return started;
                }

                if (!started && statement.Span.Contains(earlier.Span))
                {
                    started = true;
                    if (InLambda(earlier, statement))
                    {
                        return false;
                    }
                }

                if (started && Jumps(statement, covered))
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>
        /// <see cref="Holds"/>, and <paramref name="earlier"/> itself runs whenever its statement of the block does
        /// (nothing between that statement and it decides): every path to <paramref name="later"/> runs it first.
        /// </summary>
        public static bool AlwaysPrecedes(SyntaxNode earlier, SyntaxNode later)
        {
            if (!Holds(earlier, later))
            {
                return false;
            }

            SyntaxNode child = earlier;
            for (var node = earlier.Parent; node is not null; child = node, node = node.Parent)
            {
                if (node is BlockSyntax && node.Span.Contains(later.Span))
                {
                    return true;
                }

                if (Decides(node, child))
                {
                    return false;
                }
            }

            return false;
        }

        private static bool Decides(SyntaxNode node, SyntaxNode child)
        {
            switch (node)
            {
                case IfStatementSyntax _:
                case ElseClauseSyntax _:
                case WhileStatementSyntax _:
                case DoStatementSyntax _:
                case ForStatementSyntax _:
                case CommonForEachStatementSyntax _:
                case SwitchStatementSyntax _:
                case SwitchSectionSyntax _:
                case SwitchExpressionSyntax _:
                case CatchClauseSyntax _:
                case ConditionalExpressionSyntax _:
                case ConditionalAccessExpressionSyntax _:
                case AnonymousFunctionExpressionSyntax _:
                case LocalFunctionStatementSyntax _:
                case LabeledStatementSyntax _:
                    return true;
                case BinaryExpressionSyntax binary:
                    return binary.Right == child && (binary.IsKind(SyntaxKind.LogicalAndExpression) || binary.IsKind(SyntaxKind.LogicalOrExpression)
                        || binary.IsKind(SyntaxKind.CoalesceExpression));
                case AssignmentExpressionSyntax assignment:
                    return assignment.Right == child && assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression);
                default:
                    return false;
            }
        }

        private static bool Jumps(SyntaxNode statement, System.Func<SyntaxNode, bool>? covered)
        {
            foreach (var node in statement.DescendantNodesAndSelf(descendIntoChildren: n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
            {
                switch (node.Kind())
                {
                    case SyntaxKind.ReturnStatement:
                    case SyntaxKind.ThrowStatement:
                    case SyntaxKind.ThrowExpression:
                    case SyntaxKind.BreakStatement:
                    case SyntaxKind.ContinueStatement:
                    case SyntaxKind.GotoStatement:
                    case SyntaxKind.GotoCaseStatement:
                    case SyntaxKind.GotoDefaultStatement:
                    case SyntaxKind.YieldBreakStatement:
                        if (covered is null || !covered(node))
                        {
                            return true;
                        }

                        break;
                }
            }

            return false;
        }

        private static bool InLambda(SyntaxNode node, SyntaxNode statement)
        {
            for (var n = node.Parent; n is not null && n != statement; n = n.Parent)
            {
                if (n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
