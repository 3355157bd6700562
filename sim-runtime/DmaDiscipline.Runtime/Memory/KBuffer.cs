namespace DmaDiscipline.Runtime;

/// <summary>
/// A physically contiguous kernel buffer (the <c>kmalloc</c> analogue). The CPU uses
/// <see cref="Span"/>; a device may only reach it through a mapping from its <see cref="DmaApi"/>.
/// While a streaming, coherent or VFIO mapping covers it the buffer is pinned (as VFIO pins pages):
/// <see cref="PhysicalMemory.Free"/> refuses it, so its frames cannot be handed to a new owner that
/// the device could then reach.
/// </summary>
public sealed class KBuffer
{
    private readonly byte[] _data;

    // Pins (live mappings) when non-negative; Freed once freed. One field, changed by compare and
    // exchange, so a map racing a free either pins a live buffer or sees it freed, never both.
    private int _state;
    private const int Freed = -1;

    internal KBuffer(PhysicalMemory memory, PhysAddr physical, int length, byte[] data)
    {
        Memory = memory;
        Physical = physical;
        Length = length;
        _data = data;
    }

    /// <summary>Length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// The CPU's view of the bytes. Taking it while a device owns the buffer (mapped FromDevice or
    /// Bidirectional and not synced for the CPU) is reported by the DMA debug layer (DMA005): on real
    /// hardware the CPU could read stale cache lines or bytes the device has not written back yet.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed (use after free).</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfFreed();
            if (DeviceOwners != 0)
            {
                Memory.CpuAccessWhileDeviceOwned?.Invoke(this);
            }

            return _data.AsSpan(0, Length);
        }
    }

    /// <summary>The CPU physical address of the first byte. Never device-visible: map the buffer instead.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    public PhysAddr PhysicalAddress
    {
        get
        {
            ThrowIfFreed();
            return Physical;
        }
    }

    /// <summary>Whether <see cref="PhysicalMemory.Free"/> was called.</summary>
    public bool IsFreed => Volatile.Read(ref _state) == Freed;

    internal PhysicalMemory Memory { get; }

    internal PhysAddr Physical { get; }

    internal int Pages => (Length + PhysicalMemory.PageSize - 1) >> PhysicalMemory.PageShift;

    /// <summary>Live mappings that pin the buffer.</summary>
    internal int Pins => Math.Max(Volatile.Read(ref _state), 0);

    /// <summary>Live streaming mappings that give the device ownership (maintained by the debug layer).</summary>
    internal int DeviceOwners { get; set; }

    /// <summary>The debug layer's entry for the latest mapping that gave the device ownership.</summary>
    internal object? DebugOwner { get; set; }

    /// <summary>The bytes without the ownership check, for the DMA layer's own copies (bounce buffers).</summary>
    internal Span<byte> Bytes => _data.AsSpan(0, Length);

    /// <inheritdoc />
    public override string ToString() => $"KBuffer({Length} bytes at {Physical}{(IsFreed ? ", freed" : string.Empty)})";

    /// <summary>Marks the buffer freed if nothing pins it. Returns the pins found: 0 freed it, more refused, −1 was already freed.</summary>
    internal int TryMarkFreed()
    {
        int state = Interlocked.CompareExchange(ref _state, Freed, 0);
        return state;
    }

    /// <summary>Pins the buffer for a new mapping.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    internal void Pin()
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            if (state == Freed)
            {
                ThrowFreed();
            }

            int seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return;
            }

            state = seen;
        }
    }

    /// <summary>Drops one pin (its mapping is gone).</summary>
    internal void Unpin() => Interlocked.Decrement(ref _state);

    internal void ThrowIfFreed()
    {
        if (IsFreed)
        {
            ThrowFreed();
        }
    }

    private void ThrowFreed() =>
        throw new ObjectDisposedException(nameof(KBuffer), $"Use after free of the buffer at {Physical} ({Length} bytes).");
}
