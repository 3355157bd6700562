using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The framework's collections and sequences (<c>List&lt;T&gt;</c>, <c>Dictionary&lt;K, V&gt;</c>,
    /// <c>Queue&lt;T&gt;</c>, <c>IEnumerable&lt;T&gt;</c>, their enumerators…) as carriers: one abstract
    /// location per collection value, holding what any of its elements was given (a weak update), read
    /// back by any member that returns an element. The element is the type's last type argument (a
    /// dictionary's value, not its key).
    /// </summary>
    internal static class Containers
    {
        /// <summary>The element type of a framework collection, sequence or enumerator; null for any other type.</summary>
        public static ITypeSymbol? ElementOf(ITypeSymbol? type)
        {
            if (!(type is INamedTypeSymbol named) || !IsCollectionNamespace(named.ContainingNamespace))
            {
                return null;
            }

            // List<T>.Enumerator: the element is its containing type's.
            var generic = named.TypeArguments.IsEmpty && named.ContainingType is { } outer && !outer.TypeArguments.IsEmpty ? outer : named;
            if (generic.TypeArguments.IsEmpty || !IsSequence(named))
            {
                return null;
            }

            return generic.TypeArguments[generic.TypeArguments.Length - 1];
        }

        /// <summary>The type parameter that stands for the element in the collection's own declaration.</summary>
        public static ITypeParameterSymbol? ElementParameterOf(INamedTypeSymbol type)
        {
            var generic = type.TypeArguments.IsEmpty && type.ContainingType is { } outer && !outer.TypeArguments.IsEmpty ? outer : type;
            var parameters = generic.OriginalDefinition.TypeParameters;
            return parameters.IsEmpty ? null : parameters[parameters.Length - 1];
        }

        private static bool IsSequence(INamedTypeSymbol type)
        {
            if (IsEnumerableInterface(type.OriginalDefinition))
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (IsEnumerableInterface(implemented.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsEnumerableInterface(INamedTypeSymbol type) =>
            type.Arity == 1 && (type.Name == "IEnumerable" || type.Name == "IEnumerator" || type.Name == "IAsyncEnumerable")
            && IsCollectionNamespace(type.ContainingNamespace);

        /// <summary>System.Collections.Generic, .Concurrent, .ObjectModel, .Immutable, or System.Linq.</summary>
        private static bool IsCollectionNamespace(INamespaceSymbol? ns)
        {
            if (ns is null)
            {
                return false;
            }

            if (ns.Name == "Linq")
            {
                return IsSystem(ns.ContainingNamespace);
            }

            if (ns.Name != "Generic" && ns.Name != "Concurrent" && ns.Name != "ObjectModel" && ns.Name != "Immutable")
            {
                return false;
            }

            return ns.ContainingNamespace is { Name: "Collections" } collections && IsSystem(collections.ContainingNamespace);
        }

        private static bool IsSystem(INamespaceSymbol? ns) => ns is { Name: "System" } && ns.ContainingNamespace is { IsGlobalNamespace: true };
    }
}
