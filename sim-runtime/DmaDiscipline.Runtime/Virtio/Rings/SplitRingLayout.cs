namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// Where the three parts of a split virtqueue go when a driver places them in one contiguous
/// allocation (as Linux's <c>vring_init</c> does): the Descriptor Table at 0, the available ring right
/// after it (alignment 2 holds), the used ring at the next multiple of <see cref="UsedAlignment"/>.
/// </summary>
/// <param name="QueueSize">Queue Size.</param>
/// <param name="UsedAlignment">Alignment of the used ring: 4 per virtio 1.x (legacy drivers used 4096).</param>
public readonly record struct SplitRingLayout(int QueueSize, int UsedAlignment)
{
    /// <summary>Byte offset of the Descriptor Table (the Descriptor Area).</summary>
    public int DescOffset => 0;

    /// <summary>Byte offset of the available ring (the Driver Area).</summary>
    public int AvailOffset => VirtqDesc.TableSize(QueueSize);

    /// <summary>Byte offset of the used ring (the Device Area).</summary>
    public int UsedOffset => (AvailOffset + VirtqAvail.Size(QueueSize) + UsedAlignment - 1) & -UsedAlignment;

    /// <summary>Bytes the whole ring needs.</summary>
    public int TotalSize => UsedOffset + VirtqUsed.Size(QueueSize);

    /// <summary>The layout for <paramref name="queueSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The queue size is not a power of 2 from 1 to 32768, or the alignment is not a power of 2 of at least 4.</exception>
    public static SplitRingLayout For(int queueSize, int usedAlignment = VirtqUsed.Alignment) =>
        new(CheckedQueueSize(queueSize, nameof(queueSize)), CheckedAlignment(usedAlignment, nameof(usedAlignment)));

    private readonly int _queueSize = CheckedQueueSize(QueueSize, nameof(QueueSize));
    private readonly int _usedAlignment = CheckedAlignment(UsedAlignment, nameof(UsedAlignment));

    /// <summary>Queue Size: a power of 2 from 1 to 32768 (checked when the layout is made, by <see cref="For"/>, the constructor or an initializer).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Initialized with a size that is not a power of 2 from 1 to 32768.</exception>
    /// <exception cref="InvalidOperationException">Read from <c>default(SplitRingLayout)</c>, which is no layout.</exception>
    public int QueueSize
    {
        get => _queueSize != 0 ? _queueSize : throw NoLayout();
        init => _queueSize = CheckedQueueSize(value, nameof(value));
    }

    /// <summary>Alignment of the used ring: a power of 2 of at least 4 (checked when the layout is made).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Initialized with an alignment that is not a power of 2 of at least 4.</exception>
    /// <exception cref="InvalidOperationException">Read from <c>default(SplitRingLayout)</c>, which is no layout.</exception>
    public int UsedAlignment
    {
        get => _usedAlignment != 0 ? _usedAlignment : throw NoLayout();
        init => _usedAlignment = CheckedAlignment(value, nameof(value));
    }

    /// <inheritdoc />
    public override string ToString() =>
        _queueSize == 0 ? "SplitRingLayout { default: no layout }" : $"SplitRingLayout {{ QueueSize = {_queueSize}, UsedAlignment = {_usedAlignment} }}";

    private static InvalidOperationException NoLayout() =>
        new("default(SplitRingLayout) is no layout (Queue Size 0): make one with SplitRingLayout.For(queueSize).");

    private static int CheckedQueueSize(int queueSize, string parameter) =>
        queueSize is >= 1 and <= VirtqBounds.MaxQueueSize && (queueSize & (queueSize - 1)) == 0
            ? queueSize
            : throw new ArgumentOutOfRangeException(parameter, queueSize, "A split virtqueue's size is a power of 2 from 1 to 32768.");

    private static int CheckedAlignment(int usedAlignment, string parameter) =>
        usedAlignment >= VirtqUsed.Alignment && (usedAlignment & (usedAlignment - 1)) == 0
            ? usedAlignment
            : throw new ArgumentOutOfRangeException(parameter, usedAlignment, "The used ring's alignment is a power of 2 of at least 4.");
}
