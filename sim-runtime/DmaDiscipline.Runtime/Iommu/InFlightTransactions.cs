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
/// the old one to empty.
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

    private readonly long[] _inFlight = new long[2];
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
        if (Volatile.Read(ref _owner) != Shared && IsOwner(Environment.CurrentManagedThreadId))
        {
            return; // the owner is not inside a transaction of its own, and nobody else issues any
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
                // drain's invalidation. Then the owner's transactions in flight finish.
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
