using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// Whether an expression written at one place may be written again at another place of the same
    /// method and mean the same value: constants, <c>this</c>, fields and properties, parameters and
    /// locals that are never reassigned, and arithmetic of those — no calls, no assignments.
    /// </summary>
    internal static class Stable
    {
        public static bool IsStable(SemanticModel model, ExpressionSyntax expression, SyntaxNode member, CancellationToken cancellationToken)
        {
            if (model.GetConstantValue(expression, cancellationToken).HasValue)
            {
                return true;
            }

            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return IsStable(model, parenthesized.Expression, member, cancellationToken);
                case CastExpressionSyntax cast:
                    return IsStable(model, cast.Expression, member, cancellationToken);
                case ThisExpressionSyntax _:
                    return true;
                case BinaryExpressionSyntax binary:
                    return IsStable(model, binary.Left, member, cancellationToken) && IsStable(model, binary.Right, member, cancellationToken);
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression) || unary.IsKind(SyntaxKind.UnaryPlusExpression) || unary.IsKind(SyntaxKind.BitwiseNotExpression):
                    return IsStable(model, unary.Operand, member, cancellationToken);
                case IdentifierNameSyntax identifier:
                    return IsStableSymbol(model, model.GetSymbolInfo(identifier, cancellationToken).Symbol, member, cancellationToken);
                case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    {
                        var symbol = model.GetSymbolInfo(access, cancellationToken).Symbol;
                        if (symbol is ITypeSymbol || symbol is INamespaceSymbol)
                        {
                            return true;
                        }

                        return (symbol is IFieldSymbol || symbol is IPropertySymbol)
                            && (IsStatic(symbol) || IsStable(model, access.Expression, member, cancellationToken));
                    }

                case ElementAccessExpressionSyntax element:
                    return IsStable(model, element.Expression, member, cancellationToken)
                        && element.ArgumentList.Arguments.All(a => a.RefKindKeyword.IsKind(SyntaxKind.None) && IsStable(model, a.Expression, member, cancellationToken));
                default:
                    return false;
            }
        }

        /// <summary>True when every name <paramref name="expression"/> uses is visible at <paramref name="position"/>.</summary>
        public static bool IsInScope(SemanticModel model, ExpressionSyntax expression, int position, CancellationToken cancellationToken)
        {
            foreach (var identifier in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier)
                {
                    continue;
                }

                var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
                if (symbol is ILocalSymbol || symbol is IParameterSymbol)
                {
                    var visible = model.LookupSymbols(position, name: identifier.Identifier.ValueText);
                    if (!visible.Any(v => SymbolEqualityComparer.Default.Equals(v, symbol)))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool IsStatic(ISymbol symbol) => symbol.IsStatic;

        private static bool IsStableSymbol(SemanticModel model, ISymbol? symbol, SyntaxNode member, CancellationToken cancellationToken)
        {
            switch (symbol)
            {
                case IFieldSymbol _:
                case IPropertySymbol _:
                    return true;
                case ILocalSymbol local:
                    return !local.IsRef && !IsWritten(model, local, member, cancellationToken);
                case IParameterSymbol parameter:
                    return parameter.RefKind == RefKind.None && !IsWritten(model, parameter, member, cancellationToken);
                default:
                    return false;
            }
        }

        /// <summary>Assigned, incremented or passed by reference anywhere in the member (its declaration aside).</summary>
        public static bool IsWritten(SemanticModel model, ISymbol symbol, SyntaxNode member, CancellationToken cancellationToken, SyntaxNode? except = null)
        {
            foreach (var identifier in member.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (except is not null && except.Span.Contains(identifier.Span))
                {
                    continue;
                }

                if (identifier.Identifier.ValueText != symbol.Name)
                {
                    continue;
                }

                var parent = identifier.Parent;
                var written = parent switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left == identifier,
                    PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression),
                    PostfixUnaryExpressionSyntax postfix => postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression),
                    ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None),
                    _ => false,
                };
                if (written && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
