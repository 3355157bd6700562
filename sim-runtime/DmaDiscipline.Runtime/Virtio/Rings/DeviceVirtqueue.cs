namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// The device's side of one running virtqueue: it pops descriptor chains the driver made available
/// and pushes them back as used, validating everything it reads from the ring. The ring lives in
/// driver memory at the three bus addresses the driver wrote to the transport; every read and write
/// goes through the device's DMA path. A malformed ring never throws: the queue records why, sets
/// DEVICE_NEEDS_RESET on its transport and stops (<see cref="IsBroken"/>).
/// </summary>
public abstract class DeviceVirtqueue
{
    private readonly VirtioMmioTransport _transport;
    private bool _outstanding; // a chain was popped and not yet pushed
    private bool _broken;

    private protected DeviceVirtqueue(VirtioMmioTransport transport, int index, int size, DmaAddr descArea, DmaAddr driverArea, DmaAddr deviceArea, ulong features)
    {
        _transport = transport;
        Index = index;
        Size = size;
        DescArea = descArea;
        DriverArea = driverArea;
        DeviceArea = deviceArea;
        EventIdx = (features & VirtioFeatures.EventIdx) != 0;
        IndirectDesc = (features & VirtioFeatures.IndirectDesc) != 0;
        Chain = new VirtqChain(size, transport.DeviceBus);
    }

    /// <summary>The queue index on its device.</summary>
    public int Index { get; }

    /// <summary>Queue Size: descriptors in the table or ring, and the longest chain accepted.</summary>
    public int Size { get; }

    /// <summary>Split or packed.</summary>
    public abstract VirtqueueFormat Format { get; }

    /// <summary>Bus address of the Descriptor Area (split: Descriptor Table; packed: Descriptor Ring).</summary>
    public DmaAddr DescArea { get; }

    /// <summary>Bus address of the Driver Area (split: available ring; packed: driver event suppression).</summary>
    public DmaAddr DriverArea { get; }

    /// <summary>Bus address of the Device Area (split: used ring; packed: device event suppression).</summary>
    public DmaAddr DeviceArea { get; }

    /// <summary>Whether the queue found the ring malformed and stopped (or the device stopped it: another queue's thread may; a reset or QueueReady 0 stops it too, so a model holding it afterwards touches no ring).</summary>
    public bool IsBroken
    {
        get => Volatile.Read(ref _broken);
        private set => Volatile.Write(ref _broken, value);
    }

    /// <summary>Chains popped.</summary>
    public long Popped { get; private protected set; }

    /// <summary>Chains returned as used.</summary>
    public long Pushed { get; private protected set; }

    /// <summary>Used buffer notifications the driver suppressed (flags or EVENT_IDX).</summary>
    public long InterruptsSuppressed { get; private set; }

    /// <summary>The chain <see cref="TryPop"/> filled last (the same object every time), for a device that completes it later.</summary>
    public VirtqChain LastPopped => Chain;

    /// <summary>Whether VIRTIO_F_EVENT_IDX was negotiated.</summary>
    protected bool EventIdx { get; }

    /// <summary>Whether VIRTIO_F_INDIRECT_DESC was negotiated.</summary>
    protected bool IndirectDesc { get; }

    /// <summary>The chain instance <see cref="TryPop"/> fills (reused for every request).</summary>
    protected VirtqChain Chain { get; }

    /// <summary>The device's DMA path as chosen at FEATURES_OK (ACCESS_PLATFORM or not).</summary>
    protected BusMaster Bus => _transport.DeviceBus;

    /// <summary>
    /// Pops the next available chain into the queue's reusable <see cref="VirtqChain"/>. Returns
    /// <see cref="VirtqPopResult.Empty"/> when nothing is available and <see cref="VirtqPopResult.Broken"/>
    /// (after recording why) when the ring is malformed.
    /// </summary>
    public VirtqPopResult TryPop(out VirtqChain chain)
    {
        chain = Chain;
        if (IsBroken)
        {
            return VirtqPopResult.Broken;
        }

        Chain.Reset(Bus);
        VirtqPopResult result = PopCore();
        if (result == VirtqPopResult.Chain)
        {
            Popped++;
            _outstanding = true;
        }

        return result;
    }

    /// <summary>
    /// Returns the chain last popped to the driver as used, with the number of bytes the device wrote
    /// into its writable segments. False if the queue is broken or writing the ring faulted (then recorded).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="written"/> exceeds the chain's writable length (a device model bug).</exception>
    /// <exception cref="ArgumentException">The chain belongs to another queue.</exception>
    /// <exception cref="InvalidOperationException">No chain was popped since the last push (a device model bug: a chain pushed twice, or never popped).</exception>
    public bool Push(VirtqChain chain, uint written)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (!ReferenceEquals(chain, Chain))
        {
            throw new ArgumentException("The chain was popped from another queue.", nameof(chain));
        }

        if (written > chain.WritableLength)
        {
            throw new ArgumentOutOfRangeException(nameof(written), written, $"The chain has {chain.WritableLength} writable bytes.");
        }

        if (IsBroken)
        {
            return false;
        }

        if (!_outstanding)
        {
            // Pushing it again would complete a buffer id the driver may already have reused (or never made available).
            throw new InvalidOperationException($"No chain was popped since the last push (chain {chain.Id} was already returned): a device model returns each popped chain once.");
        }

        if (!PushCore(chain, written))
        {
            return false;
        }

        _outstanding = false;
        Pushed++;
        return true;
    }

    /// <summary>Whether a used buffer notification is due for the chains pushed since the last call (reads the driver's suppression state).</summary>
    internal bool NeedsInterrupt()
    {
        if (IsBroken)
        {
            return false;
        }

        bool? needs = NeedsInterruptCore();
        if (needs == false)
        {
            InterruptsSuppressed++;
        }

        return needs == true;
    }

    /// <summary>Called when the queue starts: initial device-written state (packed: the device event suppression).</summary>
    internal virtual void Start()
    {
    }

    /// <summary>Reads the ring and validates one chain.</summary>
    private protected abstract VirtqPopResult PopCore();

    /// <summary>Writes one used element or descriptor.</summary>
    private protected abstract bool PushCore(VirtqChain chain, uint written);

    /// <summary>Null when nothing was pushed since the last call; otherwise whether to notify.</summary>
    private protected abstract bool? NeedsInterruptCore();

    /// <summary>Records a ring error, marks the device DEVICE_NEEDS_RESET and stops the queue.</summary>
    private protected VirtqPopResult Broken(VirtioErrorKind kind, string message)
    {
        IsBroken = true;
        _transport.ReportError(Index, kind, message, needsReset: true);
        return VirtqPopResult.Broken;
    }

    /// <summary>Marks the queue stopped without recording (the transport already did).</summary>
    internal void Stop() => IsBroken = true;

    /// <summary>
    /// Checks and appends one buffer descriptor: the address range must not wrap, writable segments
    /// must follow readable ones, the chain's total must fit the used element's 32-bit length.
    /// </summary>
    private protected VirtqPopResult? AddSegment(ulong address, uint length, bool writable, DescLocation where)
    {
        if (length != 0 && address + length - 1 < address)
        {
            return Broken(VirtioErrorKind.LengthOutOfRange, $"{where}: addr 0x{address:x} + len {length} wraps around the address space");
        }

        if (!writable && Chain.Count > Chain.ReadableCount)
        {
            return Broken(VirtioErrorKind.ReadableAfterWritable, $"{where}: a device-readable descriptor follows a device-writable one");
        }

        if (Chain.Count == Chain.Capacity)
        {
            return Broken(VirtioErrorKind.ChainTooLong, $"{where}: the chain is longer than the queue size {Size}");
        }

        if (Chain.ReadableLength + Chain.WritableLength + length > uint.MaxValue)
        {
            return Broken(VirtioErrorKind.LengthOutOfRange, $"{where}: the chain's total length exceeds 4 GiB");
        }

        Chain.Add(address, length, writable);
        return null;
    }

    /// <summary>Checks an indirect descriptor's table and returns its entry count, or the error.</summary>
    private protected VirtqPopResult? CheckIndirect(ulong address, uint length, bool alsoNext, bool inChain, out int entries, DescLocation where)
    {
        entries = 0;
        if (!IndirectDesc)
        {
            return Broken(VirtioErrorKind.BadIndirect, $"{where}: VIRTQ_DESC_F_INDIRECT set but VIRTIO_F_INDIRECT_DESC was not negotiated");
        }

        if (alsoNext)
        {
            return Broken(VirtioErrorKind.BadIndirect, $"{where}: VIRTQ_DESC_F_INDIRECT together with VIRTQ_DESC_F_NEXT");
        }

        if (inChain)
        {
            return Broken(VirtioErrorKind.BadIndirect, $"{where}: an indirect descriptor inside a chain (it must be the only descriptor of its buffer)");
        }

        if (length == 0 || length % VirtqDesc.Size != 0)
        {
            return Broken(VirtioErrorKind.LengthOutOfRange, $"{where}: indirect table length {length} is not a positive multiple of {VirtqDesc.Size}");
        }

        if (address + length - 1 < address)
        {
            return Broken(VirtioErrorKind.LengthOutOfRange, $"{where}: indirect table at 0x{address:x} + {length} wraps around the address space");
        }

        if (length / VirtqDesc.Size > (uint)Size)
        {
            return Broken(VirtioErrorKind.ChainTooLong, $"{where}: indirect table of {length / VirtqDesc.Size} descriptors is longer than the queue size {Size}");
        }

        entries = (int)(length / VirtqDesc.Size);
        return null;
    }

    /// <summary>Records that an access to the ring itself faulted.</summary>
    private protected VirtqPopResult RingFault(string what, ulong address) =>
        Broken(VirtioErrorKind.RingDmaFault, $"DMA fault {what} at bus address 0x{address:x}");
}
