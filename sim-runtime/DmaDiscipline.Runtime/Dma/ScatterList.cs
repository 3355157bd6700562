namespace DmaDiscipline.Runtime;

/// <summary>
/// A scatter-gather list (the <c>struct sg_table</c> analogue): CPU segments in, DMA segments out.
/// After <see cref="DmaApi.MapSg"/> the device must use the first <c>n</c> DMA segments it returned
/// (<see cref="DmaAddress"/>, <see cref="DmaLength"/>), which may be fewer than the CPU segments when
/// an IOMMU merged them into one contiguous I/O virtual range.
/// Thread safety: like a <c>struct sg_table</c>, a list belongs to one thread at a time; while it is
/// mapped its buffers are pinned.
/// </summary>
public sealed class ScatterList
{
    private readonly KBuffer?[] _buffers;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly ulong[] _dmaAddresses;
    private readonly int[] _dmaLengths;

    /// <summary>Creates an empty list with room for <paramref name="capacity"/> segments.</summary>
    public ScatterList(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _buffers = new KBuffer?[capacity];
        _offsets = new int[capacity];
        _lengths = new int[capacity];
        _dmaAddresses = new ulong[capacity];
        _dmaLengths = new int[capacity];
    }

    /// <summary>CPU segments in the list.</summary>
    public int Count { get; private set; }

    /// <summary>Maximum number of segments.</summary>
    public int Capacity => _buffers.Length;

    /// <summary>DMA segments produced by the last successful map (0 when not mapped).</summary>
    public int MappedCount { get; private set; }

    /// <summary>Total bytes of the CPU segments.</summary>
    public int TotalLength { get; private set; }

    /// <summary>Appends a CPU segment.</summary>
    /// <exception cref="InvalidOperationException">The list is full or currently mapped.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The segment is not inside the buffer.</exception>
    public void Add(KBuffer buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (MappedCount != 0)
        {
            throw new InvalidOperationException("A mapped scatter list cannot change; unmap it first.");
        }

        if (Count == Capacity)
        {
            throw new InvalidOperationException($"The scatter list is full ({Capacity} segments).");
        }

        DmaApi.CheckSegment(buffer, offset, length);
        _buffers[Count] = buffer;
        _offsets[Count] = offset;
        _lengths[Count] = length;
        Count++;
        TotalLength += length;
    }

    /// <summary>Removes every segment.</summary>
    /// <exception cref="InvalidOperationException">The list is currently mapped.</exception>
    public void Clear()
    {
        if (MappedCount != 0)
        {
            throw new InvalidOperationException("A mapped scatter list cannot change; unmap it first.");
        }

        Array.Clear(_buffers, 0, Count);
        Count = 0;
        TotalLength = 0;
    }

    /// <summary>The buffer of CPU segment <paramref name="index"/>.</summary>
    public KBuffer Buffer(int index) => _buffers[CheckIndex(index, Count)]!;

    /// <summary>The offset in its buffer of CPU segment <paramref name="index"/>.</summary>
    public int Offset(int index) => _offsets[CheckIndex(index, Count)];

    /// <summary>The length of CPU segment <paramref name="index"/>.</summary>
    public int Length(int index) => _lengths[CheckIndex(index, Count)];

    /// <summary>The bus address of DMA segment <paramref name="index"/> (below <see cref="MappedCount"/>).</summary>
    public DmaAddr DmaAddress(int index) => new(_dmaAddresses[CheckIndex(index, MappedCount)]);

    /// <summary>The length of DMA segment <paramref name="index"/> (below <see cref="MappedCount"/>).</summary>
    public int DmaLength(int index) => _dmaLengths[CheckIndex(index, MappedCount)];

    /// <summary>First frame and frame count of the IOVA range an IOMMU mapped for the whole list.</summary>
    internal (ulong Frame, ulong Pages) IovaRange { get; set; }

    internal void SetDmaSegment(int index, ulong address, int length)
    {
        _dmaAddresses[index] = address;
        _dmaLengths[index] = length;
    }

    internal ulong DmaAddressUnchecked(int index) => _dmaAddresses[index];

    internal int DmaLengthUnchecked(int index) => _dmaLengths[index];

    /// <summary>The DMA API (so the device) whose <see cref="DmaApi.MapSg"/> mapped the list; null when not mapped.</summary>
    internal DmaApi? MappedBy { get; private set; }

    internal void SetMapped(int count, DmaApi? by)
    {
        MappedCount = count;
        MappedBy = count == 0 ? null : by;
    }

    private static int CheckIndex(int index, int count) =>
        (uint)index < (uint)count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"The list has {count} segments.");
}
