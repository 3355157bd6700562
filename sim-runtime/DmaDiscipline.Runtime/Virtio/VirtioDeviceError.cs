namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// One problem a virtio device detected and how it reacted: with <see cref="NeedsReset"/> it set
/// DEVICE_NEEDS_RESET and stopped, otherwise it failed only the request (for example a virtio-blk
/// request completed with VIRTIO_BLK_S_IOERR).
/// </summary>
/// <param name="Sequence">Order of the error on this transport, from 1.</param>
/// <param name="Queue">The virtqueue, or -1 for a device-level problem.</param>
/// <param name="Kind">What was wrong.</param>
/// <param name="Message">Why, with the indices and addresses involved.</param>
/// <param name="NeedsReset">Whether the device set DEVICE_NEEDS_RESET.</param>
public sealed record VirtioDeviceError(long Sequence, int Queue, VirtioErrorKind Kind, string Message, bool NeedsReset)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"#{Sequence} {(Queue >= 0 ? $"queue {Queue}" : "device")}: {Kind}: {Message}{(NeedsReset ? " (device needs reset)" : string.Empty)}";
}
