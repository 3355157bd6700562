namespace DmaDiscipline.Runtime;

/// <summary>
/// The device transactions in flight through one domain, so that a strict unmap returns only after
/// every transaction that may have translated through a removed entry has moved its bytes (VT-d's
/// drain-reads/drain-writes bits of an IOTLB invalidation). A transaction is counted from before its
/// first translation until its copy is done, with the bus pages it accesses; a drain runs after the
/// invalidation it completes, for the pages that invalidation removed.
/// <para>
/// Two modes, as a biased lock. <b>Owned</b>: while one thread issues every transaction and every
/// drain of the domain (a single-queue device driven from one CPU), it counts in a field only it
/// writes, and its drain waits for nothing: it cannot be inside one of its own transactions, and no
/// other thread issues any. This costs a transaction two plain stores and a drain nothing.
/// <b>Shared</b>, for good, as soon as a second thread begins a transaction or drains: the switch
/// makes every thread's stores visible (a process-wide memory barrier, once per domain) and waits
/// for the owner's transactions in flight, while any other thread waits for the switch to finish.
/// From then on each thread publishes its transaction in a slot of its own, as Linux keeps per-CPU
/// state (<c>percpu_ref</c>, the IOVA rcache): the slot of its <see cref="ThreadTicket"/>, claimed
/// once per domain, on cache lines no other slot shares, holding a sequence number and the bus pages
/// the transaction accesses. A drain reads every slot and waits only for a transaction that is in
/// flight on pages it invalidated: two queues of one device on two cores write no common line per
/// transaction, and a strict unmap on one queue does not wait for the other queue's copies. A
/// transaction that finds its slot taken (a thread whose ticket another thread of this domain
/// already holds) or busy (one transaction inside another) counts instead in a shared pair of epoch
/// counters; a drain that finds them non-zero advances the epoch and waits for the old one to empty.
/// </para>
/// Why the owned mode is safe without fences: an owner transaction re-reads the mode after counting
/// itself, and the switching thread sets the mode before its process-wide barrier and reads the
/// owner's count after it (an asymmetric Dekker pair), so either the switch waits for that
/// transaction or the transaction sees the switch and counts in the shared way. An owner drain that
/// races a switch needs no fence either: the switching thread's barrier makes the owner's
/// invalidation visible before the switching thread's first translation.
/// Why a slot is enough: a transaction marks its slot in flight with a full fence before it
/// translates, and a drain reads the slots after its invalidation and a full fence (a Dekker pair):
/// a transaction the drain did not see in flight translates after the invalidation and finds the
/// entry gone. The slot is a sequence lock: 4k free, 4k+1 while the pages are written, 4k+2 in
/// flight; a drain reads the pages between two reads of the same 4k+2. A transaction that began
/// before the drain but is not marked in flight yet translates after the drain's invalidation.
/// </summary>
internal sealed class InFlightTransactions
{
    private const int Shared = -1;
    private const int Revoking = -2;
    private const long OwnedToken = -1;
    private const int SlotBits = 4; // 16 slots: threads running at once take different ones
    private const int SlotMask = (1 << SlotBits) - 1;
    private const int Stride = 16; // longs per slot: 128 bytes, so no two slots share a cache line (or an adjacent-line prefetch pair)
    private const int Pad = 8; // a slot's fields sit 64 bytes into it, away from the array's header and the slot before
    private const int SeqField = 0;
    private const int FirstField = 1;
    private const int LastField = 2;
    private const int OwnerField = 3;

    // Slot s's fields at [s * Stride + Pad + field]; made at the switch to shared (most domains are
    // driven from one thread and never need them). The epoch counters of transactions that found no
    // slot sit at [(SlotMask + 1) * Stride + Pad + parity], a line of their own.
    private long[]? _slots;
    private readonly object _drainLock = new();
    private long _epoch;

    // Managed thread id of the owner; 0 before the first transaction or drain; Revoking while a
    // thread switches the domain to shared (others wait for it); Shared for good.
    private int _owner;
    private int _ownerInFlight; // written by the owner thread only

    /// <summary>
    /// A transaction on bus pages <paramref name="firstPage"/> to <paramref name="lastPage"/> starts
    /// on the thread whose <see cref="Environment.CurrentManagedThreadId"/> is <paramref name="me"/>.
    /// Pass the result to <see cref="End"/>, on the same thread, when its bytes have moved.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long Begin(int me, ulong firstPage, ulong lastPage)
    {
        // The owner's transaction, inline (a call to IsOwner per transaction was 2 % of a one-queue run).
        if (Volatile.Read(ref _owner) == me)
        {
            Volatile.Write(ref _ownerInFlight, _ownerInFlight + 1);
            if (Volatile.Read(ref _owner) == me)
            {
                return OwnedToken;
            }

            Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1); // being shared meanwhile: see BeginSlow
        }

        return BeginSlow(me, firstPage, lastPage);
    }

    private long BeginSlow(int me, ulong firstPage, ulong lastPage)
    {
        if (Volatile.Read(ref _owner) != Shared)
        {
            while (IsOwner(me))
            {
                Volatile.Write(ref _ownerInFlight, _ownerInFlight + 1);
                if (Volatile.Read(ref _owner) == me)
                {
                    return OwnedToken;
                }

                // Being shared meanwhile: the switch may not have seen this count; count the shared way.
                Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1);
            }
        }

        long[] slots = _slots!; // published before the mode became Shared (see IsOwner)
        int slot = ThreadTicket.Of(me) & SlotMask;
        int at = (slot * Stride) + Pad;
        long owner = Volatile.Read(ref slots[at + OwnerField]);
        if (owner == 0 && Interlocked.CompareExchange(ref slots[at + OwnerField], me, 0) == 0)
        {
            owner = me;
        }

        long seq = slots[at + SeqField]; // only this slot's owner writes it
        if (owner == me && (seq & 3) == 0)
        {
            Volatile.Write(ref slots[at + SeqField], seq + 1);
            Volatile.Write(ref slots[at + FirstField], (long)firstPage);
            Volatile.Write(ref slots[at + LastField], (long)lastPage);
            Interlocked.Exchange(ref slots[at + SeqField], seq + 2); // in flight; a full fence before the translation
            return -2 - slot;
        }

        while (true)
        {
            // The increment is a full fence, and so is the drain's epoch advance: either this
            // transaction reads the new epoch and counts again in it, or the drain sees it counted.
            long epoch = Volatile.Read(ref _epoch);
            ref long count = ref slots[EpochCounter(epoch)];
            Interlocked.Increment(ref count);
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return epoch;
            }

            Interlocked.Decrement(ref count); // a drain started meanwhile: count in the new epoch
        }
    }

    /// <summary>The transaction begun with <paramref name="token"/> has moved its bytes.</summary>
    public void End(long token)
    {
        if (token == OwnedToken)
        {
            Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1); // a release: the copy is done before
            return;
        }

        long[] slots = _slots!;
        if (token < 0)
        {
            int at = ((int)(-2 - token) * Stride) + Pad;
            Volatile.Write(ref slots[at + SeqField], slots[at + SeqField] + 2); // free again; a release: the copy is done before
            return;
        }

        Interlocked.Decrement(ref slots[EpochCounter(token)]);
    }

    /// <summary>
    /// Waits until every transaction that began before this call and accesses a page from
    /// <paramref name="firstPage"/> to <paramref name="lastPage"/> has moved its bytes
    /// (<paramref name="me"/>: the caller's managed thread id).
    /// </summary>
    public void Drain(ulong firstPage, ulong lastPage, int me)
    {
        int owner = Volatile.Read(ref _owner);
        if (owner == me || (owner != Shared && IsOwner(me)))
        {
            return; // the owner is not inside a transaction of its own, and nobody else issues any
        }

        Interlocked.MemoryBarrier(); // the invalidation before the slots and counts: see Begin
        long[] slots = _slots!;
        var spin = default(SpinWait);
        for (int at = Pad; at < (SlotMask + 1) * Stride; at += Stride)
        {
            // A slot not seen in flight here marks its next transaction in flight after this read,
            // so that transaction translates after the invalidation (see Begin): only one seen in
            // flight on these pages can still use a removed entry.
            long seq = Volatile.Read(ref slots[at + SeqField]);
            if ((seq & 3) != 2)
            {
                continue;
            }

            ulong first = (ulong)Volatile.Read(ref slots[at + FirstField]);
            ulong last = (ulong)Volatile.Read(ref slots[at + LastField]);
            if (Volatile.Read(ref slots[at + SeqField]) != seq || last < firstPage || first > lastPage)
            {
                continue; // ended meanwhile, or in flight on other pages
            }

            while (Volatile.Read(ref slots[at + SeqField]) == seq)
            {
                spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the transaction is a copy away from done
            }
        }

        int even = EpochCounter(0);
        if (Volatile.Read(ref slots[even]) == 0 && Volatile.Read(ref slots[even + 1]) == 0)
        {
            return; // no transaction without a slot in flight
        }

        lock (_drainLock)
        {
            long old = Interlocked.Increment(ref _epoch) - 1; // a full fence: new transactions count in the other parity
            while (Volatile.Read(ref slots[EpochCounter(old)]) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    /// <summary>Where the epoch counter of transactions without a slot sits for <paramref name="epoch"/>'s parity.</summary>
    private static int EpochCounter(long epoch) => ((SlotMask + 1) * Stride) + Pad + (int)(epoch & 1);

    /// <summary>
    /// Whether the thread <paramref name="me"/> owns the domain's transactions (claiming them if
    /// nobody does yet). If another thread owns them, switches to shared first; returns false once
    /// the domain is shared, and only then: a thread that finds a switch under way waits for it to
    /// finish, so nobody counts the shared way while an owner transaction may still be in flight.
    /// </summary>
    private bool IsOwner(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            int owner = Volatile.Read(ref _owner);
            if (owner == Shared)
            {
                return false;
            }

            if (owner == me)
            {
                return true;
            }

            if (owner == 0)
            {
                if (Interlocked.CompareExchange(ref _owner, me, 0) == 0)
                {
                    return true;
                }
            }
            else if (owner == Revoking)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            else if (Interlocked.CompareExchange(ref _owner, Revoking, owner) == owner)
            {
                // Every thread's earlier stores become visible and its later loads see Revoking:
                // the owner's count of a transaction that did not see the switch, and an owner
                // drain's invalidation. Then the owner's transactions in flight finish. The slots
                // exist before anyone can see the mode Shared.
                Volatile.Write(ref _slots, new long[((SlotMask + 2) * Stride) + Pad]);
                Interlocked.MemoryBarrierProcessWide();
                while (Volatile.Read(ref _ownerInFlight) != 0)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Volatile.Write(ref _owner, Shared);
                return false;
            }
        }
    }
}
