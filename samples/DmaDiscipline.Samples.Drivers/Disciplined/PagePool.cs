using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// A page pool with DMA mapping (Linux's <c>page_pool</c> with <c>PP_FLAG_DMA_MAP</c> and
/// <c>PP_FLAG_DMA_SYNC_DEV</c>): pages are mapped once when the pool is created and stay mapped
/// while they circulate between driver and device. Recycling a page costs two syncs instead of a
/// map and an unmap — no IOVA allocation, no IOTLB invalidation, no bounce slot churn.
/// </summary>
public sealed class PagePool : IDisposable
{
    private readonly DmaApi _dma;
    private readonly PhysicalMemory _memory;
    private readonly PagePoolBuffer[] _all;
    private readonly Stack<PagePoolBuffer> _free;

    /// <summary>Allocates and maps <paramref name="count"/> buffers of <paramref name="length"/> bytes for <paramref name="direction"/>.</summary>
    /// <exception cref="InsufficientMemoryException">A mapping failed (everything made so far is released).</exception>
    public PagePool(DmaApi dma, PhysicalMemory memory, int count, int length, DmaDirection direction)
    {
        _dma = dma;
        _memory = memory;
        Length = length;
        Direction = direction;
        _all = new PagePoolBuffer[count];
        _free = new Stack<PagePoolBuffer>(count);
        for (int i = 0; i < count; i++)
        {
            KBuffer page = memory.Allocate(length);
            DmaAddr dmaAddr = dma.MapSingle(page, 0, length, direction);
            if (dma.MappingError(dmaAddr))
            {
                memory.Free(page);
                Release(i);
                throw new InsufficientMemoryException($"page_pool: mapping buffer {i} of {count} failed");
            }

            _all[i] = new PagePoolBuffer(page, dmaAddr, i);
            _free.Push(_all[i]);
        }
    }

    /// <summary>Bytes per buffer (and per mapping).</summary>
    public int Length { get; }

    /// <summary>The direction every buffer is mapped for.</summary>
    public DmaDirection Direction { get; }

    /// <summary>Buffers in the pool.</summary>
    public int Count => _all.Length;

    /// <summary>Takes a free buffer (still mapped, owned by the device until synced for the CPU), or null.</summary>
    public PagePoolBuffer? Rent() => _free.TryPop(out PagePoolBuffer? buffer) ? buffer : null;

    /// <summary>Gives a buffer back to the pool.</summary>
    public void Return(PagePoolBuffer buffer) => _free.Push(buffer);

    /// <summary>Lets the CPU see the first <paramref name="length"/> bytes the device wrote (<c>page_pool_dma_sync_for_cpu</c>).</summary>
    public void SyncForCpu(PagePoolBuffer buffer, int length) => _dma.SyncForCpu(buffer.Dma, Math.Max(1, length), Direction);

    /// <summary>Hands the first <paramref name="length"/> bytes back to the device before the buffer is reused.</summary>
    public void SyncForDevice(PagePoolBuffer buffer, int length) => _dma.SyncForDevice(buffer.Dma, Math.Max(1, length), Direction);

    /// <summary>Unmaps and frees every buffer (<c>page_pool_destroy</c>); all must have come back from the device.</summary>
    public void Dispose() => Release(_all.Length);

    private void Release(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (_all[i] is { } buffer && !buffer.Page.IsFreed)
            {
                _dma.UnmapSingle(buffer.Dma, Length, Direction);
                _memory.Free(buffer.Page);
            }
        }
    }
}
