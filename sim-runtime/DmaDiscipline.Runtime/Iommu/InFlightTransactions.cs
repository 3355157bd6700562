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
/// for the owner's transactions in flight; from then on transactions count atomically per epoch and
/// a drain advances the epoch and waits for the old one to empty.
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
    private const long OwnedEpoch = -1;

    private readonly long[] _inFlight = new long[2];
    private readonly object _drainLock = new();
    private long _epoch;

    // Managed thread id of the owner; 0 before the first transaction or drain; Shared for good.
    private int _owner;
    private int _ownerInFlight; // written by the owner thread only

    /// <summary>
    /// A transaction starts on the thread whose <see cref="Environment.CurrentManagedThreadId"/> is
    /// <paramref name="me"/>. Pass the result to <see cref="End"/> when its bytes have moved.
    /// </summary>
    public long Begin(int me)
    {
        int owner = Volatile.Read(ref _owner);
        if (owner != Shared)
        {
            if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0))
            {
                Volatile.Write(ref _ownerInFlight, _ownerInFlight + 1);
                if (Volatile.Read(ref _owner) == me)
                {
                    return OwnedEpoch;
                }

                // Shared meanwhile: the switch may not have seen this count, so count the shared way.
                Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1);
            }
            else
            {
                BecomeShared();
            }
        }

        while (true)
        {
            // The increment is a full fence, and so is the drain's epoch advance: either this
            // transaction reads the new epoch and counts again in it, or the drain sees it counted.
            long epoch = Volatile.Read(ref _epoch);
            Interlocked.Increment(ref _inFlight[epoch & 1]);
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return epoch;
            }

            Interlocked.Decrement(ref _inFlight[epoch & 1]); // a drain started meanwhile: count in the new epoch
        }
    }

    /// <summary>The transaction begun with <paramref name="epoch"/> has moved its bytes.</summary>
    public void End(long epoch)
    {
        if (epoch == OwnedEpoch)
        {
            Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1); // a release: the copy is done before
            return;
        }

        Interlocked.Decrement(ref _inFlight[epoch & 1]);
    }

    /// <summary>Waits until every transaction that began before this call has moved its bytes.</summary>
    public void Drain()
    {
        int owner = Volatile.Read(ref _owner);
        if (owner != Shared)
        {
            int me = Environment.CurrentManagedThreadId;
            if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0))
            {
                return; // the owner is not inside a transaction of its own, and nobody else issues any
            }

            BecomeShared();
        }

        Interlocked.MemoryBarrier(); // the invalidation before the counts: see Begin
        if (Volatile.Read(ref _inFlight[0]) == 0 && Volatile.Read(ref _inFlight[1]) == 0)
        {
            return; // nothing in flight: a later transaction counts itself, then finds the invalidated state
        }

        lock (_drainLock)
        {
            long old = Interlocked.Increment(ref _epoch) - 1; // a full fence: new transactions count in the other slot
            var spin = default(SpinWait);
            while (Volatile.Read(ref _inFlight[old & 1]) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the transaction is a copy away from done
            }
        }
    }

    /// <summary>Leaves the owned mode for good and waits for the owner's transactions in flight.</summary>
    private void BecomeShared()
    {
        Interlocked.Exchange(ref _owner, Shared);

        // Every thread's earlier stores become visible and its later loads see Shared: the owner's
        // count of a transaction that did not see the switch, and an owner drain's invalidation.
        Interlocked.MemoryBarrierProcessWide();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _ownerInFlight) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
