namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// One descriptor chain popped from a virtqueue, after validation: its device-readable segments
/// first, then its device-writable segments, as bus addresses. A device model reads the readable
/// segments as one byte stream and writes the writable ones as another; every access goes through
/// the device's DMA path and never leaves the segments. One instance per queue is reused for every
/// request (no allocation on the ring's hot path).
/// </summary>
public sealed class VirtqChain
{
    private readonly ulong[] _addresses;
    private readonly uint[] _lengths;
    private BusMaster _bus;

    internal VirtqChain(int capacity, BusMaster bus)
    {
        _addresses = new ulong[capacity];
        _lengths = new uint[capacity];
        _bus = bus;
    }

    /// <summary>The buffer id the device returns in the used ring: the head index (split) or the Buffer ID (packed).</summary>
    public ushort Id { get; internal set; }

    /// <summary>Segments in the chain (indirect tables are flattened; the indirect descriptor itself is not a segment).</summary>
    public int Count { get; private set; }

    /// <summary>Segments 0 to <see cref="ReadableCount"/> − 1 are device-readable; the rest are device-writable.</summary>
    public int ReadableCount { get; private set; }

    /// <summary>Total bytes of the device-readable segments.</summary>
    public long ReadableLength { get; private set; }

    /// <summary>Total bytes of the device-writable segments.</summary>
    public long WritableLength { get; private set; }

    /// <summary>Packed ring: descriptor slots the chain occupied in the ring (the used descriptor skips this many).</summary>
    internal int RingSlots { get; set; }

    /// <summary>Maximum number of segments.</summary>
    public int Capacity => _addresses.Length;

    /// <summary>Bus address of segment <paramref name="index"/>.</summary>
    public DmaAddr Address(int index) => new(_addresses[CheckIndex(index)]);

    /// <summary>Length of segment <paramref name="index"/>.</summary>
    public uint Length(int index) => _lengths[CheckIndex(index)];

    /// <summary>Whether segment <paramref name="index"/> is device-writable.</summary>
    public bool IsWritable(int index) => CheckIndex(index) >= ReadableCount;

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes of the readable stream from <paramref name="offset"/>.
    /// False on a DMA fault (the fault is recorded by the platform; <paramref name="destination"/> may be partly filled).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the readable stream (a device model bug).</exception>
    public bool TryRead(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length, ReadableLength);
        int segment = 0;
        while (!destination.IsEmpty)
        {
            long length = _lengths[segment];
            if (offset >= length)
            {
                offset -= length;
                segment++;
                continue;
            }

            int chunk = (int)Math.Min(length - offset, destination.Length);
            if (!_bus.TryRead(new DmaAddr(_addresses[segment] + (ulong)offset), destination[..chunk]))
            {
                return false;
            }

            destination = destination[chunk..];
            offset = 0;
            segment++;
        }

        return true;
    }

    /// <summary>
    /// Writes <paramref name="source"/> into the writable stream at <paramref name="offset"/>. False on a
    /// DMA fault (segments before the faulting one may have been written, as on real hardware).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the writable stream (a device model bug).</exception>
    public bool TryWrite(long offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length, WritableLength);
        int segment = ReadableCount;
        while (!source.IsEmpty)
        {
            long length = _lengths[segment];
            if (offset >= length)
            {
                offset -= length;
                segment++;
                continue;
            }

            int chunk = (int)Math.Min(length - offset, source.Length);
            if (!_bus.TryWrite(new DmaAddr(_addresses[segment] + (ulong)offset), source[..chunk]))
            {
                return false;
            }

            source = source[chunk..];
            offset = 0;
            segment++;
        }

        return true;
    }

    internal void Reset(BusMaster bus)
    {
        _bus = bus;
        Count = 0;
        ReadableCount = 0;
        ReadableLength = 0;
        WritableLength = 0;
        Id = 0;
        RingSlots = 0;
    }

    /// <summary>Appends a segment; the caller has checked order, capacity and the 4 GiB total.</summary>
    internal void Add(ulong address, uint length, bool writable)
    {
        _addresses[Count] = address;
        _lengths[Count] = length;
        Count++;
        if (writable)
        {
            WritableLength += length;
        }
        else
        {
            ReadableCount++;
            ReadableLength += length;
        }
    }

    private static void CheckRange(long offset, int length, long streamLength)
    {
        if (offset < 0 || offset > streamLength - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{length} bytes at {offset} are not inside the {streamLength}-byte stream.");
        }
    }

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"The chain has {Count} segments.");
}
