namespace DmaDiscipline.Runtime;

/// <summary>
/// Lazy invalidation's queue of unmapped I/O virtual ranges (Linux's <c>iova_fq</c>). The page table
/// entries are already gone; the IOTLB may still hold them, so the ranges' IOVAs are not reused
/// until a flush has invalidated the whole IOTLB. A translated domain keeps one per thread (Linux
/// keeps one per CPU), each used under its own <see cref="Lock"/>. Each range carries the count of
/// flushes the domain had begun when it was queued, so a flush another thread's queue made frees it
/// too (Linux's <c>fq_flush_start_cnt</c>/<c>fq_flush_finish_cnt</c>): a ring, oldest first.
/// </summary>
internal sealed class FlushQueue
{
    private readonly ulong[] _frames;
    private readonly ulong[] _pages;
    private readonly long[] _begun;
    private int _head;

    /// <summary>Guards the queue (biased: the thread whose queue it is takes it with plain stores).</summary>
    public BiasedSpinLock Lock;

    public FlushQueue(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _frames = new ulong[batchSize];
        _pages = new ulong[batchSize];
        _begun = new long[batchSize];
    }

    public int Count { get; private set; }

    public bool IsFull => Count == _frames.Length;

    /// <summary>Queues a range whose entries are cleared; <paramref name="flushesBegun"/>: the domain's flushes begun, read after the clearing.</summary>
    public void Add(ulong frame, ulong pages, long flushesBegun)
    {
        int at = _head + Count;
        if (at >= _frames.Length)
        {
            at -= _frames.Length; // a ring: no division per unmap
        }

        _frames[at] = frame;
        _pages[at] = pages;
        _begun[at] = flushesBegun;
        Count++;
    }

    /// <summary>Returns every queued range to the allocator and empties the queue (on the thread <paramref name="me"/>).</summary>
    public void Drain(IovaAllocator allocator, int me) => FreeFlushed(allocator, me, long.MaxValue);

    /// <summary>
    /// Returns to the allocator the ranges queued before a flush that has finished (on the thread
    /// <paramref name="me"/>): those whose count of flushes begun is below <paramref name="flushesFinished"/>
    /// — of that many finished flushes at least one began after they were queued.
    /// </summary>
    public void FreeFlushed(IovaAllocator allocator, int me, long flushesFinished)
    {
        while (Count > 0 && _begun[_head] < flushesFinished)
        {
            allocator.Free(_frames[_head], _pages[_head], me);
            if (++_head == _frames.Length)
            {
                _head = 0;
            }

            Count--;
        }

        if (Count == 0)
        {
            _head = 0;
        }
    }

    public bool Contains(ulong frame)
    {
        for (int i = 0; i < Count; i++)
        {
            int at = _head + i < _frames.Length ? _head + i : _head + i - _frames.Length;
            if (frame >= _frames[at] && frame < _frames[at] + _pages[at])
            {
                return true;
            }
        }

        return false;
    }
}
