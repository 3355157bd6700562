namespace DmaDiscipline.Runtime;

/// <summary>
/// Holds a <see cref="SpinLock"/> for one short critical section and releases it on dispose:
/// <c>using (new SpinHold(ref _lock)) { … }</c>. Short sections take spinlocks, as in Linux: a few
/// dozen instructions, where a monitor's bookkeeping would cost as much as the work. The DMA hot
/// path's own locks (a thread's IOVA cache, a live-allocation stripe, a domain's page table, a shard
/// of the live-mapping record) are biased spinlocks (<see cref="BiasedSpinLock"/>, <see cref="BiasedHold"/>).
/// A spinlock is not re-entrant; the sections never call out while holding one.
/// </summary>
internal ref struct SpinHold
{
    private readonly ref SpinLock _lock;
    private readonly bool _taken;

    public SpinHold(ref SpinLock spin)
    {
        _lock = ref spin;
        bool taken = false;
        spin.Enter(ref taken);
        _taken = taken;
    }

    public readonly void Dispose()
    {
        if (_taken)
        {
            _lock.Exit(useMemoryBarrier: false);
        }
    }
}
