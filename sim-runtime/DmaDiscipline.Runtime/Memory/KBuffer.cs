namespace DmaDiscipline.Runtime;

/// <summary>
/// A physically contiguous kernel buffer (the <c>kmalloc</c> analogue). The CPU uses
/// <see cref="Span"/>; a device may only reach it through a mapping from its <see cref="DmaApi"/>.
/// </summary>
public sealed class KBuffer
{
    private readonly byte[] _data;
    private bool _freed;

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
    public bool IsFreed => _freed;

    internal PhysicalMemory Memory { get; }

    internal PhysAddr Physical { get; }

    internal int Pages => (Length + PhysicalMemory.PageSize - 1) >> PhysicalMemory.PageShift;

    /// <summary>Live streaming mappings that give the device ownership (maintained by the debug layer).</summary>
    internal int DeviceOwners { get; set; }

    /// <summary>The debug layer's entry for the latest mapping that gave the device ownership.</summary>
    internal object? DebugOwner { get; set; }

    /// <summary>The bytes without the ownership check, for the DMA layer's own copies (bounce buffers).</summary>
    internal Span<byte> Bytes => _data.AsSpan(0, Length);

    /// <inheritdoc />
    public override string ToString() => $"KBuffer({Length} bytes at {Physical}{(_freed ? ", freed" : string.Empty)})";

    internal void MarkFreed() => _freed = true;

    internal void ThrowIfFreed()
    {
        if (_freed)
        {
            throw new ObjectDisposedException(nameof(KBuffer), $"Use after free of the buffer at {Physical} ({Length} bytes).");
        }
    }
}
