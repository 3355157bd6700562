using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace DmaDiscipline.CodeFixes.Editing
{
    internal static class Names
    {
        /// <summary><paramref name="wanted"/>, or wanted2, wanted3… — whichever no identifier in <paramref name="scope"/> uses.</summary>
        public static string Unique(SyntaxNode scope, string wanted)
        {
            var used = scope.DescendantTokens().Where(t => t.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToOrdinalSet();
            var name = wanted;
            for (var i = 2; used.Contains(name); i++)
            {
                name = wanted + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return name;
        }

        /// <summary>Marks every fully qualified name in <paramref name="node"/> to be simplified, adding a using directive only where one is needed.</summary>
        public static T Simplified<T>(T node)
            where T : SyntaxNode
        {
            var qualified = node.DescendantNodesAndSelf()
                .Where(n => n is QualifiedNameSyntax && !(n.Parent is QualifiedNameSyntax)
                    || n is MemberAccessExpressionSyntax && !(n.Parent is MemberAccessExpressionSyntax) && n.ToString().StartsWith("DmaDiscipline.Runtime.", System.StringComparison.Ordinal))
                .ToList();
            return node.ReplaceNodes(qualified, (_, current) => current.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation));
        }

        private static System.Collections.Generic.HashSet<string> ToOrdinalSet(this System.Collections.Generic.IEnumerable<string> names) =>
            new System.Collections.Generic.HashSet<string>(names, System.StringComparer.Ordinal);
    }
}
