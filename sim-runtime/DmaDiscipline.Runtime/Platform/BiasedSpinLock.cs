namespace DmaDiscipline.Runtime;

/// <summary>
/// A spinlock biased towards the first thread that takes it (biased locking, as in HotSpot): while
/// only that thread takes it, taking and releasing it are plain stores — no atomic instruction.
/// The first other thread revokes the bias for good: it marks the lock as being revoked, makes every
/// thread's stores visible with a process-wide memory barrier (once per lock), waits for the owner to
/// let go, marks it revoked (other threads wait for that), and from then on every thread takes it
/// with a compare-and-exchange. A device driven from one CPU
/// thus never pays an atomic instruction for the DMA layer's live-mapping record.
/// Why an owner's take is safe without a fence: it marks itself holding, then re-reads the bias; the
/// revoking thread marks the lock shared, then (after its barrier) reads the holding mark — an
/// asymmetric Dekker pair, so either the revoker waits for the owner or the owner sees the lock shared.
/// Not re-entrant. Use it as a mutable field; pass the caller's <see cref="Environment.CurrentManagedThreadId"/>
/// (read once per operation: it is a thread-local read).
/// </summary>
internal struct BiasedSpinLock
{
    private const int Revoked = -1;
    private const int Revoking = -2;

    private int _owner;        // the biased owner's managed thread id; 0 before the first take; Revoking; Revoked for good
    private int _ownerHolding; // 1 while the owner holds it biased (written by the owner only)
    private int _held;         // the shared lock, once revoked: 1 while held

    /// <summary>Whether a second thread has taken the lock (the bias is revoked for good).</summary>
    public bool IsShared => Volatile.Read(ref _owner) == Revoked;

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
        int owner;
        while ((owner = Volatile.Read(ref _owner)) != Revoked)
        {
            if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0))
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

                Volatile.Write(ref _owner, Revoked);
            }
        }

        while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        return false;
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
