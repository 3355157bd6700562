namespace DmaDiscipline.Runtime;

/// <summary>
/// The device transactions in flight through one domain, so that a strict unmap returns only after
/// every transaction that may have translated through a removed entry has moved its bytes (VT-d's
/// drain-reads/drain-writes bits of an IOTLB invalidation). A transaction is counted from before its
/// first translation until its copy is done; a drain runs after the invalidation it completes.
/// <para>
/// Two modes, as a biased lock. <b>Owned</b>: while one thread issues every transaction and every
/// drain of the domain (a single-queue device driven from one CPU), it counts in a field only it
/// writes, and its drain waits for nothing: it cannot be inside one of its own transactions, and no
/// other thread issues any. This costs a transaction two plain stores and a drain nothing.
/// <b>Shared</b>, for good, as soon as a second thread begins a transaction or drains: the switch
/// makes every thread's stores visible (a process-wide memory barrier, once per domain) and waits
/// for the owner's transactions in flight, while any other thread waits for the switch to finish;
/// from then on transactions count atomically per epoch and a drain advances the epoch and waits for
/// the old one to empty. The shared counts are striped as Linux's <c>percpu_ref</c> is: each thread
/// counts in the stripe of its <see cref="ThreadTicket"/>, a pair of counters on a cache line of its
/// own, and only a drain reads them all (summing by looking at each), so two queues transacting
/// through one domain on two cores never write the same line per transaction.
/// </para>
/// Why the owned mode is safe without fences: an owner transaction re-reads the mode after counting
/// itself, and the switching thread sets the mode before its process-wide barrier and reads the
/// owner's count after it (an asymmetric Dekker pair), so either the switch waits for that
/// transaction or the transaction sees the switch and counts in the shared way. An owner drain that
/// races a switch needs no fence either: the switching thread's barrier makes the owner's
/// invalidation visible before the switching thread's first translation.
/// </summary>
internal sealed class InFlightTransactions
{
    private const int Shared = -1;
    private const int Revoking = -2;
    private const long OwnedEpoch = -1;
    private const int StripeBits = 4; // 16 stripes: threads running at once take different ones
    private const int StripeMask = (1 << StripeBits) - 1;
    private const int Stride = 16; // longs per stripe: 128 bytes, so no two stripes share a cache line (or an adjacent-line prefetch pair)
    private const int Pad = 8; // the counters sit 64 bytes into their stripe, away from the array's header

    // Stripe s counts epoch parity p at [s * Stride + Pad + p]; made at the switch to shared (most
    // domains are driven from one thread and never need it). A token from Begin is
    // epoch << StripeBits | stripe.
    private long[]? _stripes;
    private readonly object _drainLock = new();
    private long _epoch;

    // Managed thread id of the owner; 0 before the first transaction or drain; Revoking while a
    // thread switches the domain to shared (others wait for it); Shared for good.
    private int _owner;
    private int _ownerInFlight; // written by the owner thread only

    /// <summary>
    /// A transaction starts on the thread whose <see cref="Environment.CurrentManagedThreadId"/> is
    /// <paramref name="me"/>. Pass the result to <see cref="End"/> when its bytes have moved.
    /// </summary>
    public long Begin(int me)
    {
        if (Volatile.Read(ref _owner) != Shared)
        {
            while (IsOwner(me))
            {
                Volatile.Write(ref _ownerInFlight, _ownerInFlight + 1);
                if (Volatile.Read(ref _owner) == me)
                {
                    return OwnedEpoch;
                }

                // Being shared meanwhile: the switch may not have seen this count; count the shared way.
                Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1);
            }
        }

        long[] stripes = _stripes!; // published before the mode became Shared (see IsOwner)
        int stripe = ThreadTicket.Current & StripeMask;
        while (true)
        {
            // The increment is a full fence, and so is the drain's epoch advance: either this
            // transaction reads the new epoch and counts again in it, or the drain sees it counted.
            long epoch = Volatile.Read(ref _epoch);
            ref long count = ref stripes[(stripe * Stride) + Pad + (int)(epoch & 1)];
            Interlocked.Increment(ref count);
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return (epoch << StripeBits) | (long)stripe;
            }

            Interlocked.Decrement(ref count); // a drain started meanwhile: count in the new epoch
        }
    }

    /// <summary>The transaction begun with <paramref name="token"/> has moved its bytes.</summary>
    public void End(long token)
    {
        if (token == OwnedEpoch)
        {
            Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1); // a release: the copy is done before
            return;
        }

        int stripe = (int)(token & StripeMask);
        Interlocked.Decrement(ref _stripes![(stripe * Stride) + Pad + (int)((token >> StripeBits) & 1)]);
    }

    /// <summary>Waits until every transaction that began before this call has moved its bytes.</summary>
    public void Drain()
    {
        if (Volatile.Read(ref _owner) != Shared && IsOwner(Environment.CurrentManagedThreadId))
        {
            return; // the owner is not inside a transaction of its own, and nobody else issues any
        }

        Interlocked.MemoryBarrier(); // the invalidation before the counts: see Begin
        long[]? stripes = Volatile.Read(ref _stripes);
        if (stripes is null || (AllZero(stripes, 0) && AllZero(stripes, 1)))
        {
            return; // nothing in flight: a later transaction counts itself, then finds the invalidated state
        }

        lock (_drainLock)
        {
            long old = Interlocked.Increment(ref _epoch) - 1; // a full fence: new transactions count in the other parity
            var spin = default(SpinWait);
            while (!AllZero(stripes, (int)(old & 1)))
            {
                spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the transaction is a copy away from done
            }
        }
    }

    /// <summary>
    /// Whether no stripe counts a transaction of epoch parity <paramref name="parity"/>. Each count
    /// is never negative (a transaction's decrement follows its increment, on the same counter), so
    /// all zero is a zero sum.
    /// </summary>
    private static bool AllZero(long[] stripes, int parity)
    {
        for (int i = Pad + parity; i < stripes.Length; i += Stride)
        {
            if (Volatile.Read(ref stripes[i]) != 0)
            {
                return false;
            }
        }

        return true;
    }

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
                // drain's invalidation. Then the owner's transactions in flight finish. The stripes
                // exist before anyone can see the mode Shared.
                Volatile.Write(ref _stripes, new long[(Stride << StripeBits) + Pad]);
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
