using System;
using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The one model of containers both flows follow (addresses for DMA001/DMA008, mapping handles for
    /// DMA002–DMA006): which values are containers, what their element is, and what a member of one does
    /// with an element — read from declarations alone, so a collection of any library counts, not a list
    /// of known types.
    /// <list type="bullet">
    /// <item>A container is an array, or a generic type of another assembly that is or implements
    /// <c>IEnumerable&lt;T&gt;</c>, <c>IEnumerator&lt;T&gt;</c> or <c>IAsyncEnumerable&lt;T&gt;</c>
    /// (<c>List&lt;T&gt;</c>, <c>Dictionary&lt;K, V&gt;</c>, <c>Queue&lt;T&gt;</c>, their enumerators, LINQ
    /// sequences). Collections of the compilation are the driver's own code: their members are
    /// summarised like any method.</item>
    /// <item>Its element is the array's element type, else the type's last type argument (a dictionary's
    /// value, not its key; a nested enumerator's is its containing type's).</item>
    /// <item>A container is one abstract location: a store adds to what it holds (a weak update), a read
    /// gives all of it.</item>
    /// <item>An instance method that returns nothing, or a <c>TryAdd…</c>, stores the arguments it takes
    /// of an element type (<c>Add</c>, <c>Enqueue</c>, <c>Push</c>, <c>Insert</c>); one returning an
    /// element type, or writing one to an <c>out</c> parameter, reads an element (<c>Dequeue</c>,
    /// <c>Peek</c>, <c>TryGetValue</c>, an indexer); an extension method over an enumerable of its type
    /// parameter that returns that parameter reads one (<c>First</c>, <c>Last</c>, <c>ElementAt</c>).</item>
    /// </list>
    /// The flows ask different questions of a store: the mapping analysis whether the container keeps a
    /// handle (any argument typed by one of the type's type parameters, a key as much as a value: the
    /// holder owns it), the address analysis what an element read gives back (the element, not the key).
    /// One instance per compilation (<see cref="Symbols.DmaSymbols.Containers"/>), shared by concurrent analyses.
    /// </summary>
    internal sealed class Containers
    {
        private readonly IAssemblySymbol _compiled;
        private readonly ConcurrentDictionary<ITypeSymbol, bool> _isContainer = new ConcurrentDictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

        // Made once: a lambda that captures this would be a new delegate at every lookup.
        private readonly Func<ITypeSymbol, bool> _decide;

        public Containers(IAssemblySymbol compiled)
        {
            _compiled = compiled;
            _decide = type => IsLibrarySequence((INamedTypeSymbol)type);
        }

        /// <summary>An array, or a generic sequence type of another assembly.</summary>
        public bool IsContainer(ITypeSymbol? type)
        {
            switch (type)
            {
                case IArrayTypeSymbol _:
                    return true;
                case INamedTypeSymbol named when named.IsGenericType || (named.ContainingType?.IsGenericType ?? false):
                    return _isContainer.GetOrAdd(named, _decide);
                default:
                    return false;
            }
        }

        /// <summary>The element type of a container; null for any other type.</summary>
        public ITypeSymbol? ElementOf(ITypeSymbol? type)
        {
            if (type is IArrayTypeSymbol array)
            {
                return array.ElementType;
            }

            if (!(type is INamedTypeSymbol named) || !IsContainer(named))
            {
                return null;
            }

            var generic = GenericOf(named);
            return generic.TypeArguments.IsEmpty ? null : generic.TypeArguments[generic.TypeArguments.Length - 1];
        }

        /// <summary>The type parameter that stands for the element in the collection's own declaration.</summary>
        public static ITypeParameterSymbol? ElementParameterOf(INamedTypeSymbol type)
        {
            var parameters = GenericOf(type).OriginalDefinition.TypeParameters;
            return parameters.IsEmpty ? null : parameters[parameters.Length - 1];
        }

        /// <summary>Is the declared type (before substitution) a type parameter of the member's own type: the element (or key) type of a collection?</summary>
        public static bool IsElementType(ITypeSymbol declared) =>
            declared is ITypeParameterSymbol parameter && parameter.TypeParameterKind == TypeParameterKind.Type;

        /// <summary>An instance method of a container that stores the element-typed arguments it takes: returns nothing, or is a <c>TryAdd…</c>.</summary>
        public static bool Stores(IMethodSymbol method) =>
            !method.IsStatic && !method.IsExtensionMethod && (method.ReturnsVoid || method.Name.StartsWith("TryAdd", StringComparison.Ordinal));

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

        // List<T>.Enumerator: the element is its containing type's.
        private static INamedTypeSymbol GenericOf(INamedTypeSymbol type) =>
            type.TypeArguments.IsEmpty && type.ContainingType is { } outer && !outer.TypeArguments.IsEmpty ? outer : type;

        private bool IsLibrarySequence(INamedTypeSymbol type)
        {
            if (SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, _compiled))
            {
                return false;
            }

            if (IsSequenceInterface(type.OriginalDefinition))
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (IsSequenceInterface(implemented.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsSequenceInterface(INamedTypeSymbol type) =>
            type.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T
            || type.SpecialType == SpecialType.System_Collections_Generic_IEnumerator_T
            || (type.Arity == 1 && type.Name == "IAsyncEnumerable" && type.ContainingNamespace is { Name: "Generic" } generic
                && generic.ContainingNamespace is { Name: "Collections" } collections && collections.ContainingNamespace is { Name: "System" } system
                && system.ContainingNamespace is { IsGlobalNamespace: true });
    }
}
