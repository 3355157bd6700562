namespace DmaDiscipline.Runtime;

/// <summary>
/// A device's current DMA path and the count of what is live on it — streaming mappings,
/// scatter-gather lists, coherent buffers, and maps under way — because the path may only change
/// while nothing is (a live bus address belongs to the path that made it).
/// The count is an <see cref="OwnedCounter"/>: the thread that first uses it, and every other thread
/// in the stripe of its ticket, counts with plain stores, so two queues on two cores never add to
/// one line (a mapping may be made on one thread and released on another: only the sum is
/// meaningful). A path switch, which
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
    private OwnedCounter _count;

    public LivePath(DmaOps ops)
    {
        _ops = ops;
    }

    /// <summary>The current path (for calls on what is already live, and for reports).</summary>
    public DmaOps Current => Volatile.Read(ref _ops);

    /// <summary>What is live (a snapshot).</summary>
    public long Count => Math.Max(_count.Value, 0);

    /// <summary>Counts a new live item for the thread <paramref name="me"/> and returns the path it is made on.</summary>
    public DmaOps Enter(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            _count.Add(1, me);
            if (Volatile.Read(ref _switching) == 0)
            {
                return Volatile.Read(ref _ops);
            }

            // A switch is under way (it will find this item and be refused, or has not seen it): step back and wait.
            Leave(me);
            while (Volatile.Read(ref _switching) != 0)
            {
                spin.SpinOnce();
            }
        }
    }

    /// <summary>A live item is gone (released on the thread <paramref name="me"/>).</summary>
    public void Leave(int me) => _count.Add(-1, me);

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

            // Every thread's plain count becomes visible, and its later reads of the mark see it. A
            // count that did not see the mark was made before the barrier and is summed; one made
            // after it sees the mark and is taken back on the same part (it may only refuse the switch).
            Interlocked.MemoryBarrierProcessWide();
            bool idle = _count.Value == 0;
            if (idle)
            {
                Volatile.Write(ref _ops, wanted);
            }

            Volatile.Write(ref _switching, 0); // a release: the new path is seen before the mark is cleared
            return idle;
        }
    }
}
