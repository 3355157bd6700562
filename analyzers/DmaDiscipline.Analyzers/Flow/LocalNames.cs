using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Where a local of the analysed body is named, read from syntax: every identifier spelled like it in the block that
    /// declares it (its scope, or the member when there is no block). A same-named variable of a sibling scope is among
    /// them too, so a question asked of these names answers conservatively. Read on the syntax, the answer does not
    /// depend on the order the flow visits the blocks in.
    /// </summary>
    internal static class LocalNames
    {
        /// <summary>The identifiers named like <paramref name="local"/> in its declaring block; none when it has no single declaration.</summary>
        public static IEnumerable<IdentifierNameSyntax> In(ILocalSymbol local, out SyntaxNode? scope)
        {
            scope = null;
            if (local.DeclaringSyntaxReferences.Length != 1)
            {
                return System.Array.Empty<IdentifierNameSyntax>();
            }

            var declaration = local.DeclaringSyntaxReferences[0].GetSyntax();
            scope = declaration.FirstAncestorOrSelf<BlockSyntax>() as SyntaxNode ?? declaration.FirstAncestorOrSelf<MemberDeclarationSyntax>();
            return scope is null ? System.Array.Empty<IdentifierNameSyntax>() : Named(scope, local.Name);
        }

        private static IEnumerable<IdentifierNameSyntax> Named(SyntaxNode scope, string name)
        {
            foreach (var token in scope.DescendantTokens())
            {
                if (token.ValueText == name && token.Parent is IdentifierNameSyntax identifier)
                {
                    yield return identifier;
                }
            }
        }
    }
}
