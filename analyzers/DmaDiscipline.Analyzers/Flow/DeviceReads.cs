using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The framework's ways to load a value through an address (<c>BinaryPrimitives.Read…</c>,
    /// <c>MemoryMarshal.Read</c>, <c>Unsafe.Read</c>, <c>Marshal.ReadInt64</c>, <c>Volatile.Read</c>,
    /// <c>Interlocked.Read</c>): through device memory, what they give is what the device wrote there
    /// (<see cref="DeviceContentOrigin"/>). The mirror of <see cref="DeviceWrites"/>; only the framework's
    /// members are named here.
    /// </summary>
    internal static class DeviceReads
    {
        /// <summary>Does <paramref name="method"/> return a value loaded through its argument <paramref name="source"/>?</summary>
        public static bool IsLoad(IMethodSymbol method, out int source)
        {
            source = 0;
            if (method.Parameters.Length < 1 || method.ReturnsVoid || !(method.ContainingType is { } type))
            {
                return false;
            }

            switch (type.Name)
            {
                case "Unsafe":
                    return (method.Name == "Read" || method.Name == "ReadUnaligned") && ValueConversions.InSystem(type, "CompilerServices", "Runtime");
                case "Marshal":
                    return method.Name.StartsWith("Read", System.StringComparison.Ordinal) && ValueConversions.InSystem(type, "InteropServices", "Runtime");
                case "MemoryMarshal":
                    return method.Name == "Read" && ValueConversions.InSystem(type, "InteropServices", "Runtime");
                case "Volatile":
                    return method.Name == "Read" && ValueConversions.InSystem(type, "Threading", null);
                case "Interlocked":
                    return method.Name == "Read" && ValueConversions.InSystem(type, "Threading", null);
                case "BinaryPrimitives":
                    return method.Name.StartsWith("Read", System.StringComparison.Ordinal) && ValueConversions.InSystem(type, "Binary", "Buffers");
                default:
                    return false;
            }
        }
    }
}
