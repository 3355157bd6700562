using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The framework's ways to load a value through an address (<c>BinaryPrimitives.Read…</c>,
    /// <c>MemoryMarshal.Read</c>, <c>Unsafe.Read</c>, <c>Marshal.ReadInt64</c>, <c>Volatile.Read</c>,
    /// <c>Interlocked.Read</c>, <c>Exchange</c> and <c>CompareExchange</c>, <c>BitConverter.ToUInt64</c>): through device memory, what
    /// they give is what the device wrote there (<see cref="DeviceContentOrigin"/>); given a variable or field by reference, a read of it. The mirror of <see cref="DeviceWrites"/>; only the framework's
    /// members are named here.
    /// </summary>
    internal static class DeviceReads
    {
        /// <summary>Does <paramref name="method"/> return a value loaded through its argument <paramref name="source"/>?</summary>
        public static bool IsLoad(IMethodSymbol method, out int source)
        {
            source = 0;
            if (method.Parameters.Length < 1 || method.ReturnsVoid)
            {
                return false;
            }

            switch (MemoryAccessors.Of(method))
            {
                case MemoryAccessor.Unsafe:
                    return method.Name == "Read" || method.Name == "ReadUnaligned";
                case MemoryAccessor.Marshal:
                    return method.Name.StartsWith("Read", System.StringComparison.Ordinal);
                case MemoryAccessor.MemoryMarshal:
                case MemoryAccessor.Volatile:
                    return method.Name == "Read";
                case MemoryAccessor.Interlocked:
                    // Exchange and CompareExchange give back what the location held.
                    return method.Name == "Read" || method.Name == "Exchange" || method.Name == "CompareExchange";
                case MemoryAccessor.BinaryPrimitives:
                    return method.Name.StartsWith("Read", System.StringComparison.Ordinal);
                case MemoryAccessor.BitConverter:
                    // ToUInt64(ReadOnlySpan<byte>) and its kin: an integer loaded from the bytes at the address.
                    return method.Name.StartsWith("ToInt", System.StringComparison.Ordinal) || method.Name.StartsWith("ToUInt", System.StringComparison.Ordinal);
                default:
                    return false;
            }
        }
    }
}
