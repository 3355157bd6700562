using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// Finds the driver's own <c>DmaApi</c> where a fix needs one: a <c>DmaApi</c> it holds, the
    /// <c>Dma</c> of a <c>Device</c> it holds, or of the <c>Device</c> a transport it holds belongs
    /// to. In a constructor the parameters come first (fields may not be assigned yet). A method that
    /// already calls the DMA API keeps using the same <c>DmaApi</c>: the receiver of its own calls comes first.
    /// </summary>
    internal static class DmaApiSource
    {
        public static string? At(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
        {
            var symbols = RuntimeSymbols.From(model.Compilation);
            if (symbols.DmaApi is null)
            {
                return null;
            }

            var member = node.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault(m => !(m is TypeDeclarationSyntax));
            var method = member is null ? null : model.GetDeclaredSymbol(member, cancellationToken) as IMethodSymbol;
            var type = method?.ContainingType ?? (member is null ? null : model.GetDeclaredSymbol(member, cancellationToken)?.ContainingType);
            if (type is null)
            {
                return null;
            }

            if (member is not null && UsedIn(model, member, node, symbols, cancellationToken) is { } used)
            {
                return used;
            }

            if (method is not null && method.MethodKind == MethodKind.Constructor
                && Nearest(method.Parameters.Select(p => (p.Name, (ITypeSymbol?)p.Type)), symbols) is { } fromParameter)
            {
                return fromParameter;
            }

            var isStatic = method?.IsStatic ?? false;
            var members = type.GetMembers()
                .Where(candidate => !(candidate.IsStatic != isStatic && !candidate.IsStatic || candidate.IsImplicitlyDeclared))
                .Select(candidate => (candidate.Name, candidate switch
                {
                    IFieldSymbol field => field.Type,
                    IPropertySymbol property when !property.IsIndexer => property.Type,
                    _ => (ITypeSymbol?)null,
                }));
            return Nearest(members, symbols);
        }

        /// <summary>
        /// The candidate with the shortest way to a <c>DmaApi</c>: a <c>DmaApi</c> the driver holds itself before the
        /// <c>Dma</c> of a device it holds (the driver's own field is what it would write); declaration order breaks ties.
        /// </summary>
        private static string? Nearest(IEnumerable<(string Name, ITypeSymbol? Type)> candidates, RuntimeSymbols symbols)
        {
            string? best = null;
            var bestDepth = int.MaxValue;
            foreach (var (name, type) in candidates)
            {
                if (type is not null && Path(type, symbols) is { } path && path.Count(c => c == '.') is var depth && depth < bestDepth)
                {
                    best = name + path;
                    bestDepth = depth;
                }
            }

            return best;
        }

        /// <summary>The receiver of the member's first DMA API call that means the same at <paramref name="node"/>.</summary>
        private static string? UsedIn(SemanticModel model, SyntaxNode member, SyntaxNode node, RuntimeSymbols symbols, CancellationToken cancellationToken)
        {
            foreach (var call in member.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is MemberAccessExpressionSyntax access
                    && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol called && RuntimeSymbols.Is(called.ContainingType, symbols.DmaApi)
                    && Editing.Stable.IsStable(model, access.Expression, member, cancellationToken)
                    && Editing.Stable.IsInScope(model, access.Expression, node.SpanStart, cancellationToken))
                {
                    return access.Expression.WithoutTrivia().ToString();
                }
            }

            return null;
        }

        /// <summary>"" for a DmaApi, ".Dma" for a Device, ".X.Dma" for a type with a public Device property X.</summary>
        private static string? Path(ITypeSymbol type, RuntimeSymbols symbols)
        {
            if (RuntimeSymbols.Is(type, symbols.DmaApi))
            {
                return string.Empty;
            }

            if (RuntimeSymbols.Is(type, symbols.Device))
            {
                return ".Dma";
            }

            foreach (var member in type.GetMembers().OfType<IPropertySymbol>())
            {
                if (member.DeclaredAccessibility == Accessibility.Public && !member.IsStatic && !member.IsIndexer)
                {
                    if (RuntimeSymbols.Is(member.Type, symbols.DmaApi))
                    {
                        return "." + member.Name;
                    }

                    if (RuntimeSymbols.Is(member.Type, symbols.Device))
                    {
                        return "." + member.Name + ".Dma";
                    }
                }
            }

            return null;
        }
    }
}
