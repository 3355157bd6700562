using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The framework's classes that load and store values through an address: <c>Unsafe</c>, <c>Marshal</c>,
    /// <c>MemoryMarshal</c>, <c>Volatile</c>, <c>Interlocked</c>, <c>BinaryPrimitives</c>, <c>BitConverter</c>, each recognised in its
    /// own namespace. <see cref="DeviceWrites"/> and <see cref="DeviceReads"/> say which of their methods store and load.
    /// </summary>
    internal enum MemoryAccessor
    {
        None,
        Unsafe,
        Marshal,
        MemoryMarshal,
        Volatile,
        Interlocked,
        BinaryPrimitives,
        BitConverter,
    }

    internal static class MemoryAccessors
    {
        /// <summary>Which of the framework's accessor classes declares <paramref name="method"/>, if any.</summary>
        public static MemoryAccessor Of(IMethodSymbol method)
        {
            if (!(method.ContainingType is { } type))
            {
                return MemoryAccessor.None;
            }

            switch (type.Name)
            {
                case "Unsafe" when ValueConversions.InSystem(type, "CompilerServices", "Runtime"):
                    return MemoryAccessor.Unsafe;
                case "Marshal" when ValueConversions.InSystem(type, "InteropServices", "Runtime"):
                    return MemoryAccessor.Marshal;
                case "MemoryMarshal" when ValueConversions.InSystem(type, "InteropServices", "Runtime"):
                    return MemoryAccessor.MemoryMarshal;
                case "Volatile" when ValueConversions.InSystem(type, "Threading", null):
                    return MemoryAccessor.Volatile;
                case "Interlocked" when ValueConversions.InSystem(type, "Threading", null):
                    return MemoryAccessor.Interlocked;
                case "BinaryPrimitives" when ValueConversions.InSystem(type, "Binary", "Buffers"):
                    return MemoryAccessor.BinaryPrimitives;
                case "BitConverter" when ValueConversions.InSystem(type, null, null):
                    return MemoryAccessor.BitConverter;
                default:
                    return MemoryAccessor.None;
            }
        }
    }
}
