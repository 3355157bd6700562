namespace DmaDiscipline.Runtime;

/// <summary>
/// A device's current DMA path and the count of what is live on it — streaming mappings,
/// scatter-gather lists, coherent buffers, and maps under way — because the path may only change
/// while nothing is (a live bus address belongs to the path that made it).
/// The count costs the thread that first uses it no atomic instruction: that thread owns a part of
/// the count only it writes, every other thread counts in a shared part atomically (a mapping may be
/// made on one thread and released on another: only the sum is meaningful). A path switch, which
/// happens at feature negotiation, pays instead: it marks itself under way, makes every thread's
/// stores visible with a process-wide memory barrier, and reads the count — while a new live item
/// counts itself first and reads the mark after (an asymmetric Dekker pair), so either the switch
/// sees the item and is refused, or the item sees the switch and waits for it.
/// </summary>
internal sealed class LivePath
{
    private readonly object _switchLock = new();
    private DmaOps _ops;
    private int _switching;   // 1 while a switch is under way
    private int _owner;       // managed thread id of the owning thread; 0 until one counts
    private long _ownerCount; // written by the owner only
    private long _sharedCount;

    public LivePath(DmaOps ops)
    {
        _ops = ops;
    }

    /// <summary>The current path (for calls on what is already live, and for reports).</summary>
    public DmaOps Current => Volatile.Read(ref _ops);

    /// <summary>What is live (a snapshot).</summary>
    public long Count => Math.Max(Interlocked.Read(ref _sharedCount) + Volatile.Read(ref _ownerCount), 0); // shared first: a release counted there is seen with its map

    /// <summary>Counts a new live item for the thread <paramref name="me"/> and returns the path it is made on.</summary>
    public DmaOps Enter(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            bool owned = IsOwner(me);
            if (owned)
            {
                Volatile.Write(ref _ownerCount, _ownerCount + 1);
            }
            else
            {
                Interlocked.Increment(ref _sharedCount);
            }

            if (Volatile.Read(ref _switching) == 0)
            {
                return Volatile.Read(ref _ops);
            }

            // A switch is under way (it will find this item and be refused, or has not seen it): step back and wait.
            Leave(me, owned);
            while (Volatile.Read(ref _switching) != 0)
            {
                spin.SpinOnce();
            }
        }
    }

    /// <summary>A live item is gone (released on the thread <paramref name="me"/>).</summary>
    public void Leave(int me) => Leave(me, IsOwner(me));

    /// <summary>Switches to <paramref name="wanted"/> if nothing is live. Rare: a process-wide barrier.</summary>
    public bool TrySwitch(DmaOps wanted)
    {
        lock (_switchLock)
        {
            if (ReferenceEquals(wanted, Volatile.Read(ref _ops)))
            {
                return true;
            }

            Interlocked.Exchange(ref _switching, 1);

            // The owner's count becomes visible, and its later reads of the mark see it.
            Interlocked.MemoryBarrierProcessWide();
            bool idle = Volatile.Read(ref _ownerCount) + Interlocked.Read(ref _sharedCount) == 0;
            if (idle)
            {
                Volatile.Write(ref _ops, wanted);
            }

            Volatile.Write(ref _switching, 0); // a release: the new path is seen before the mark is cleared
            return idle;
        }
    }

    private void Leave(int me, bool owned)
    {
        if (owned)
        {
            Volatile.Write(ref _ownerCount, _ownerCount - 1);
        }
        else
        {
            Interlocked.Decrement(ref _sharedCount);
        }
    }

    private bool IsOwner(int me)
    {
        int owner = Volatile.Read(ref _owner);
        return owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0);
    }
}
