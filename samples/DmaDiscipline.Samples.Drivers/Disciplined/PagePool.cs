using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A page pool with DMA mapping (Linux's <c>page_pool</c> with <c>PP_FLAG_DMA_MAP</c>, high-order
/// pages split into fragments): memory is allocated in chunks, each chunk is mapped once when the
/// pool is created, and its fragments circulate between driver and device without ever being
/// unmapped. Recycling a fragment costs two syncs of its own bytes instead of a map and an unmap —
/// no IOVA allocation, no IOTLB invalidation, no bounce slot churn — and fragments sharing a chunk
/// share IOTLB entries.
/// </summary>
public sealed class PagePool : IDisposable
{
    /// <summary>Bytes per chunk (16 pages, an order-4 allocation).</summary>
    public const int ChunkSize = 16 * PhysicalMemory.PageSize;

    private readonly DmaApi _dma;
    private readonly PhysicalMemory _memory;
    private readonly List<(KBuffer Chunk, DmaAddr Dma)> _chunks = new();
    private readonly PagePoolBuffer[] _all;
    private readonly Stack<PagePoolBuffer> _free;

    /// <summary>Allocates and maps room for <paramref name="count"/> fragments of <paramref name="length"/> bytes for <paramref name="direction"/>.</summary>
    /// <exception cref="InsufficientMemoryException">A mapping failed (everything made so far is released).</exception>
    public PagePool(DmaApi dma, PhysicalMemory memory, int count, int length, DmaDirection direction)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, ChunkSize);
        _dma = dma;
        _memory = memory;
        Length = length;
        Direction = direction;
        _all = new PagePoolBuffer[count];
        _free = new Stack<PagePoolBuffer>(count);
        int perChunk = ChunkSize / length;
        for (int i = 0; i < count; i += perChunk)
        {
            int fragments = Math.Min(perChunk, count - i);
            KBuffer chunk = memory.Allocate(fragments * length);
            DmaAddr chunkDma = dma.MapSingle(chunk, 0, fragments * length, direction);
            if (dma.MappingError(chunkDma))
            {
                memory.Free(chunk);
                Dispose();
                throw new InsufficientMemoryException($"page_pool: mapping chunk {_chunks.Count} failed");
            }

            _chunks.Add((chunk, chunkDma));
            for (int f = 0; f < fragments; f++)
            {
                // A fragment's bus address is its chunk's plus its offset (page_pool_get_dma_addr + offset).
                var buffer = new PagePoolBuffer(chunk, f * length, new DmaAddr(chunkDma.Value + (ulong)(f * length)), i + f);
                _all[i + f] = buffer;
            }
        }

        for (int i = count - 1; i >= 0; i--)
        {
            _free.Push(_all[i]);
        }
    }

    /// <summary>Bytes per fragment.</summary>
    public int Length { get; }

    /// <summary>The direction every chunk is mapped for.</summary>
    public DmaDirection Direction { get; }

    /// <summary>Fragments in the pool.</summary>
    public int Count => _all.Length;

    /// <summary>Takes a free fragment (still mapped), or null.</summary>
    public PagePoolBuffer? Rent() => _free.TryPop(out PagePoolBuffer? buffer) ? buffer : null;

    /// <summary>Gives a fragment back to the pool.</summary>
    public void Return(PagePoolBuffer buffer) => _free.Push(buffer);

    /// <summary>Lets the CPU see the first <paramref name="length"/> bytes of a fragment (<c>page_pool_dma_sync_for_cpu</c>).</summary>
    public void SyncForCpu(PagePoolBuffer buffer, int length) => _dma.SyncForCpu(buffer.Dma, Math.Clamp(length, 1, Length), Direction);

    /// <summary>Hands the first <paramref name="length"/> bytes of a fragment back to the device before it is reused.</summary>
    public void SyncForDevice(PagePoolBuffer buffer, int length) => _dma.SyncForDevice(buffer.Dma, Math.Clamp(length, 1, Length), Direction);

    /// <summary>Unmaps and frees every chunk (<c>page_pool_destroy</c>); every fragment must have come back from the device.</summary>
    public void Dispose()
    {
        foreach ((KBuffer chunk, DmaAddr dma) in _chunks)
        {
            _dma.UnmapSingle(dma, chunk.Length, Direction);
            _memory.Free(chunk);
        }

        _chunks.Clear();
    }
}
