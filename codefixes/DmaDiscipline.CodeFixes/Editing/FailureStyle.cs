using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// How a method reports failure, read from the method itself: the error code it already returns
    /// (a negative number, <c>-ENOMEM</c>), <c>return false</c>, <c>return null</c>, or an exception.
    /// A fix that adds a failure path uses the same style, so the caller's handling already covers it.
    /// </summary>
    internal static class FailureStyle
    {
        /// <summary>The statement that leaves <paramref name="at"/>'s method on a failed mapping, or null inside a lambda or an iterator.</summary>
        public static StatementSyntax? For(SemanticModel model, SyntaxNode at, string what, CancellationToken cancellationToken)
        {
            var member = at.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AccessorDeclarationSyntax || a is AnonymousFunctionExpressionSyntax);
            if (member is null || member is AnonymousFunctionExpressionSyntax)
            {
                return null;
            }

            var symbol = model.GetDeclaredSymbol(member, cancellationToken) as IMethodSymbol;
            if (symbol is null || symbol.IsAsync || member.DescendantNodes().OfType<YieldStatementSyntax>().Any())
            {
                return null;
            }

            var returnType = symbol.ReturnType;
            var returns = member.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax))
                .OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression is not null)
                .Select(r => r.Expression!)
                .ToList();

            switch (returnType.SpecialType)
            {
                case SpecialType.System_Boolean:
                    return Return(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression));
                case SpecialType.System_Int32:
                case SpecialType.System_Int64:
                case SpecialType.System_Int16:
                case SpecialType.System_SByte:
                    {
                        var code = returns.FirstOrDefault(r => IsErrorCode(model, r, cancellationToken));
                        if (code is not null)
                        {
                            return Return(code.WithoutTrivia());
                        }

                        break;
                    }
            }

            if (!returnType.IsValueType && returnType.SpecialType != SpecialType.System_Void
                && returns.Any(r => r.IsKind(SyntaxKind.NullLiteralExpression) || r.IsKind(SyntaxKind.DefaultLiteralExpression)))
            {
                return Return(SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression));
            }

            return Throw(what);
        }

        private static bool IsErrorCode(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken)
        {
            if (expression.IsKind(SyntaxKind.UnaryMinusExpression))
            {
                return true;
            }

            var constant = model.GetConstantValue(expression, cancellationToken);
            return constant.HasValue && constant.Value is int value && value < 0
                || constant.HasValue && constant.Value is long longValue && longValue < 0;
        }

        private static StatementSyntax Return(ExpressionSyntax value) =>
            SyntaxFactory.ReturnStatement(value).WithAdditionalAnnotations(Formatter.Annotation);

        private static StatementSyntax Throw(string what)
        {
            var type = SyntaxFactory.ParseTypeName("System.InvalidOperationException")
                .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
            var message = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(what));
            return SyntaxFactory.ThrowStatement(
                    SyntaxFactory.ObjectCreationExpression(type)
                        .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(message)))))
                .WithAdditionalAnnotations(Formatter.Annotation);
        }
    }
}
