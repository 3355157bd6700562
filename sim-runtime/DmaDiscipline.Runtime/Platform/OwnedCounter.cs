namespace DmaDiscipline.Runtime;

/// <summary>
/// An exact statistics counter that costs its first writer thread a plain add: that thread owns a
/// part only it writes (so no atomic instruction), every other thread adds to a shared part with an
/// atomic add. Hot-path counters (bytes a device moved, cache hits, maps made) are bumped by one
/// thread in the common case — a queue's thread, a driver's CPU — where an atomic add per event
/// cost more than the event. <see cref="Value"/> is a snapshot: the sum of both parts, read from any
/// thread. Use it as a mutable field (never copied, never <c>readonly</c>).
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 2 * CacheLine)]
internal struct OwnedCounter
{
    // The shared part sits a cache line away from the owner's: with two queues on two threads, the
    // second thread's atomic adds would otherwise invalidate the owner's line at every add.
    private const int CacheLine = 64;

    [System.Runtime.InteropServices.FieldOffset(0)]
    private int _owner;   // managed thread id of the first writer; 0 until one has written

    [System.Runtime.InteropServices.FieldOffset(8)]
    private long _owned;  // written by the owner only

    [System.Runtime.InteropServices.FieldOffset(CacheLine + 8)]
    private long _shared; // everyone else, atomically

    public long Value => Volatile.Read(ref _owned) + Interlocked.Read(ref _shared);

    public void Increment() => Add(1, Environment.CurrentManagedThreadId);

    /// <summary>Adds one, for the thread whose <see cref="Environment.CurrentManagedThreadId"/> is <paramref name="me"/> (read once per operation: it is a thread-local read).</summary>
    public void Increment(int me) => Add(1, me);

    public void Add(long amount) => Add(amount, Environment.CurrentManagedThreadId);

    /// <summary>Adds <paramref name="amount"/>, for the calling thread, whose managed id is <paramref name="me"/>.</summary>
    public void Add(long amount, int me)
    {
        int owner = Volatile.Read(ref _owner);
        if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0))
        {
            // One writer: a plain read-modify-write, published with a release store so a reader on
            // another thread never sees a torn or out-of-order value.
            Volatile.Write(ref _owned, _owned + amount);
            return;
        }

        Interlocked.Add(ref _shared, amount);
    }

    /// <summary>Sets the count to zero (while no thread is adding, as counters are reset between measurements).</summary>
    public void Reset()
    {
        Volatile.Write(ref _owned, 0);
        Interlocked.Exchange(ref _shared, 0);
    }
}
