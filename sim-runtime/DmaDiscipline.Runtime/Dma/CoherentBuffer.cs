namespace DmaDiscipline.Runtime;

/// <summary>
/// A coherent DMA buffer (the <c>dma_alloc_coherent</c> analogue): CPU and device share it without
/// syncs, as ring memory needs. The CPU uses <see cref="Span"/>; the device uses <see cref="DmaAddress"/>.
/// </summary>
public sealed class CoherentBuffer
{
    private readonly DmaAddr _dmaAddress;
    private int _freed;

    internal CoherentBuffer(DeviceId device, KBuffer buffer, int length, DmaAddr dmaAddress)
    {
        Device = device;
        Buffer = buffer;
        Length = length;
        _dmaAddress = dmaAddress;
    }

    /// <summary>Length in bytes.</summary>
    public int Length { get; }

    /// <summary>The CPU's view of the bytes.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfFreed();
            return Buffer.Bytes[..Length];
        }
    }

    /// <summary>The bus address the device uses for the first byte.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    public DmaAddr DmaAddress
    {
        get
        {
            ThrowIfFreed();
            return _dmaAddress;
        }
    }

    /// <summary>Whether <see cref="DmaApi.FreeCoherent"/> was called.</summary>
    public bool IsFreed => Volatile.Read(ref _freed) != 0;

    internal DeviceId Device { get; }

    /// <summary>The DMA API that allocated the buffer (set once the allocation is recorded); only it may free the buffer.</summary>
    internal DmaApi? Owner { get; set; }

    internal KBuffer Buffer { get; }

    internal DmaAddr Address => _dmaAddress;

    /// <inheritdoc />
    public override string ToString() => $"CoherentBuffer({Length} bytes at {_dmaAddress} for {Device}{(IsFreed ? ", freed" : string.Empty)})";

    /// <summary>Marks the buffer freed; false if it already was (so of two racing frees, one wins).</summary>
    internal bool TryMarkFreed() => Interlocked.Exchange(ref _freed, 1) == 0;

    private void ThrowIfFreed()
    {
        if (IsFreed)
        {
            throw new ObjectDisposedException(nameof(CoherentBuffer), $"Use after free of the coherent buffer at {_dmaAddress} ({Length} bytes).");
        }
    }
}
