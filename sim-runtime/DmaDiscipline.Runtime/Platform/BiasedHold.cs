namespace DmaDiscipline.Runtime;

/// <summary>
/// Holds a <see cref="BiasedSpinLock"/> for one short critical section and releases it on dispose:
/// <c>using (new BiasedHold(ref _lock)) { … }</c>, as <see cref="SpinHold"/> does for a
/// <see cref="SpinLock"/>. It reads the calling thread's id (a thread-local read) once per hold.
/// </summary>
internal ref struct BiasedHold
{
    private readonly ref BiasedSpinLock _lock;
    private readonly bool _biased;

    public BiasedHold(ref BiasedSpinLock spin)
        : this(ref spin, Environment.CurrentManagedThreadId)
    {
    }

    /// <summary>Holds the lock for the thread <paramref name="me"/> (its managed id, read once by the caller for a whole operation).</summary>
    public BiasedHold(ref BiasedSpinLock spin, int me)
    {
        _lock = ref spin;
        _biased = spin.Enter(me);
    }

    public readonly void Dispose() => _lock.Exit(_biased);
}
