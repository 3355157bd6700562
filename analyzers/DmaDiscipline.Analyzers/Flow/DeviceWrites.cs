using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The framework's ways to store a value through an address (<c>Unsafe.Write</c>,
    /// <c>Marshal.WriteInt64</c>, <c>MemoryMarshal.Write</c>, <c>Volatile.Write</c>,
    /// <c>Interlocked.Exchange</c> and <c>CompareExchange</c>, <c>BinaryPrimitives.Write…</c>): a device-visible sink when the
    /// address is device memory; given a variable or field by reference, an assignment of it. Only the framework's members are named here.
    /// </summary>
    internal static class DeviceWrites
    {
        /// <summary>Does <paramref name="method"/> store its argument <paramref name="value"/> through its argument <paramref name="destination"/>?</summary>
        public static bool IsStore(IMethodSymbol method, out int destination, out int value)
        {
            destination = 0;
            value = method.Parameters.Length - 1;
            if (method.Parameters.Length < 2)
            {
                return false;
            }

            switch (MemoryAccessors.Of(method))
            {
                case MemoryAccessor.Unsafe:
                    return method.Name == "Write" || method.Name == "WriteUnaligned";
                case MemoryAccessor.Marshal:
                    return method.Name.StartsWith("Write", System.StringComparison.Ordinal);
                case MemoryAccessor.MemoryMarshal:
                    return method.Name == "Write" || method.Name == "TryWrite";
                case MemoryAccessor.Volatile:
                    return method.Name == "Write";
                case MemoryAccessor.Interlocked:
                    if (method.Name == "CompareExchange" && method.Parameters.Length == 3)
                    {
                        // CompareExchange(ref location, value, comparand): the value, where the comparand matched.
                        value = 1;
                        return true;
                    }

                    return method.Name == "Exchange" && method.Parameters.Length == 2;
                case MemoryAccessor.BinaryPrimitives:
                    return method.Name.StartsWith("Write", System.StringComparison.Ordinal);
                case MemoryAccessor.BitConverter:
                    // TryWriteBytes(Span<byte> destination, value): the value's bytes stored at the destination.
                    return method.Name == "TryWriteBytes" && method.Parameters.Length == 2;
                default:
                    return false;
            }
        }

        /// <summary>A store that may leave what the destination held (<c>Interlocked.CompareExchange</c>: only where the comparand matched).</summary>
        public static bool MayKeep(IMethodSymbol method) =>
            method.Name == "CompareExchange" && MemoryAccessors.Of(method) == MemoryAccessor.Interlocked;

        /// <summary>
        /// <c>source.CopyTo(destination)</c> and <c>TryCopyTo</c> of the framework's spans (instance methods) and of arrays
        /// (<c>MemoryExtensions</c>, the receiver its first argument): the source's content is stored through the
        /// destination, the parameter numbered <paramref name="destination"/> among the call's arguments.
        /// </summary>
        public static bool IsCopy(IMethodSymbol method, bool hasInstance, out int destination)
        {
            destination = hasInstance ? 0 : 1;
            if ((method.Name != "CopyTo" && method.Name != "TryCopyTo") || !(method.ContainingType is { } type)
                || method.Parameters.Length != destination + 1 || !IsMemoryHandle(method.Parameters[destination].Type))
            {
                return false;
            }

            return hasInstance
                ? IsMemoryHandle(type)
                : type.Name == "MemoryExtensions" && Flow.ValueConversions.InSystem(type, null, null);
        }

        /// <summary>
        /// A type through which memory is addressed: a pointer, <c>IntPtr</c>/<c>UIntPtr</c>, a
        /// <c>Span&lt;T&gt;</c>, <c>ReadOnlySpan&lt;T&gt;</c> or <c>Memory&lt;T&gt;</c>. What a member or call of
        /// such a type returns from device memory addresses device memory too.
        /// </summary>
        public static bool IsMemoryHandle(ITypeSymbol? type)
        {
            switch (type)
            {
                case IPointerTypeSymbol _:
                    return true;
                case INamedTypeSymbol named:
                    if (named.SpecialType == SpecialType.System_IntPtr || named.SpecialType == SpecialType.System_UIntPtr)
                    {
                        return true;
                    }

                    return named.Arity == 1 && (named.Name == "Span" || named.Name == "ReadOnlySpan" || named.Name == "Memory")
                        && named.ContainingNamespace is { Name: "System" } ns && ns.ContainingNamespace is { IsGlobalNamespace: true };
                default:
                    return false;
            }
        }
    }
}
