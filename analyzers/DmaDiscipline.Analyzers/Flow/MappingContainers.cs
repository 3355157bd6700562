using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Which values are containers whose elements the mapping analysis follows (arrays, and generic
    /// collections of other assemblies: types that implement <c>IEnumerable&lt;T&gt;</c>), and what a
    /// member of one does with an element, read from its declaration alone: a method returning nothing
    /// that takes a value of the collection's element type parameter stores it (<c>Add</c>, <c>Enqueue</c>,
    /// <c>Push</c>, <c>Insert</c>); one returning a value of that type, or writing one to an <c>out</c>
    /// parameter, reads an element (<c>Dequeue</c>, <c>Peek</c>, <c>TryGetValue</c>, an indexer);
    /// an extension method that takes the container and returns its element type reads one (<c>First</c>,
    /// <c>Last</c>, <c>ElementAt</c>). Collections of the compilation are the driver's own code: not taken
    /// for containers (their members are summarised like any method).
    /// </summary>
    internal sealed class MappingContainers
    {
        private readonly IAssemblySymbol _compiled;
        private readonly Dictionary<ITypeSymbol, bool> _isContainer = new Dictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

        public MappingContainers(IAssemblySymbol compiled) => _compiled = compiled;

        public bool IsContainer(ITypeSymbol? type)
        {
            switch (type)
            {
                case IArrayTypeSymbol _:
                    return true;
                case INamedTypeSymbol named when named.IsGenericType:
                    if (!_isContainer.TryGetValue(named, out var known))
                    {
                        known = !SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, _compiled) && IsEnumerableOfT(named);
                        _isContainer[named] = known;
                    }

                    return known;
                default:
                    return false;
            }
        }

        private static bool IsEnumerableOfT(INamedTypeSymbol type)
        {
            if (type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (implemented.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Is the declared type (before substitution) a type parameter of the member's own type: the element (or key) type of a collection?</summary>
        public static bool IsElementType(ITypeSymbol declared) =>
            declared is ITypeParameterSymbol parameter && parameter.TypeParameterKind == TypeParameterKind.Type;

        /// <summary>An instance method of a container that stores its argument: returns nothing, takes an element.</summary>
        public static bool Stores(IMethodSymbol method) => !method.IsStatic && method.ReturnsVoid;

        /// <summary>A method that returns one of the container's elements: an instance method returning the element type, or an extension method over an enumerable of its type parameter returning that parameter.</summary>
        public static bool ReadsElement(IMethodSymbol method)
        {
            var original = method.OriginalDefinition;
            if (!method.IsExtensionMethod)
            {
                return !method.IsStatic && IsElementType(original.ReturnType);
            }

            var definition = original.ReducedFrom ?? original;
            if (!(definition.ReturnType is ITypeParameterSymbol returned) || returned.TypeParameterKind != TypeParameterKind.Method
                || definition.Parameters.Length == 0 || !(definition.Parameters[0].Type is INamedTypeSymbol source))
            {
                return false;
            }

            foreach (var argument in source.TypeArguments)
            {
                if (SymbolEqualityComparer.Default.Equals(argument, returned))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
