namespace DmaDiscipline.Runtime;

/// <summary>
/// Lazy invalidation's queue of unmapped I/O virtual ranges (Linux's <c>iova_fq</c>). The page table
/// entries are already gone; the IOTLB may still hold them, so the ranges' IOVAs are not reused
/// until a flush has invalidated the whole IOTLB. A translated domain keeps one per thread (Linux
/// keeps one per CPU), each used under its own <see cref="Lock"/>.
/// </summary>
internal sealed class FlushQueue
{
    private readonly ulong[] _frames;
    private readonly ulong[] _pages;

    /// <summary>Guards the queue (biased: the thread whose queue it is takes it with plain stores).</summary>
    public BiasedSpinLock Lock;

    public FlushQueue(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _frames = new ulong[batchSize];
        _pages = new ulong[batchSize];
    }

    public int Count { get; private set; }

    public bool IsFull => Count == _frames.Length;

    public void Add(ulong frame, ulong pages)
    {
        _frames[Count] = frame;
        _pages[Count] = pages;
        Count++;
    }

    /// <summary>Returns every queued range to the allocator and empties the queue (on the thread <paramref name="me"/>).</summary>
    public void Drain(IovaAllocator allocator, int me)
    {
        for (int i = 0; i < Count; i++)
        {
            allocator.Free(_frames[i], _pages[i], me);
        }

        Count = 0;
    }

    public bool Contains(ulong frame)
    {
        for (int i = 0; i < Count; i++)
        {
            if (frame >= _frames[i] && frame < _frames[i] + _pages[i])
            {
                return true;
            }
        }

        return false;
    }
}
