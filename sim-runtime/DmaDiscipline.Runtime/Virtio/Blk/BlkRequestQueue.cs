namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// The device's state for one request queue: its scratch buffer (allocated at the queue's first
/// write, so unused queues cost nothing) and its counters. Only the thread processing the queue
/// writes them; the device's totals add them up.
/// </summary>
internal sealed class BlkRequestQueue(int index)
{
    private byte[]? _scratch;
    private readonly byte[] _gap = CacheLineGap.Make(); // the next queue's state is made after this one (see CacheLineGap)

    public int Index { get; } = index;

    public long Completed { get; set; }

    public long IoErrors { get; set; }

    public long Unsupported { get; set; }

    public long SectorsRead { get; set; }

    public long SectorsWritten { get; set; }

    public long Flushes { get; set; }

    public byte[] Scratch(int size) => _scratch ??= new byte[size];
}
