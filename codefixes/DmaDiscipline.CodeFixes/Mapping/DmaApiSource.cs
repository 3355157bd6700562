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
                // Top-level statements: no type holds the DmaApi, the program's own locals do.
                return InScope(model, node, symbols, cancellationToken);
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
            var primary = isStatic ? Enumerable.Empty<(string, ITypeSymbol?)>() : CapturablePrimaryParameters(model, type, cancellationToken);
            return Nearest(primary.Concat(members), symbols) ?? InScope(model, node, symbols, cancellationToken);
        }

        /// <summary>
        /// The parameters of a class's or struct's primary constructor that its members may use (the constructor's own
        /// parameters, held by the type for its whole life): each one no field or property initializer and no base
        /// constructor call reads — a parameter also copied there would be stored twice (CS9124).
        /// </summary>
        private static IEnumerable<(string Name, ITypeSymbol? Type)> CapturablePrimaryParameters(SemanticModel model, INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (!(reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: { } parameters } declaration)
                    || declaration is RecordDeclarationSyntax || declaration.SyntaxTree != model.SyntaxTree)
                {
                    continue;
                }

                foreach (var parameter in parameters.Parameters)
                {
                    if (!(model.GetDeclaredSymbol(parameter, cancellationToken) is IParameterSymbol symbol))
                    {
                        continue;
                    }

                    var copied = declaration.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == symbol.Name
                        && n.Ancestors().Any(a => a is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax } }
                            || a is EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax } || a is PrimaryConstructorBaseTypeSyntax)
                        && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, symbol));
                    if (!copied)
                    {
                        yield return (symbol.Name, symbol.Type);
                    }
                }
            }
        }

        /// <summary>
        /// A parameter or local of the enclosing function (or top-level program) that holds a DmaApi at
        /// <paramref name="node"/>: declared before it and never assigned again.
        /// </summary>
        private static string? InScope(SemanticModel model, SyntaxNode node, RuntimeSymbols symbols, CancellationToken cancellationToken)
        {
            var function = node.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax
                || a is AccessorDeclarationSyntax || a is CompilationUnitSyntax);
            if (function is null)
            {
                return null;
            }

            // The function's own parameters and locals only: one of an enclosing function would be captured (and a static
            // local function cannot capture at all).
            var owner = model.GetEnclosingSymbol(node.SpanStart, cancellationToken);
            var candidates = new List<(string Name, ITypeSymbol? Type)>();
            foreach (var symbol in model.LookupSymbols(node.SpanStart))
            {
                if (!SymbolEqualityComparer.Default.Equals(symbol.ContainingSymbol, owner))
                {
                    continue;
                }

                switch (symbol)
                {
                    case IParameterSymbol parameter when parameter.RefKind == RefKind.None && !Editing.Stable.IsWritten(model, parameter, function, cancellationToken):
                        candidates.Add((parameter.Name, parameter.Type));
                        break;
                    case ILocalSymbol local when !local.IsRef && !local.IsConst
                        && local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } } declarator
                        && declarator.SyntaxTree == node.SyntaxTree && declarator.Span.End <= node.SpanStart
                        && !Editing.Stable.IsWritten(model, local, function, cancellationToken):
                        candidates.Add((local.Name, local.Type));
                        break;
                }
            }

            return Nearest(candidates, symbols);
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
