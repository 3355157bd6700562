using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Checks a readable line of a symbols file against the compilation: an id that names nothing
    /// (DMA901, with the nearest id that does where one is found), and a role or parameter that does
    /// not fit the member it names (DMA900). Without this a typo switches a source or sink off in silence.
    /// </summary>
    internal static class SymbolsFileCheck
    {
        /// <summary>What a C# writer types for a parameter type, and what documentation ids spell.</summary>
        private static readonly ImmutableArray<(string Keyword, string MetadataName)> Keywords = ImmutableArray.Create(
            ("bool", "System.Boolean"), ("byte", "System.Byte"), ("sbyte", "System.SByte"), ("char", "System.Char"),
            ("short", "System.Int16"), ("ushort", "System.UInt16"), ("int", "System.Int32"), ("uint", "System.UInt32"),
            ("long", "System.Int64"), ("ulong", "System.UInt64"), ("nint", "System.IntPtr"), ("nuint", "System.UIntPtr"),
            ("float", "System.Single"), ("double", "System.Double"), ("decimal", "System.Decimal"),
            ("string", "System.String"), ("object", "System.Object"));

        private const int MaxSuggestions = 3;

        /// <summary>The problem with <paramref name="entry"/> in <paramref name="compilation"/>, if any.</summary>
        public static (DiagnosticDescriptor Descriptor, string Message, DiagnosticSeverity Severity)? Check(SymbolsFile.Entry entry, Compilation compilation)
        {
            if (entry.DocumentationId == SymbolsFile.PointersId)
            {
                return null; // a statement about the platform, not a symbol
            }

            var symbols = DocumentationCommentId.GetSymbolsForDeclarationId(entry.DocumentationId, compilation);
            if (symbols.IsEmpty)
            {
                return (Descriptors.DMA901, Unresolved(entry.DocumentationId, compilation), Descriptors.DMA901.DefaultSeverity);
            }

            foreach (var symbol in symbols)
            {
                if (Misfit(entry, symbol) is { } problem)
                {
                    return (Descriptors.DMA900, problem, Descriptors.DMA900.DefaultSeverity);
                }
            }

            foreach (var symbol in symbols)
            {
                // The line is read and kept; only what the analysis can learn from it is less.
                if (IsDirectional(entry.Role) && symbol is IMethodSymbol method && UnreadableDirection(entry.DocumentationId, method) is { } blind)
                {
                    return (Descriptors.DMA900, blind, DiagnosticSeverity.Info);
                }
            }

            return null;
        }

        private static string Unresolved(string id, Compilation compilation)
        {
            var message = $"'{id}' names nothing in this compilation";

            // Spellings a C# writer reaches for first: '+' for a nested type, keywords for parameter types.
            var respelled = Respell(id);
            if (respelled != id && Resolves(respelled, compilation))
            {
                return message + $"; documentation ids separate nested types with '.' and spell parameter types by metadata name: '{respelled}'";
            }

            var near = NearIds(respelled, compilation);
            if (near.Count > 0)
            {
                return message + "; did you mean " + string.Join(" or ", near.Select(n => $"'{n}'")) + "?";
            }

            return message + (ContainerOf(respelled) is { Length: > 0 } container && FindContainer(container, compilation) is null
                ? $" (no namespace or type '{container}'); an id for another project of the solution is expected here"
                : string.Empty);
        }

        private static bool Resolves(string id, Compilation compilation) => !DocumentationCommentId.GetSymbolsForDeclarationId(id, compilation).IsEmpty;

        private static string Respell(string id)
        {
            var open = id.IndexOf('(');
            var name = (open < 0 ? id : id.Substring(0, open)).Replace('+', '.');
            if (open < 0)
            {
                return name;
            }

            var parameters = id.Substring(open + 1).TrimEnd(')').Split(',')
                .Select(p => p.Trim())
                .Select(p =>
                {
                    foreach (var (keyword, metadataName) in Keywords)
                    {
                        if (p == keyword || p.StartsWith(keyword + "[", StringComparison.Ordinal) || p.StartsWith(keyword + "*", StringComparison.Ordinal)
                            || p.StartsWith(keyword + "@", StringComparison.Ordinal))
                        {
                            return metadataName + p.Substring(keyword.Length);
                        }
                    }

                    return p.Replace('+', '.');
                });
            return name + "(" + string.Join(",", parameters) + ")";
        }

        /// <summary>Ids of members of the (case-insensitively found) container whose name matches, case aside, and of the same kind.</summary>
        private static List<string> NearIds(string id, Compilation compilation)
        {
            var result = new List<string>();
            var container = ContainerOf(id);
            var name = MemberName(id);
            if (container is null || name.Length == 0 || !(FindContainer(container, compilation) is { } found))
            {
                return result;
            }

            foreach (var member in found.GetMembers())
            {
                if (!string.Equals(member.MetadataName, name, StringComparison.OrdinalIgnoreCase) && !string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (DocumentationCommentId.CreateDeclarationId(member) is { } candidate && candidate[0] == id[0] && candidate != id)
                {
                    result.Add(candidate);
                    if (result.Count == MaxSuggestions)
                    {
                        break;
                    }
                }
            }

            return result;
        }

        /// <summary>"M:A.B.C(…)" → "A.B"; "T:A.B" → "A".</summary>
        private static string? ContainerOf(string id)
        {
            var open = id.IndexOf('(');
            var path = (open < 0 ? id : id.Substring(0, open)).Substring(2);
            var dot = path.LastIndexOf('.');
            return dot < 0 ? null : path.Substring(0, dot);
        }

        private static string MemberName(string id)
        {
            var open = id.IndexOf('(');
            var path = open < 0 ? id : id.Substring(0, open);
            var dot = path.LastIndexOf('.');
            var name = dot < 0 ? path.Substring(2) : path.Substring(dot + 1);
            var arity = name.IndexOf('`');
            return arity < 0 ? name : name.Substring(0, arity);
        }

        /// <summary>The namespace or type with this dotted name, each part matched case-insensitively.</summary>
        private static INamespaceOrTypeSymbol? FindContainer(string dotted, Compilation compilation)
        {
            INamespaceOrTypeSymbol current = compilation.GlobalNamespace;
            foreach (var part in dotted.Split('.'))
            {
                var arity = part.IndexOf('`');
                var simple = arity < 0 ? part : part.Substring(0, arity);
                INamespaceOrTypeSymbol? next = null;
                foreach (var member in current.GetMembers())
                {
                    if (member is INamespaceOrTypeSymbol candidate && string.Equals(candidate.Name, simple, StringComparison.OrdinalIgnoreCase))
                    {
                        next = candidate;
                        if (candidate.Name == simple)
                        {
                            break; // an exact match wins over a case-insensitive one
                        }
                    }
                }

                if (next is null)
                {
                    return null;
                }

                current = next;
            }

            return current;
        }

        private static bool IsDirectional(DmaRole role) =>
            (role & (DmaRole.Map | DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice)) != 0;

        /// <summary>
        /// A direction enum the analysis cannot read: its members are read by name (ToDevice, FromDevice,
        /// Bidirectional), since a framework's numbers need not be Linux's; a member named otherwise
        /// leaves DMA004 and DMA005 blind to every map made with it.
        /// </summary>
        private static string? UnreadableDirection(string id, IMethodSymbol method)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.Type.TypeKind == TypeKind.Enum && parameter.Type.Name.EndsWith("Direction", StringComparison.Ordinal)
                    && TransferDirection.Unreadable(parameter.Type) is { } member)
                {
                    return $"the direction '{parameter.Type.Name}.{member}' of '{id}' names neither a transfer to the device, from the device nor both "
                        + "(members are read by name: ToDevice, FromDevice, Bidirectional); DMA004 and DMA005 ignore the direction of calls that pass it";
                }
            }

            return null;
        }

        /// <summary>Why the role (or its parameter) cannot apply to the member the id names, or null.</summary>
        private static string? Misfit(SymbolsFile.Entry entry, ISymbol symbol)
        {
            var id = entry.DocumentationId;
            if (!(symbol is IMethodSymbol method))
            {
                return null;
            }

            if (entry.ParameterName is { } parameterName && !method.Parameters.Any(p => p.Name == parameterName))
            {
                var sameButCase = method.Parameters.FirstOrDefault(p => string.Equals(p.Name, parameterName, StringComparison.OrdinalIgnoreCase));
                var names = method.Parameters.IsEmpty ? "it has none" : "its parameters: " + string.Join(", ", method.Parameters.Select(p => p.Name));
                return sameButCase is not null
                    ? $"'{id}' has no parameter '{parameterName}'; parameter names are case-sensitive: '{sameButCase.Name}'"
                    : $"'{id}' has no parameter '{parameterName}' ({names})";
            }

            if (entry.ParameterName is { } received && (entry.Role & (DmaRole.PhysicalSource | DmaRole.DeviceMemory)) != 0)
            {
                // physical-source(pa): the address comes back through that out or ref parameter, or the method is given one in
                // it, which only a body of this compilation (its own, an override's, an implementation's) can use.
                // device-memory(regs): only comes back, so it must be a parameter a call writes.
                if (method.Parameters.First(p => p.Name == received).RefKind is RefKind.Out or RefKind.Ref)
                {
                    return null;
                }

                if (entry.Role == DmaRole.PhysicalSource)
                {
                    return method.Locations.Any(l => l.IsInSource) || method.IsAbstract || method.IsVirtual || method.ContainingType?.TypeKind == TypeKind.Interface
                        ? null
                        : $"'{received}' of '{id}' is passed by value: 'physical-source({received})' on it says the method is given a physical address, and no body here can be: '{id}' is in another assembly and cannot be overridden or implemented; name an out or ref parameter for an address that comes back";
                }

                return $"'{received}' of '{id}' is passed by value: '{SymbolsFile.RoleName(entry.Role)}({received})' names the out or ref parameter the address comes back through";
            }

            var returnsVoid = method.ReturnsVoid && method.MethodKind != MethodKind.Constructor;
            switch (entry.Role & ~DmaRole.PersistentMap) // 'map-persistent' is a map
            {
                case DmaRole.PhysicalSource when returnsVoid:
                    return $"role 'physical-source' needs a method that returns the address, and '{id}' returns nothing";
                case DmaRole.CoherentAlloc when returnsVoid:
                    return $"role 'coherent-alloc' needs a method that returns the buffer, and '{id}' returns nothing";
                case DmaRole.ValuePreserving when returnsVoid || method.Parameters.IsEmpty:
                    return $"role 'value-preserving' needs a method that returns what its first argument is given, and '{id}' {(returnsVoid ? "returns nothing" : "has no parameter")}";
                case DmaRole.MappingErrorCheck when method.ReturnType.SpecialType != SpecialType.System_Boolean:
                    return $"role 'mapping-error-check' needs a method that returns bool (true = the mapping failed), and '{id}' returns {method.ReturnType.ToDisplayString()}";
                case DmaRole.ReceiverSink when method.IsStatic:
                    return $"role 'receiver-sink' needs an instance method (it stores into its receiver's memory), and '{id}' is static";
                case DmaRole.BusSink:
                case DmaRole.ReceiverSink:
                case DmaRole.Map:
                case DmaRole.Unmap:
                case DmaRole.SyncForCpu:
                case DmaRole.SyncForDevice:
                case DmaRole.MappingErrorCheck:
                case DmaRole.CoherentFree:
                    return method.Parameters.IsEmpty ? $"role '{SymbolsFile.RoleName(entry.Role)}' needs a parameter to act on, and '{id}' has none" : null;
                default:
                    return null;
            }
        }
    }
}
