using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DmaDiscipline.Runtime;

/// <summary>
/// The per-stripe objects of the DMA hot path's striped state (live-mapping shards, IOVA stripes and
/// CPU caches, lazy flush queues, I/O page-table levels), made on first use by whichever thread needs one first. Read
/// without the array-covariance check that taking a reference to an element of a reference-type
/// array costs (a helper call per read, seen at 2–3 % of a strict map+unmap); the index is checked.
/// </summary>
internal static class LazySlot
{
    /// <summary>The object at <paramref name="index"/>, made with <paramref name="make"/> if there is none yet (one wins a race).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Get<T, TState>(T?[] slots, int index, TState state, Func<TState, T> make)
        where T : class
    {
        ref T? slot = ref At(slots, index);
        return Volatile.Read(ref slot) ?? Make(ref slot, state, make);
    }

    /// <summary>A reference to the slot at <paramref name="index"/> (checked), without the covariance check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T? At<T>(T?[] slots, int index)
        where T : class
    {
        if ((uint)index >= (uint)slots.Length)
        {
            ThrowOutside(index);
        }

        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slots), (nint)(uint)index);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowOutside(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "Outside the slots.");

    private static T Make<T, TState>(ref T? slot, TState state, Func<TState, T> make)
        where T : class =>
        Interlocked.CompareExchange(ref slot, make(state), null) ?? slot!;
}
