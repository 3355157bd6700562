namespace DmaDiscipline.Runtime;

/// <summary>
/// A spinlock biased towards the thread that takes it alone (biased locking, as in HotSpot): while
/// only that thread takes it, taking and releasing it are plain stores — no atomic instruction.
/// A fresh lock is taken the shared way (a compare-and-exchange) until one thread has taken it
/// <see cref="FirstBiasAfter"/> times in a row, and is then biased to that thread, under the shared
/// lock (no barrier). Another thread revokes the bias: it marks the lock as being revoked, makes every
/// thread's stores visible with a process-wide memory barrier, waits for the owner to let go, marks
/// it revoked (other threads wait for that), and from then on every thread takes it with a
/// compare-and-exchange. A device driven from one CPU thus never pays an atomic instruction for the
/// DMA layer's live-mapping record after its first few operations.
/// Why not bias to the first taker (as this lock did): a device is set up on one thread (the probe
/// maps its rings and receive buffers, taking a few dozen of these locks a few times each) and driven
/// from its queues' threads, which then revoked every such lock, each with a process-wide barrier:
/// 66 barriers (inter-processor interrupts, which stop the other queue's thread too) in the first
/// moments of every two-queue strict net cell of the runner, where now there are none.
/// Re-biasing (HotSpot's rebias, per lock): a lock whose bias was revoked and that one thread then
/// takes <see cref="RebiasAfter"/> times in a row the shared way is biased to that thread again. A
/// thread that then finds the lock biased to another revokes it as before. After
/// <see cref="MaxRevocations"/> revocations the lock stays shared: two threads that really share
/// it never pay more than that many process-wide barriers for it.
/// Why an owner's take is safe without a fence: it marks itself holding, then re-reads the bias; the
/// revoking thread marks the lock shared, then (after its barrier) reads the holding mark — an
/// asymmetric Dekker pair, so either the revoker waits for the owner or the owner sees the lock shared.
/// Not re-entrant. Use it as a mutable field; pass the caller's <see cref="Environment.CurrentManagedThreadId"/>
/// (read once per operation: it is a thread-local read).
/// </summary>
internal struct BiasedSpinLock
{
    /// <summary>Shared takes in a row by one thread that bias a lock never biased before to it.</summary>
    public const int FirstBiasAfter = 64;

    /// <summary>Shared takes in a row by one thread that bias the lock to it again after a revocation.</summary>
    public const int RebiasAfter = 1024;

    /// <summary>Revocations after which the lock is never biased again.</summary>
    public const int MaxRevocations = 8;

    private const int Revoked = -1;
    private const int Revoking = -2;

    private int _owner;        // the biased owner's managed thread id; 0 before the first take; Revoking; Revoked (shared, also from the first take on)
    private int _ownerHolding; // 1 while the owner holds it biased (written by the owner only)
    private int _held;         // the shared lock, once revoked: 1 while held
    private int _streakThread; // while shared, under _held: who took it last, and how many times in a row
    private int _streak;
    private int _revocations;  // written by the revoking thread only (one at a time)
    private bool _twoTakers;   // a second thread has taken it (set under the shared lock or by a revoking thread)

    /// <summary>Whether the lock is taken the shared way (taken, and not biased: no thread has taken it alone long enough yet, or another revoked the bias).</summary>
    public bool IsShared => Volatile.Read(ref _owner) == Revoked;

    /// <summary>Whether more than one thread has ever taken the lock (a diagnostic: tests check that a lock stays with one thread).</summary>
    public bool TakenByTwoThreads => Volatile.Read(ref _twoTakers);

    /// <summary>Takes the lock for the thread <paramref name="me"/>. Returns whether it was taken biased (pass it to <see cref="Exit"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Enter(int me)
    {
        // The owner's take, inline: two stores and two loads.
        if (Volatile.Read(ref _owner) == me)
        {
            Volatile.Write(ref _ownerHolding, 1);
            if (Volatile.Read(ref _owner) == me)
            {
                return true;
            }

            Volatile.Write(ref _ownerHolding, 0);
        }

        return EnterSlow(me);
    }

    private bool EnterSlow(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            if (TryTakeBiasOrRevoke(me, ref spin) is bool biased)
            {
                return biased;
            }

            while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            // Re-biased to a thread while this one waited: let go, and revoke it.
            if (Volatile.Read(ref _owner) != Revoked)
            {
                Volatile.Write(ref _held, 0);
                continue;
            }

            // Held the shared way: count the streak, and bias the lock to a thread that keeps taking it
            // alone (it is held here, so no other thread reads the bias before it is written).
            if (_streakThread == me)
            {
                if (++_streak >= (_revocations == 0 ? FirstBiasAfter : RebiasAfter) && _revocations < MaxRevocations)
                {
                    _streak = 0;
                    Volatile.Write(ref _owner, me); // from the next take on, plain stores; released as shared below
                }
            }
            else
            {
                if (_streakThread != 0)
                {
                    Volatile.Write(ref _twoTakers, true);
                }

                _streakThread = me;
                _streak = 1;
            }

            return false;
        }
    }

    /// <summary>True: taken biased; false: never (null instead); null: the lock is shared, take it that way.</summary>
    private bool? TryTakeBiasOrRevoke(int me, ref SpinWait spin)
    {
        int owner;
        while ((owner = Volatile.Read(ref _owner)) != Revoked)
        {
            if (owner == 0)
            {
                // A fresh lock starts shared: the bias goes to a thread that then takes it alone (see above).
                Interlocked.CompareExchange(ref _owner, Revoked, 0);
            }
            else if (owner == me)
            {
                Volatile.Write(ref _ownerHolding, 1);
                if (Volatile.Read(ref _owner) == me)
                {
                    return true;
                }

                Volatile.Write(ref _ownerHolding, 0); // being revoked: wait, then take it the shared way
            }
            else if (owner == Revoking)
            {
                // Another thread revokes: nobody takes the shared lock until the owner has let go.
                spin.SpinOnce(sleep1Threshold: -1);
            }
            else if (owner != 0 && Interlocked.CompareExchange(ref _owner, Revoking, owner) == owner)
            {
                // The owner's holding mark becomes visible, and its later reads of the bias see Revoking.
                Interlocked.MemoryBarrierProcessWide();
                while (Volatile.Read(ref _ownerHolding) != 0)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                _revocations++;
                Volatile.Write(ref _twoTakers, true);
                _streakThread = 0;
                Volatile.Write(ref _owner, Revoked);
            }
        }

        return null;
    }

    /// <summary>Releases the lock taken by <see cref="Enter"/> (a release store either way).</summary>
    public void Exit(bool biased)
    {
        if (biased)
        {
            Volatile.Write(ref _ownerHolding, 0);
        }
        else
        {
            Volatile.Write(ref _held, 0);
        }
    }
}
