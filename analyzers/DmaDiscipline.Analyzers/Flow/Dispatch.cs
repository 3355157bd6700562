using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The bodies a call may run: the method itself when the compilation has its body, and the
    /// overrides and interface implementations the compilation's own types declare. The types are
    /// listed once, the first time a virtual or interface call is asked about.
    /// </summary>
    internal sealed class Dispatch
    {
        private readonly Compilation _compilation;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<IMethodSymbol>> _targets =
            new ConcurrentDictionary<IMethodSymbol, ImmutableArray<IMethodSymbol>>(SymbolEqualityComparer.Default);

        private List<INamedTypeSymbol>? _types;

        public Dispatch(Compilation compilation, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _cancellationToken = cancellationToken;
        }

        /// <summary>The methods with a body in this compilation that a call of <paramref name="method"/> may run.</summary>
        public ImmutableArray<IMethodSymbol> TargetsOf(IMethodSymbol method) => _targets.GetOrAdd(method.OriginalDefinition, Compute);

        private ImmutableArray<IMethodSymbol> Compute(IMethodSymbol method)
        {
            var targets = ImmutableArray.CreateBuilder<IMethodSymbol>();
            if (HasBody(method))
            {
                targets.Add(method);
            }

            var isInterface = method.ContainingType?.TypeKind == TypeKind.Interface;
            if (!isInterface && !method.IsVirtual && !method.IsAbstract && !method.IsOverride)
            {
                return targets.ToImmutable();
            }

            foreach (var type in Types())
            {
                if (isInterface)
                {
                    if (Implements(type, method.ContainingType!)
                        && type.FindImplementationForInterfaceMember(method) is IMethodSymbol implementation
                        && HasBody(implementation.OriginalDefinition) && !Contains(targets, implementation.OriginalDefinition))
                    {
                        targets.Add(implementation.OriginalDefinition);
                    }

                    continue;
                }

                foreach (var member in type.GetMembers(method.Name))
                {
                    if (member is IMethodSymbol candidate && HasBody(candidate.OriginalDefinition) && Overrides(candidate, method)
                        && !Contains(targets, candidate.OriginalDefinition))
                    {
                        targets.Add(candidate.OriginalDefinition);
                    }
                }
            }

            return targets.ToImmutable();
        }

        private static bool Contains(ImmutableArray<IMethodSymbol>.Builder targets, IMethodSymbol method)
        {
            foreach (var target in targets)
            {
                if (SymbolEqualityComparer.Default.Equals(target, method))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Implements(INamedTypeSymbol type, INamedTypeSymbol @interface)
        {
            foreach (var implemented in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, @interface.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Overrides(IMethodSymbol candidate, IMethodSymbol method)
        {
            var target = method.OriginalDefinition;
            var current = candidate.OverriddenMethod;
            for (var depth = 0; current is not null && depth < 16; depth++, current = current.OverriddenMethod)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, target))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Does the compilation hold the method's body (a local function's included)?</summary>
        public bool HasBody(IMethodSymbol method) =>
            !method.IsAbstract && !method.IsExtern && !method.DeclaringSyntaxReferences.IsEmpty
            && SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _compilation.Assembly);

        private List<INamedTypeSymbol> Types()
        {
            var types = _types;
            if (types is not null)
            {
                return types;
            }

            types = new List<INamedTypeSymbol>();
            var pending = new Stack<INamespaceOrTypeSymbol>();
            pending.Push(_compilation.Assembly.GlobalNamespace);
            while (pending.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var container = pending.Pop();
                foreach (var member in container is INamespaceSymbol ns ? ns.GetMembers() : (IEnumerable<INamespaceOrTypeSymbol>)container.GetTypeMembers())
                {
                    if (member is INamedTypeSymbol type)
                    {
                        types.Add(type);
                    }

                    pending.Push(member);
                }
            }

            Interlocked.CompareExchange(ref _types, types, null);
            return _types!;
        }
    }
}
