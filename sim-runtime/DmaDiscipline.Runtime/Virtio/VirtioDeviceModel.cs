namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// What makes a virtio device a network card or a disk: its device id, device-specific features,
/// configuration space and what it does with the buffers of its queues. The generic part — status,
/// feature negotiation, queue registers, ring formats, notifications, the DMA path — is the
/// transport's (<see cref="VirtioMmioTransport"/>). A model is plugged into exactly one transport.
/// The transport may call <see cref="ProcessQueue"/> for different queues on different threads at
/// once (never for one queue twice at once): a model guards what its queues share.
/// </summary>
public abstract class VirtioDeviceModel
{
    private VirtioMmioTransport? _transport;

    /// <summary>The device id the transport reports.</summary>
    public abstract VirtioDeviceType DeviceType { get; }

    /// <summary>Device-specific feature bits offered (the transport adds the device-independent ones).</summary>
    public abstract ulong DeviceFeatures { get; }

    /// <summary>Number of virtqueues.</summary>
    public abstract int QueueCount { get; }

    /// <summary>Size in bytes of the configuration space.</summary>
    public abstract int ConfigSize { get; }

    /// <summary>Short name for logs (virtio-net, virtio-blk).</summary>
    public virtual string Name => $"virtio-{DeviceType.ToString().ToLowerInvariant()}";

    /// <summary>The transport the model is plugged into.</summary>
    /// <exception cref="InvalidOperationException">The model is not plugged in yet.</exception>
    protected VirtioMmioTransport Transport => _transport ?? throw new InvalidOperationException($"{Name} is not plugged into a transport.");

    /// <summary>The features both sides agreed on (valid from FEATURES_OK).</summary>
    protected ulong Negotiated => Transport.NegotiatedFeatures;

    /// <summary>Reads configuration space bytes; the range is inside <see cref="ConfigSize"/>.</summary>
    protected internal abstract void ReadConfig(int offset, Span<byte> destination);

    /// <summary>Writes configuration space bytes; the range is inside <see cref="ConfigSize"/>. Default: read-only, ignored.</summary>
    protected internal virtual void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
    }

    /// <summary>Device-specific check at FEATURES_OK: a reason to refuse the driver's features, or null to accept.</summary>
    protected internal virtual string? ValidateFeatures(ulong driverFeatures) => null;

    /// <summary>The driver notified <paramref name="queue"/> (or DRIVER_OK started it): consume what is available.</summary>
    protected internal abstract void ProcessQueue(int queue);

    /// <summary>
    /// Why queue <paramref name="queue"/> cannot be enabled with the negotiated features (it does not
    /// exist in that configuration), or null. Checked when the driver sets QueueReady.
    /// </summary>
    internal virtual string? QueueProblem(int queue) => null;

    /// <summary>
    /// After <see cref="ProcessQueue"/>: whether a used buffer notification is due for what that run
    /// pushed. The default asks the processed queue; a model that pushes to other queues from one
    /// run (a virtio-net pair in loopback) asks them too, under the lock it processes them with.
    /// </summary>
    internal virtual bool UsedBufferDue(int queue) => Queue(queue)?.NeedsInterrupt() == true;

    /// <summary>The driver set DRIVER_OK: the device is live.</summary>
    protected internal virtual void OnDriverOk()
    {
    }

    /// <summary>The driver reset the device (status 0): forget per-session state.</summary>
    protected internal virtual void OnReset()
    {
    }

    /// <summary>A running queue, or null if the driver did not enable it or the device is stopped.</summary>
    protected DeviceVirtqueue? Queue(int index) => Transport.GetQueue(index);

    /// <summary>Fails one request without stopping the device (for example VIRTIO_BLK_S_IOERR), recording why.</summary>
    protected void ReportRequestError(int queue, VirtioErrorKind kind, string message) =>
        Transport.ReportError(queue, kind, message, needsReset: false);

    /// <summary>Records a device error and sets DEVICE_NEEDS_RESET: the device stops until the driver resets it.</summary>
    protected void ReportFatalError(int queue, VirtioErrorKind kind, string message) =>
        Transport.ReportError(queue, kind, message, needsReset: true);

    internal void Attach(VirtioMmioTransport transport)
    {
        if (_transport is not null)
        {
            throw new InvalidOperationException($"{Name} is already plugged into {_transport}.");
        }

        _transport = transport;
    }
}
