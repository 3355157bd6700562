using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    internal static class SyntaxExtensions
    {
        public static SyntaxNode WalkUpParentheses(this SyntaxNode node)
        {
            while (node.Parent is ParenthesizedExpressionSyntax parent)
            {
                node = parent;
            }

            return node;
        }

        public static ExpressionSyntax WalkDownParentheses(this ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression;
        }

        /// <summary>The parameter an argument of a call binds to: by its name if it has one, else by position.</summary>
        public static IParameterSymbol? ParameterOf(this ArgumentSyntax argument, IMethodSymbol method)
        {
            if (argument.NameColon is not null)
            {
                return method.Parameters.FirstOrDefault(p => p.Name == argument.NameColon.Name.Identifier.ValueText);
            }

            var list = (ArgumentListSyntax)argument.Parent!;
            var index = list.Arguments.IndexOf(argument);
            return index >= 0 && index < method.Parameters.Length ? method.Parameters[index] : null;
        }
    }
}
