using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// Whether the CPU writes a buffer's bytes before a statement of the same method: evidence that
    /// the device is meant to read what the CPU put there. Only writes through the buffer's own
    /// <c>Span</c> are seen — <c>buffer.Span[i] = v</c> (and compound assignments, <c>++</c>/<c>--</c>),
    /// <c>Fill</c>/<c>Clear</c> on it, it as the destination of <c>CopyTo</c>/<c>TryCopyTo</c>, or as the
    /// first argument of a <c>BinaryPrimitives.Write…</c> call, also through a slice
    /// (<c>buffer.Span[a..b]</c>, <c>buffer.Span.Slice(…)</c>). A span kept in a local, a write in a
    /// callee, or a write after the statement is not seen (no evidence, so no claim).
    /// </summary>
    internal static class CpuFill
    {
        /// <summary>True when a statement textually before <paramref name="statement"/> in its method writes <paramref name="buffer"/>'s bytes.</summary>
        public static bool Before(SemanticModel model, ExpressionSyntax buffer, StatementSyntax statement, CancellationToken cancellationToken)
        {
            var body = statement.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax);
            if (body is null)
            {
                return false;
            }

            var wanted = model.GetSymbolInfo(buffer, cancellationToken).Symbol;
            var text = buffer.WithoutTrivia().ToString();
            foreach (var span in body.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
            {
                if (span.Span.End > statement.SpanStart || span.Name.Identifier.ValueText != "Span"
                    || span.Expression.WithoutTrivia().ToString() != text
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(span.Expression, cancellationToken).Symbol, wanted))
                {
                    continue;
                }

                if (IsWritten(model, span, cancellationToken))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when the bytes of <paramref name="span"/> (a <c>buffer.Span</c>) are written where it stands.</summary>
        internal static bool IsWritten(SemanticModel model, ExpressionSyntax span, CancellationToken cancellationToken)
        {
            // buffer.Span[i] = v, buffer.Span[i] += v, buffer.Span[i]++ ; buffer.Span[a..b] is a slice.
            if (span.Parent is ElementAccessExpressionSyntax element && element.Expression == span)
            {
                if (element.ArgumentList.Arguments.Count == 1 && element.ArgumentList.Arguments[0].Expression is RangeExpressionSyntax)
                {
                    return IsWritten(model, element, cancellationToken);
                }

                return element.Parent switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left == element,
                    PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression),
                    PostfixUnaryExpressionSyntax postfix => postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression),
                    _ => false,
                };
            }

            // buffer.Span.Fill(v), buffer.Span.Clear(), buffer.Span.Slice(a, b)…
            if (span.Parent is MemberAccessExpressionSyntax member && member.Expression == span && member.Parent is InvocationExpressionSyntax call)
            {
                switch (member.Name.Identifier.ValueText)
                {
                    case "Fill":
                    case "Clear":
                        return true;
                    case "Slice":
                        return IsWritten(model, call, cancellationToken);
                    default:
                        return false;
                }
            }

            // source.CopyTo(buffer.Span), BinaryPrimitives.WriteUInt32LittleEndian(buffer.Span, v)
            if (span.Parent is ArgumentSyntax argument && argument.Parent is ArgumentListSyntax list && list.Arguments[0] == argument
                && list.Parent is InvocationExpressionSyntax invocation && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method)
            {
                return method.Name == "CopyTo" || method.Name == "TryCopyTo"
                    || method.ContainingType?.Name == "BinaryPrimitives" && method.Name.StartsWith("Write", StringComparison.Ordinal);
            }

            return false;
        }
    }
}
