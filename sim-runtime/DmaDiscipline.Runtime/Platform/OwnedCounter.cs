using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DmaDiscipline.Runtime;

/// <summary>
/// An exact statistics counter that costs its first writer thread a plain add: that thread owns a
/// part only it writes (so no atomic instruction), and every other thread adds in the stripe of its
/// <see cref="ThreadTicket"/>, on cache lines of its own (as Linux's per-CPU counters) — with a plain
/// add too, once it has claimed the stripe, or an atomic one when another thread holds it. Two queues
/// on two threads that are not the owner (a device set up on one thread and driven from two) thus
/// never add to one line, and pay no atomic instruction either. Hot-path counters (bytes a device moved, cache hits, maps
/// made) are bumped by one thread in the common case — a queue's thread, a driver's CPU — where an atomic add per event
/// cost more than the event. <see cref="Value"/> is a snapshot: the sum of both parts, read from any
/// thread. Use it as a mutable field (never copied, never <c>readonly</c>).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
internal struct OwnedCounter
{
    // Two lines' worth of distance between what everybody reads and what the owner writes: the owner's
    // id and the stripes' reference (read at every add, by every thread) sit at the start; the owner's
    // count (written at every one of its adds) sits in the middle, at least a cache line from both
    // ends, whatever the alignment of the object holding the counter. With the count beside the id,
    // every add of a non-owner missed the line the owner had just written, and so did every read of
    // a field next to the counter in its holder (a bus master's domain, read per transaction).
    private const int CacheLine = 64;
    private const int StripeMask = 15;
    private const int Stride = 16; // longs per stripe: 128 bytes, no two stripes on one line or prefetch pair
    private const int Pad = 8;
    private const int OwnerField = 0;
    private const int OwnedField = 1;
    private const int SharedField = 2;

    [FieldOffset(0)]
    private int _owner;   // managed thread id of the first writer; 0 until one has written

    // Everyone else, in the stripe at [ticket stripe * Stride + Pad]: its owner's managed thread id,
    // the owner's count (plain adds) and the count of other threads sharing the stripe (atomic adds).
    // Made by the first of them.
    [FieldOffset(8)]
    private long[]? _stripes;

    [FieldOffset(CacheLine + (CacheLine / 2))]
    private long _owned;  // written by the owner only

    public long Value
    {
        get
        {
            long sum = Volatile.Read(ref _owned);
            if (Volatile.Read(ref _stripes) is { } stripes)
            {
                for (int at = Pad; at < stripes.Length; at += Stride)
                {
                    sum += Volatile.Read(ref stripes[at + OwnedField]) + Interlocked.Read(ref stripes[at + SharedField]);
                }
            }

            return sum;
        }
    }

    public void Increment() => Add(1, Environment.CurrentManagedThreadId);

    /// <summary>Adds one, for the thread whose <see cref="Environment.CurrentManagedThreadId"/> is <paramref name="me"/> (read once per operation: it is a thread-local read).</summary>
    public void Increment(int me) => Add(1, me);

    public void Add(long amount) => Add(amount, Environment.CurrentManagedThreadId);

    /// <summary>Adds <paramref name="amount"/>, for the calling thread, whose managed id is <paramref name="me"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long amount, int me)
    {
        if (Volatile.Read(ref _owner) == me)
        {
            // One writer: a plain read-modify-write, published with a release store so a reader on
            // another thread never sees a torn or out-of-order value.
            Volatile.Write(ref _owned, _owned + amount);
            return;
        }

        // A thread that has claimed its stripe (a queue's thread, when the device was set up on
        // another): inline too, so that it costs a table lookup more than the owner's add, not a call.
        if (Volatile.Read(ref _stripes) is { } stripes)
        {
            ref long stripe = ref StripeOf(stripes, me);
            if (Volatile.Read(ref stripe) == me)
            {
                ref long owned = ref Unsafe.Add(ref stripe, OwnedField);
                Volatile.Write(ref owned, owned + amount);
                return;
            }
        }

        AddSlow(amount, me);
    }

    /// <summary>The owner field (the first) of the stripe of thread <paramref name="me"/> (no bounds check: the index is masked to the array's fixed length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref long StripeOf(long[] stripes, int me) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(stripes), ((ThreadTicket.Of(me) & StripeMask) * Stride) + Pad + OwnerField);

    private void AddSlow(long amount, int me)
    {
        if (Volatile.Read(ref _owner) == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0)
        {
            Volatile.Write(ref _owned, _owned + amount);
            return;
        }

        ref long stripe = ref StripeOf(Volatile.Read(ref _stripes) ?? MakeStripes(), me);
        long stripeOwner = Volatile.Read(ref stripe);
        if (stripeOwner == me || (stripeOwner == 0 && Interlocked.CompareExchange(ref stripe, me, 0) == 0))
        {
            ref long owned = ref Unsafe.Add(ref stripe, OwnedField);
            Volatile.Write(ref owned, owned + amount);
            return;
        }

        Interlocked.Add(ref Unsafe.Add(ref stripe, SharedField), amount);
    }

    /// <summary>Sets the count to zero (while no thread is adding, as counters are reset between measurements).</summary>
    public void Reset()
    {
        Volatile.Write(ref _owned, 0);
        if (Volatile.Read(ref _stripes) is { } stripes)
        {
            for (int at = Pad; at < stripes.Length; at += Stride)
            {
                Volatile.Write(ref stripes[at + OwnedField], 0);
                Interlocked.Exchange(ref stripes[at + SharedField], 0);
            }
        }
    }

    private long[] MakeStripes()
    {
        Interlocked.CompareExchange(ref _stripes, new long[((StripeMask + 1) * Stride) + Pad], null);
        return _stripes!;
    }
}
