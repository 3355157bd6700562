namespace DmaDiscipline.Runtime;

/// <summary>
/// The machine's physical address space: sparse and page-granular (4 KiB). Only pages that were
/// allocated or written cost host memory, so a 64 GiB (or larger) space is cheap. Allocations are
/// physically contiguous, page-aligned and zeroed, and can be placed above 4 GiB to exercise DMA
/// masks and bouncing.
/// Thread safety: every public member may be called from any thread. Each zone's allocator has its
/// own lock; page lookups take none. A buffer under a live DMA mapping is pinned and cannot be freed.
/// </summary>
public sealed class PhysicalMemory
{
    /// <summary>log2 of the page size.</summary>
    public const int PageShift = 12;

    /// <summary>The page size: 4 KiB.</summary>
    public const int PageSize = 1 << PageShift;

    /// <summary>Mask of the offset bits inside a page.</summary>
    public const ulong PageMask = PageSize - 1;

    /// <summary>The 4 GiB boundary that 32-bit DMA masks cannot cross.</summary>
    public const ulong FourGiB = 1UL << 32;

    /// <summary>Largest single allocation (4 MiB, the order-10 limit of a buddy allocator).</summary>
    public const int MaxAllocation = 4 << 20;

    private const int ChunkShift = 9; // 512 frames (2 MiB) per chunk
    private const int ChunkFrames = 1 << ChunkShift;
    private const int TableShift = 9; // 512 chunks (1 GiB) per directory table
    private const int TableChunks = 1 << TableShift;

    // Two levels, both created on first touch: a flat array of chunks would cost 1 GiB up front for
    // a 256 TiB space. Index: [frame >> 18][(frame >> 9) & 511][frame & 511].
    private readonly PageFrame[]?[]?[] _directory;
    private readonly PageRangeAllocator _low;
    private readonly PageRangeAllocator _high;
    private long _backedPages;
    private int _liveAllocations;

    /// <summary>Creates a physical address space with default options (64 GiB).</summary>
    public PhysicalMemory()
        : this(new PhysicalMemoryOptions())
    {
    }

    /// <summary>Creates a physical address space.</summary>
    /// <exception cref="ArgumentException">The size is not page-aligned, smaller than 16 MiB or above 2^48; the first allocatable address is not page-aligned low memory; or the default placement is not a defined value.</exception>
    public PhysicalMemory(PhysicalMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Size & PageMask) != 0 || options.Size < (16UL << 20) || options.Size > (1UL << 48))
        {
            throw new ArgumentException($"Physical memory size 0x{options.Size:x} must be page-aligned and between 16 MiB and 256 TiB.", nameof(options));
        }

        if ((options.FirstAllocatable & PageMask) != 0 || options.FirstAllocatable >= Math.Min(options.Size, FourGiB))
        {
            throw new ArgumentException($"First allocatable address 0x{options.FirstAllocatable:x} must be page-aligned and inside low memory.", nameof(options));
        }

        if (!IsDefined(options.DefaultPlacement))
        {
            throw new ArgumentException($"DefaultPlacement {options.DefaultPlacement} is not Default, Below4G or Above4G.", nameof(options));
        }

        Options = options;
        ulong frames = options.Size >> PageShift;
        ulong chunks = (frames + ChunkFrames - 1) >> ChunkShift;
        _directory = new PageFrame[]?[]?[(chunks + TableChunks - 1) >> TableShift];
        ulong lowEnd = Math.Min(options.Size, FourGiB) >> PageShift;
        _low = new PageRangeAllocator(options.FirstAllocatable >> PageShift, lowEnd);
        _high = new PageRangeAllocator(lowEnd, frames);
    }

    /// <summary>The options this memory was created with.</summary>
    public PhysicalMemoryOptions Options { get; }

    /// <summary>Size of the physical address space in bytes.</summary>
    public ulong Size => Options.Size;

    /// <summary>Pages that currently have host backing (allocated or touched): what the simulation costs.</summary>
    public long BackedPages => Interlocked.Read(ref _backedPages);

    /// <summary>Live allocations.</summary>
    public int LiveAllocations => Volatile.Read(ref _liveAllocations);

    /// <summary>Called when the CPU takes <see cref="KBuffer.Span"/> of a buffer a device owns (the DMA debug layer listens).</summary>
    internal Action<KBuffer>? CpuAccessWhileDeviceOwned { get; set; }

    /// <summary>Called with each new allocation's physical range (the DMA debug layer forgets old unmaps there).</summary>
    internal Action<ulong, int>? Allocated { get; set; }

    /// <summary>Names one live mapping that pins a buffer (the machine looks through its devices and VFIO containers).</summary>
    internal Func<KBuffer, PinHolder?>? FindPinHolder { get; set; }

    /// <summary>Called when a pinned buffer's free is refused (the DMA debug layer reports it).</summary>
    internal Action<KBuffer, PinHolder>? FreedWhilePinned { get; set; }

    /// <summary>Allocates a physically contiguous, zeroed buffer (the <c>kzalloc</c> analogue) where the default placement says.</summary>
    /// <param name="length">Length in bytes, 1 to <see cref="MaxAllocation"/>.</param>
    public KBuffer Allocate(int length) => Allocate(length, MemoryPlacement.Default);

    /// <summary>Allocates a physically contiguous, zeroed, page-aligned buffer.</summary>
    /// <param name="length">Length in bytes, 1 to <see cref="MaxAllocation"/>.</param>
    /// <param name="placement">Below or above 4 GiB.</param>
    /// <exception cref="ArgumentOutOfRangeException">The length is not positive or above <see cref="MaxAllocation"/>, or the placement is not a defined value.</exception>
    /// <exception cref="InsufficientMemoryException">No contiguous range of that size is free in the zone.</exception>
    public KBuffer Allocate(int length, MemoryPlacement placement)
    {
        if (length <= 0 || length > MaxAllocation)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"An allocation is 1 to {MaxAllocation} bytes.");
        }

        if (!IsDefined(placement))
        {
            throw new ArgumentOutOfRangeException(nameof(placement), placement, "A placement is Default, Below4G or Above4G.");
        }

        return AllocateFrames(length, placement);
    }

    /// <summary>Reserves a large low-memory area at boot (the memblock analogue), beyond the <see cref="MaxAllocation"/> limit.</summary>
    internal KBuffer AllocateReserved(int length)
    {
        if (length <= 0 || length > 1 << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A reserved area is 1 byte to 1 GiB.");
        }

        return AllocateFrames(length, MemoryPlacement.Below4G);
    }

    private KBuffer AllocateFrames(int length, MemoryPlacement placement)
    {
        int pages = (length + PageSize - 1) >> PageShift;
        ulong frame = FindFrames((ulong)pages, placement);
        var data = new byte[pages << PageShift];
        var backing = new PageBacking(data, frame);
        for (int i = 0; i < pages; i++)
        {
            ref PageFrame slot = ref Frame(frame + (ulong)i);

            // A reused frame now names the new owner's bytes; device writes after this land there.
            if (Interlocked.Exchange(ref slot.Backing, backing) is null)
            {
                Interlocked.Increment(ref _backedPages);
            }
        }

        Interlocked.Increment(ref _liveAllocations);
        Allocated?.Invoke(frame << PageShift, pages << PageShift);
        return new KBuffer(this, new PhysAddr(frame << PageShift), length, data);
    }

    /// <summary>Frees a buffer. Its <see cref="KBuffer.Span"/> and address become unusable.</summary>
    /// <exception cref="InvalidOperationException">
    /// The buffer was already freed (double free), or a live streaming, coherent or VFIO mapping still
    /// pins it (the message names one; nothing is freed, and its frames stay the buffer's).
    /// </exception>
    /// <exception cref="ArgumentException">The buffer belongs to another memory.</exception>
    public void Free(KBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (!ReferenceEquals(buffer.Memory, this))
        {
            throw new ArgumentException("The buffer was allocated from another PhysicalMemory.", nameof(buffer));
        }

        int pins = buffer.TryMarkFreed();
        if (pins < 0)
        {
            throw new InvalidOperationException($"Double free of the buffer at {buffer.Physical} ({buffer.Length} bytes).");
        }

        if (pins > 0)
        {
            throw PinnedFree(buffer, pins);
        }

        ulong frame = buffer.Physical.PageFrame;
        ulong pages = (ulong)buffer.Pages;
        for (ulong i = 0; i < pages; i++)
        {
            Frame(frame + i).Shared = false;
        }

        PageRangeAllocator zone = frame < _low.EndFrame ? _low : _high;
        lock (zone)
        {
            zone.Free(frame, pages);
        }

        Interlocked.Decrement(ref _liveAllocations);
    }

    /// <summary>The physical address of a byte of a buffer (the <c>virt_to_phys</c> analogue). Never give it to a device.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is outside the buffer.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    public PhysAddr VirtToPhys(KBuffer buffer, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.ThrowIfFreed();
        if ((uint)offset >= (uint)buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The buffer is {buffer.Length} bytes long.");
        }

        return new PhysAddr(buffer.Physical.Value + (ulong)offset);
    }

    /// <summary>Reads physical memory as the CPU would (untouched memory reads as zero).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the physical address space.</exception>
    public void Read(PhysAddr address, Span<byte> destination)
    {
        CheckRange(address.Value, destination.Length);
        ReadUnchecked(address.Value, destination);
    }

    /// <summary>Writes physical memory as the CPU would.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the physical address space.</exception>
    public void Write(PhysAddr address, ReadOnlySpan<byte> source)
    {
        CheckRange(address.Value, source.Length);
        WriteUnchecked(address.Value, source);
    }

    /// <summary>Whether the range lies inside the physical address space.</summary>
    public bool Contains(ulong address, int length) =>
        length >= 0 && address < Size && (ulong)length <= Size - address;

    internal void CheckRange(ulong address, int length)
    {
        if (!Contains(address, length))
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:x}+{length} is outside the {Size >> 30} GiB physical address space.");
        }
    }

    /// <summary>The host bytes of one page for reading, or an empty span if the page was never touched (reads as zero).</summary>
    internal ReadOnlySpan<byte> PageForRead(ulong frame)
    {
        PageFrame[]? chunk = ChunkOrNull(frame);
        if (chunk is null)
        {
            return default;
        }

        PageBacking? backing = Volatile.Read(ref chunk[frame & (ChunkFrames - 1)].Backing);
        return backing is null ? default : backing.Page(frame);
    }

    /// <summary>The host bytes of one page for writing, backing it on first touch.</summary>
    internal Span<byte> PageForWrite(ulong frame)
    {
        // Every device write comes here: the backed page is found as a read finds it, and only a
        // first touch takes the path that creates directory levels and backing.
        PageFrame[]? chunk = ChunkOrNull(frame);
        PageBacking? backing = chunk is null ? null : Volatile.Read(ref chunk[frame & (ChunkFrames - 1)].Backing);
        return backing is not null ? backing.Page(frame) : BackOnFirstTouch(frame);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Span<byte> BackOnFirstTouch(ulong frame)
    {
        ref PageFrame slot = ref Frame(frame);
        PageBacking? backing = Volatile.Read(ref slot.Backing);
        if (backing is null)
        {
            // Another thread may back the page at the same moment, and one of the two wins.
            var fresh = new PageBacking(new byte[PageSize], frame);
            backing = Interlocked.CompareExchange(ref slot.Backing, fresh, null) ?? fresh;
            if (ReferenceEquals(backing, fresh))
            {
                Interlocked.Increment(ref _backedPages);
            }
        }

        return backing.Page(frame);
    }

    internal bool IsShared(ulong frame)
    {
        PageFrame[]? chunk = ChunkOrNull(frame);
        return chunk is not null && chunk[frame & (ChunkFrames - 1)].Shared;
    }

    /// <summary>Marks pages shared with (or private from) devices, like <c>set_memory_decrypted</c> in a confidential guest.</summary>
    internal void SetShared(ulong frame, int pages, bool shared)
    {
        for (int i = 0; i < pages; i++)
        {
            Frame(frame + (ulong)i).Shared = shared;
        }
    }

    internal void ReadUnchecked(ulong address, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int inPage = (int)(address & PageMask);
            int chunk = Math.Min(PageSize - inPage, destination.Length);
            ReadOnlySpan<byte> page = PageForRead(address >> PageShift);
            if (page.IsEmpty)
            {
                destination[..chunk].Clear();
            }
            else
            {
                page.Slice(inPage, chunk).CopyTo(destination);
            }

            destination = destination[chunk..];
            address += (ulong)chunk;
        }
    }

    internal void WriteUnchecked(ulong address, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            int inPage = (int)(address & PageMask);
            int chunk = Math.Min(PageSize - inPage, source.Length);
            source[..chunk].CopyTo(PageForWrite(address >> PageShift).Slice(inPage, chunk));
            source = source[chunk..];
            address += (ulong)chunk;
        }
    }

    private static bool IsDefined(MemoryPlacement placement) =>
        placement is MemoryPlacement.Default or MemoryPlacement.Below4G or MemoryPlacement.Above4G;

    private ulong FindFrames(ulong pages, MemoryPlacement placement)
    {
        if (placement == MemoryPlacement.Default)
        {
            placement = Options.DefaultPlacement == MemoryPlacement.Default ? MemoryPlacement.Below4G : Options.DefaultPlacement;
        }

        PageRangeAllocator zone = placement == MemoryPlacement.Above4G ? _high : _low;
        lock (zone)
        {
            if (zone.TryAllocate(pages, out ulong frame))
            {
                return frame;
            }
        }

        throw new InsufficientMemoryException(
            $"No {pages} contiguous free pages {(placement == MemoryPlacement.Above4G ? "above" : "below")} 4 GiB in {Size >> 30} GiB of physical memory.");
    }

    private InvalidOperationException PinnedFree(KBuffer buffer, int pins)
    {
        PinHolder? holder = FindPinHolder?.Invoke(buffer);
        string message = $"Free of {buffer} refused: {(holder is { } h ? h.ToString() : "a live DMA mapping")} still pins it"
            + $"{(pins > 1 ? $" ({pins} pins in all)" : string.Empty)}; unmap or free the mapping first (nothing was freed).";
        if (holder is { } found && FreedWhilePinned is { } report)
        {
            try
            {
                report(buffer, found);
            }
            catch (DmaDebugException debug)
            {
                return new InvalidOperationException(message, debug);
            }
        }

        return new InvalidOperationException(message);
    }

    private ref PageFrame Frame(ulong frame)
    {
        // Directory levels are created on first touch by whichever thread gets there first.
        ref PageFrame[]?[]? tableSlot = ref _directory[frame >> (ChunkShift + TableShift)];
        PageFrame[]?[] table = Volatile.Read(ref tableSlot) ?? Interlocked.CompareExchange(ref tableSlot, new PageFrame[]?[TableChunks], null) ?? tableSlot!;
        ref PageFrame[]? chunkSlot = ref table[(frame >> ChunkShift) & (TableChunks - 1)];
        PageFrame[] chunk = Volatile.Read(ref chunkSlot) ?? Interlocked.CompareExchange(ref chunkSlot, new PageFrame[ChunkFrames], null) ?? chunkSlot!;
        return ref chunk[frame & (ChunkFrames - 1)];
    }

    private PageFrame[]? ChunkOrNull(ulong frame)
    {
        PageFrame[]?[]? table = Volatile.Read(ref _directory[frame >> (ChunkShift + TableShift)]);
        return table is null ? null : Volatile.Read(ref table[(frame >> ChunkShift) & (TableChunks - 1)]);
    }
}
