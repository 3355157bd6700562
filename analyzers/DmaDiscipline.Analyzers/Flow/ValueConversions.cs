using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>What a call does to the number it is given, for <see cref="AddressFlow"/>.</summary>
    internal enum ValueConversion
    {
        /// <summary>Nothing known: the call is followed like any other.</summary>
        None,

        /// <summary>Returns its receiver's number, in another type (<c>IntPtr.ToInt64()</c>, a physical type's <c>ToUInt64()</c>).</summary>
        Instance,

        /// <summary>Returns its first argument's number, in another type (<c>Unsafe.As</c>, <c>Convert.ToUInt64</c>).</summary>
        FirstArgument,

        /// <summary>Identity-mapped platforms: returns the address of pinned or native heap memory (<c>GCHandle.AddrOfPinnedObject</c>).</summary>
        PinnedAddress,
    }

    /// <summary>
    /// The value-preserving conversions of the framework (the same bits, another type), followed on
    /// every platform, and the framework's ways to get the address of pinned or unmanaged memory,
    /// sources on an identity-mapped one. Only the framework's members are named here.
    /// </summary>
    internal static class ValueConversions
    {
        public static ValueConversion Of(IMethodSymbol method, Symbols.DmaSymbols symbols)
        {
            var type = method.ContainingType;
            if (type is null)
            {
                return ValueConversion.None;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return !method.IsStatic && IsNumberMethod(method.Name) ? ValueConversion.Instance : ValueConversion.None;
            }

            if (method.Parameters.Length > 0 && !method.ReturnsVoid && (symbols.RolesOf(method) & Symbols.DmaRole.ValuePreserving) != 0)
            {
                // Configured (models-as-data): a helper of another assembly that returns its argument's number.
                return ValueConversion.FirstArgument;
            }

            if (!method.IsStatic && method.Parameters.Length == 0 && symbols.IsPhysicalType(type) && symbols.IsAddressLike(method.ReturnType))
            {
                // A configured physical type's ToUInt64() and the like: the number carries the provenance.
                return ValueConversion.Instance;
            }

            switch (type.Name)
            {
                case "Convert" when InSystem(type, null, null) && method.Parameters.Length == 1
                    && IsAddressInteger(method.ReturnType) && IsAddressInteger(method.Parameters[0].Type):
                    return ValueConversion.FirstArgument;
                case "MemoryExtensions" when (method.Name == "AsSpan" || method.Name == "AsMemory") && method.Parameters.Length >= 1
                    && InSystem(type, null, null):
                    // A view of the array (or string): the same content, the same memory.
                    return ValueConversion.FirstArgument;
                case "BitConverter" when method.Name == "GetBytes" && method.Parameters.Length == 1 && IsAddressInteger(method.Parameters[0].Type)
                    && InSystem(type, null, null):
                    // The bytes of the number: the array's content is the number (its elements are one content).
                    return ValueConversion.FirstArgument;
                case "BinaryPrimitives" when method.Name == "ReverseEndianness" && method.Parameters.Length == 1 && IsAddressInteger(method.Parameters[0].Type)
                    && InSystem(type, "Binary", "Buffers"):
                case "IPAddress" when (method.Name == "HostToNetworkOrder" || method.Name == "NetworkToHostOrder") && method.Parameters.Length == 1
                    && IsAddressInteger(method.Parameters[0].Type) && InSystem(type, "Net", null):
                    // The same address in the other byte order: what a big-endian device is given (cpu_to_be64).
                    return ValueConversion.FirstArgument;
                case "Unsafe" when (method.Name == "As" || method.Name == "BitCast") && method.Parameters.Length == 1
                    && InSystem(type, "CompilerServices", "Runtime"):
                    return ValueConversion.FirstArgument;
                case "GCHandle" when symbols.PointersArePhysical && method.Name == "AddrOfPinnedObject" && InSystem(type, "InteropServices", "Runtime"):
                case "Marshal" when symbols.PointersArePhysical && InSystem(type, "InteropServices", "Runtime")
                    && (method.Name == "AllocHGlobal" || method.Name == "AllocCoTaskMem" || method.Name == "UnsafeAddrOfPinnedArrayElement"):
                    return ValueConversion.PinnedAddress;
                default:
                    return ValueConversion.None;
            }
        }

        /// <summary>
        /// Is the type in System.<paramref name="parent"/>.<paramref name="name"/>, System.<paramref name="name"/>
        /// (no parent) or System itself (neither)? Compares names, allocates nothing.
        /// </summary>
        internal static bool InSystem(INamedTypeSymbol type, string? name, string? parent)
        {
            var ns = type.ContainingNamespace;
            if (name is not null)
            {
                if (ns is null || ns.Name != name)
                {
                    return false;
                }

                ns = ns.ContainingNamespace;
            }

            if (parent is not null)
            {
                if (ns is null || ns.Name != parent)
                {
                    return false;
                }

                ns = ns.ContainingNamespace;
            }

            return ns is not null && ns.Name == "System" && ns.ContainingNamespace is { IsGlobalNamespace: true };
        }

        private static bool IsNumberMethod(string name) =>
            name == "ToInt64" || name == "ToUInt64" || name == "ToInt32" || name == "ToUInt32" || name == "ToPointer";

        public static bool IsPointer(ITypeSymbol? type) => type is IPointerTypeSymbol || type is IFunctionPointerTypeSymbol;

        /// <summary>An integer an address fits in (or a native-sized one).</summary>
        public static bool IsAddressInteger(ITypeSymbol? type)
        {
            switch (type?.SpecialType)
            {
                case SpecialType.System_UInt64:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int32:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return true;
                default:
                    return false;
            }
        }
    }
}
