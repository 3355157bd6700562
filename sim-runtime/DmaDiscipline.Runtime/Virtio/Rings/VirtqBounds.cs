namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The limits every ring structure shares (virtio 1.x §2.7: Queue Size is at most 32768), checked by
/// the public layout helpers so a bad size or index gets a clear error instead of a wrong offset.
/// </summary>
internal static class VirtqBounds
{
    /// <summary>The largest Queue Size the specification allows.</summary>
    public const int MaxQueueSize = 32768;

    /// <summary>The size, or an exception naming <paramref name="parameter"/> (the caller's own parameter).</summary>
    public static int QueueSize(int queueSize, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(queueSize))] string parameter = "queueSize") =>
        queueSize is >= 1 and <= MaxQueueSize
            ? queueSize
            : throw new ArgumentOutOfRangeException(parameter, queueSize, $"A virtqueue has 1 to {MaxQueueSize} entries.");

    /// <summary>The index, or an exception naming <paramref name="parameter"/> (the caller's own parameter).</summary>
    public static int Index(int index, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(index))] string parameter = "index") =>
        (uint)index < MaxQueueSize
            ? index
            : throw new ArgumentOutOfRangeException(parameter, index, $"A ring index is 0 to {MaxQueueSize - 1}.");

    /// <summary>Refuses a span shorter than the structure it must hold.</summary>
    public static void Holds(int length, int size, string what, string parameter)
    {
        if (length < size)
        {
            throw new ArgumentException($"{what} is {size} bytes; the span has {length}.", parameter);
        }
    }
}
