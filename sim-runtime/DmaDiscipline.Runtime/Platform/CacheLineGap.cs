namespace DmaDiscipline.Runtime;

/// <summary>
/// A gap of two cache lines in the heap: per-queue objects (a queue pair's device state, a device
/// queue's ring state) are made one after another by the probing thread, so the last fields of one
/// queue's objects and the first of the next queue's (or the array that lists them) shared a cache
/// line, which each queue's thread wrote in turn (a second queue made the net device's read of its
/// pair count a miss per packet, 153 of 9,434 samples). An object that ends its constructor by
/// allocating a gap, and keeps it, stays that far from whatever is allocated after it: the
/// collector keeps live objects in allocation order. Two lines, so that the adjacent-line
/// prefetcher's pair is covered too.
/// </summary>
internal static class CacheLineGap
{
    /// <summary>The gap's length in bytes.</summary>
    public const int Bytes = 128;

    /// <summary>Allocates a gap; keep it in a field of the object it follows.</summary>
    public static byte[] Make() => new byte[Bytes];
}
