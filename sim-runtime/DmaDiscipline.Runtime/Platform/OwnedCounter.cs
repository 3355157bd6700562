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
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 2 * CacheLine)]
internal struct OwnedCounter
{
    // The stripes' reference sits a cache line away from the owner's part: every other thread reads
    // it at every add, and would otherwise pull the owner's line away at every add.
    private const int CacheLine = 64;
    private const int StripeMask = 15;
    private const int Stride = 16; // longs per stripe: 128 bytes, no two stripes on one line or prefetch pair
    private const int Pad = 8;
    private const int OwnerField = 0;
    private const int OwnedField = 1;
    private const int SharedField = 2;

    [System.Runtime.InteropServices.FieldOffset(0)]
    private int _owner;   // managed thread id of the first writer; 0 until one has written

    [System.Runtime.InteropServices.FieldOffset(8)]
    private long _owned;  // written by the owner only

    // Everyone else, in the stripe at [ticket stripe * Stride + Pad]: its owner's managed thread id,
    // the owner's count (plain adds) and the count of other threads sharing the stripe (atomic adds).
    // Made by the first of them.
    [System.Runtime.InteropServices.FieldOffset(CacheLine + 8)]
    private long[]? _stripes;

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
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(long amount, int me)
    {
        if (Volatile.Read(ref _owner) == me)
        {
            // One writer: a plain read-modify-write, published with a release store so a reader on
            // another thread never sees a torn or out-of-order value.
            Volatile.Write(ref _owned, _owned + amount);
            return;
        }

        AddSlow(amount, me);
    }

    private void AddSlow(long amount, int me)
    {
        if (Volatile.Read(ref _owner) == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0)
        {
            Volatile.Write(ref _owned, _owned + amount);
            return;
        }

        long[] stripes = Volatile.Read(ref _stripes) ?? MakeStripes();
        int at = ((ThreadTicket.Of(me) & StripeMask) * Stride) + Pad;
        long stripeOwner = Volatile.Read(ref stripes[at + OwnerField]);
        if (stripeOwner == me || (stripeOwner == 0 && Interlocked.CompareExchange(ref stripes[at + OwnerField], me, 0) == 0))
        {
            Volatile.Write(ref stripes[at + OwnedField], stripes[at + OwnedField] + amount);
            return;
        }

        Interlocked.Add(ref stripes[at + SharedField], amount);
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
