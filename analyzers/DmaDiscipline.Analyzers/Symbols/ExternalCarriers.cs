using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Carriers, forgers and sinks declared in referenced assemblies: the runtime, and any library
    /// built against it (or against the assembly of a configured address type). Other assemblies
    /// cannot mention an address type, so they are not read.
    /// </summary>
    internal static class ExternalCarriers
    {
        /// <summary>Adds the names of referenced members that carry a physical address, forge a bus address when an argument is omitted, or are sinks.</summary>
        /// <param name="given">The names of methods that are given a physical address in a parameter marked <c>[PhysicalAddressSource]</c> (a platform's callback): a body implementing one shows it by its name.</param>
        /// <param name="sinkOwners">For each sink name added, the names of the types that declare a sink of that name.</param>
        public static void Add(Compilation compilation, DmaSymbols symbols, List<ITypeSymbol> physicalTypes, List<ITypeSymbol> busTypes,
            HashSet<string> carriers, HashSet<string> given, HashSet<string> forgers, HashSet<string> sinks, Dictionary<string, HashSet<string>> sinkOwners, HashSet<string> device, BusMembers busMembers,
            CancellationToken cancellationToken)
        {
            var definers = new HashSet<IAssemblySymbol>(SymbolEqualityComparer.Default);
            foreach (var type in physicalTypes)
            {
                AddDefiner(definers, type, compilation);
            }

            foreach (var type in busTypes)
            {
                AddDefiner(definers, type, compilation);
            }

            if (definers.Count == 0)
            {
                return;
            }

            foreach (var reference in compilation.References)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly && (definers.Contains(assembly) || References(assembly, definers)))
                {
                    AddNamespace(assembly.GlobalNamespace, symbols, carriers, given, forgers, new Sinks(sinks, sinkOwners, device, busMembers), cancellationToken);
                }
            }
        }

        private static void AddDefiner(HashSet<IAssemblySymbol> definers, ITypeSymbol type, Compilation compilation)
        {
            if (type.ContainingAssembly is { } assembly && !SymbolEqualityComparer.Default.Equals(assembly, compilation.Assembly))
            {
                definers.Add(assembly);
            }
        }

        private static bool References(IAssemblySymbol assembly, HashSet<IAssemblySymbol> definers)
        {
            foreach (var module in assembly.Modules)
            {
                foreach (var referenced in module.ReferencedAssemblySymbols)
                {
                    if (definers.Contains(referenced))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static void AddNamespace(INamespaceSymbol namespaceSymbol, DmaSymbols symbols, HashSet<string> carriers, HashSet<string> given, HashSet<string> forgers, Sinks sinks, CancellationToken cancellationToken)
        {
            foreach (var member in namespaceSymbol.GetMembers())
            {
                if (member is INamespaceSymbol nested)
                {
                    AddNamespace(nested, symbols, carriers, given, forgers, sinks, cancellationToken);
                }
                else if (member is INamedTypeSymbol type)
                {
                    AddType(type, symbols, carriers, given, forgers, sinks, cancellationToken);
                }
            }
        }

        private static void AddType(INamedTypeSymbol type, DmaSymbols symbols, HashSet<string> carriers, HashSet<string> given, HashSet<string> forgers, Sinks sinks, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (type.DeclaredAccessibility == Accessibility.Private)
            {
                return;
            }

            sinks.BusMembers.AddType(type);
            if (type.TypeKind == TypeKind.Delegate && type.DelegateInvokeMethod is { } invoke && Carries(invoke, symbols))
            {
                carriers.Add(type.Name);
            }

            foreach (var member in type.GetMembers())
            {
                if (member.DeclaredAccessibility == Accessibility.Private)
                {
                    continue;
                }

                // One reading of the member's own declaration serves both questions below.
                var declared = symbols.DeclaredRoles(member);
                if ((declared & DmaRole.PhysicalSource) != 0)
                {
                    carriers.Add(member.Name);
                }

                if ((declared & DmaRole.DeviceMemory) != 0 || ReturnsDeviceMemory(member, symbols))
                {
                    // Device memory is where a store becomes a sink.
                    sinks.Add(member.Name, type);
                    sinks.AddDevice(member.Name);
                }

                switch (member)
                {
                    case INamedTypeSymbol nested:
                        AddType(nested, symbols, carriers, given, forgers, sinks, cancellationToken);
                        break;
                    case IFieldSymbol field when ContainsPhysical(field.Type, symbols, 0):
                        carriers.Add(field.Name);
                        break;
                    case IPropertySymbol property when ContainsPhysical(property.Type, symbols, 0):
                        // An indexer is read without its name: the type's name is what a body shows.
                        carriers.Add(property.IsIndexer ? type.Name : property.Name);
                        break;
                    case IMethodSymbol method:
                        AddMethod(type, method, symbols, carriers, given, forgers, sinks);
                        break;
                }

                if (DmaSymbols.IsBusSinkMember(member, declared))
                {
                    sinks.Add(member.Name, type);
                }

                sinks.BusMembers.Add(member, type, symbols);
            }
        }

        private static void AddMethod(INamedTypeSymbol type, IMethodSymbol method, DmaSymbols symbols, HashSet<string> carriers, HashSet<string> given, HashSet<string> forgers, Sinks sinks)
        {
            if (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.Constructor)
            {
                return;
            }

            var name = method.MethodKind == MethodKind.Constructor ? type.Name : method.Name;
            if (method.MethodKind == MethodKind.Ordinary && Carries(method, symbols))
            {
                carriers.Add(name);
                if (method.Name == "Deconstruct" || method.Name == "GetEnumerator")
                {
                    carriers.Add(type.Name);
                }
            }

            foreach (var parameter in method.Parameters)
            {
                if (parameter.IsOptional && symbols.IsBusAddressType(parameter.Type))
                {
                    // An omitted DmaAddr argument is default(DmaAddr): a forgery the body does not spell.
                    forgers.Add(name);
                }

                if (symbols.IsDeclaredBusSinkParameter(parameter))
                {
                    sinks.Add(name, type);
                }

                if (symbols.MarksGivenPhysicalAddress(parameter))
                {
                    given.Add(name);
                }
            }
        }

        private static bool ReturnsDeviceMemory(ISymbol member, DmaSymbols symbols) => member switch
        {
            IMethodSymbol method => method.MethodKind == MethodKind.Ordinary && symbols.IsDeviceMemoryType(method.ReturnType),
            IPropertySymbol property => symbols.IsDeviceMemoryType(property.Type),
            IFieldSymbol field => symbols.IsDeviceMemoryType(field.Type),
            _ => false,
        };

        /// <summary>Can a call give the caller a physical address: returned, written out, or handed to a callback?</summary>
        private static bool Carries(IMethodSymbol method, DmaSymbols symbols)
        {
            if (ContainsPhysical(method.ReturnType, symbols, 0))
            {
                return true;
            }

            foreach (var parameter in method.Parameters)
            {
                // A physical address passed in by value is spelled by the caller; anything else is not.
                var byValueAddress = parameter.RefKind == RefKind.None && symbols.IsPhysicalType(parameter.Type);
                if (!byValueAddress && ContainsPhysical(parameter.Type, symbols, 0))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool ContainsPhysical(ITypeSymbol type, DmaSymbols symbols, int depth)
        {
            if (symbols.IsPhysicalType(type))
            {
                return true;
            }

            if (depth > 8)
            {
                return false;
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    return ContainsPhysical(array.ElementType, symbols, depth + 1);
                case IPointerTypeSymbol pointer:
                    return ContainsPhysical(pointer.PointedAtType, symbols, depth + 1);
                case INamedTypeSymbol named:
                    foreach (var argument in named.TypeArguments)
                    {
                        if (ContainsPhysical(argument, symbols, depth + 1))
                        {
                            return true;
                        }
                    }

                    return false;
                default:
                    return false;
            }
        }

        /// <summary>The sink names found, and which types declare them.</summary>
        private readonly struct Sinks
        {
            private readonly HashSet<string> _names;
            private readonly Dictionary<string, HashSet<string>> _owners;
            private readonly HashSet<string> _device;

            public Sinks(HashSet<string> names, Dictionary<string, HashSet<string>> owners, HashSet<string> device, BusMembers busMembers)
            {
                _names = names;
                _owners = owners;
                _device = device;
                BusMembers = busMembers;
            }

            public BusMembers BusMembers { get; }

            /// <summary>A member that holds or returns device memory: also where the summary generator's content names start.</summary>
            public void AddDevice(string name) => _device.Add(name);

            public void Add(string name, INamedTypeSymbol owner)
            {
                _names.Add(name);
                if (!_owners.TryGetValue(name, out var types))
                {
                    types = new HashSet<string>(System.StringComparer.Ordinal);
                    _owners.Add(name, types);
                }

                types.Add(owner.Name);
            }
        }
    }

    /// <summary>
    /// The names of referenced members whose value is a fresh bus address whatever their receiver and arguments: a read of
    /// one (<c>area.DmaAddress</c>, <c>list.DmaAddress(i)</c>) gives the flow a bus address (<c>AddressFlow.Member</c>, and a call
    /// of a method without a body that returns the bus-address type), never what the receiver or the arguments carry. Such a
    /// member is a field, a property (not an indexer) or an ordinary non-generic method of exactly the bus-address type, with
    /// no role (configured, marked, published, or of a member it implements), not abstract, virtual, an override or an extension, without
    /// <c>ref</c>/<c>out</c> parameters or a <c>ref</c> return, declared by a class or struct that is neither a physical nor a
    /// bus-address type (whose members are views of their own number), nor a record (whose members may be read as what its
    /// construction was given), nor a collection. A name counts only where every member of that name in the assemblies read
    /// is one (words cannot tell them apart).
    /// </summary>
    internal sealed class BusMembers
    {
        private readonly List<INamedTypeSymbol> _types = new List<INamedTypeSymbol>();
        private HashSet<string>? _candidates;

        /// <summary>A type read: its members of a candidate's name are asked in <see cref="Names"/>.</summary>
        public void AddType(INamedTypeSymbol type) => _types.Add(type);

        /// <summary>A member read: its name is a candidate when it gives a fresh bus address.</summary>
        public void Add(ISymbol member, INamedTypeSymbol type, DmaSymbols symbols)
        {
            if (IsFresh(member, type, symbols))
            {
                (_candidates ??= new HashSet<string>(System.StringComparer.Ordinal)).Add(member.Name);
            }
        }

        /// <summary>The names every member of which, among those read (not private), gives a fresh bus address.</summary>
        public HashSet<string> Names(DmaSymbols symbols)
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            if (_candidates is null)
            {
                return names;
            }

            foreach (var name in _candidates)
            {
                if (EveryMemberIsFresh(name, symbols))
                {
                    names.Add(name);
                }
            }

            return names;
        }

        private bool EveryMemberIsFresh(string name, DmaSymbols symbols)
        {
            foreach (var type in _types)
            {
                foreach (var member in type.GetMembers(name))
                {
                    if (member.DeclaredAccessibility != Accessibility.Private && !IsFresh(member, type, symbols))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool IsFresh(ISymbol member, INamedTypeSymbol type, DmaSymbols symbols)
        {
            if (member.IsImplicitlyDeclared)
            {
                return false;
            }

            var valueType = member switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol { IsIndexer: false, ReturnsByRef: false, ReturnsByRefReadonly: false } property => property.Type,
                IMethodSymbol { MethodKind: MethodKind.Ordinary, IsGenericMethod: false, IsExtensionMethod: false, ReturnsByRef: false, ReturnsByRefReadonly: false } method => method.ReturnType,
                _ => null,
            };
            return valueType is not null && symbols.IsBusAddressType(valueType)
                && !(member is IMethodSymbol withParameters && HasReferenceParameter(withParameters))
                && !member.IsAbstract && !member.IsVirtual && !member.IsOverride
                && (type.TypeKind == TypeKind.Class || type.TypeKind == TypeKind.Struct) && !type.IsRecord && !type.IsGenericType
                && !symbols.IsPhysicalType(type) && !symbols.IsBusAddressType(type) && !symbols.Containers.IsContainer(type)
                && symbols.RolesOf(member) == DmaRole.None;
        }

        private static bool HasReferenceParameter(IMethodSymbol method)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind != RefKind.None)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
