namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// Where the three parts of a packed virtqueue go in one contiguous allocation: the Descriptor Ring
/// at 0, the driver event suppression structure after it, then the device event suppression structure
/// (every part keeps its alignment: 16, 4, 4).
/// </summary>
/// <param name="QueueSize">Queue Size (1 to 32768, not necessarily a power of 2).</param>
public readonly record struct PackedRingLayout(int QueueSize)
{
    /// <summary>Byte offset of the Descriptor Ring (the Descriptor Area).</summary>
    public int DescOffset => 0;

    /// <summary>Byte offset of the driver event suppression structure (the Driver Area).</summary>
    public int DriverEventOffset => PvirtqDesc.RingSize(QueueSize);

    /// <summary>Byte offset of the device event suppression structure (the Device Area).</summary>
    public int DeviceEventOffset => DriverEventOffset + PvirtqEventSuppress.Size;

    /// <summary>Bytes the whole ring needs.</summary>
    public int TotalSize => DeviceEventOffset + PvirtqEventSuppress.Size;

    /// <summary>The layout for <paramref name="queueSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The queue size is not 1 to 32768.</exception>
    public static PackedRingLayout For(int queueSize) => new(VirtqBounds.QueueSize(queueSize, nameof(queueSize)));

    private readonly int _queueSize = VirtqBounds.QueueSize(QueueSize, nameof(QueueSize));

    /// <summary>Queue Size: 1 to 32768 (checked when the layout is made, by <see cref="For"/>, the constructor or an initializer).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Initialized with a size that is not 1 to 32768.</exception>
    /// <exception cref="InvalidOperationException">Read from <c>default(PackedRingLayout)</c>, which is no layout.</exception>
    public int QueueSize
    {
        get => _queueSize != 0 ? _queueSize : throw new InvalidOperationException("default(PackedRingLayout) is no layout (Queue Size 0): make one with PackedRingLayout.For(queueSize).");
        init => _queueSize = VirtqBounds.QueueSize(value, nameof(value));
    }

    /// <inheritdoc />
    public override string ToString() =>
        _queueSize == 0 ? "PackedRingLayout { default: no layout }" : $"PackedRingLayout {{ QueueSize = {_queueSize} }}";
}
