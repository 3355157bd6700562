using System.Buffers.Binary;

namespace DmaDiscipline.Runtime;

/// <summary>
/// A device's side of DMA: the reads and writes its model issues on the bus. Every access goes
/// through this device's own path — its IOMMU domain when it sits behind the IOMMU, the address as
/// physical when it does not — and nothing else. A faulting transaction is all or nothing: a write
/// changes no byte, a read returns zeros, a fault is recorded, and the call returns false so the
/// device model can fail the request.
/// Thread safety: any thread may issue transactions (a multiqueue device model runs one thread per
/// queue); a transaction racing an unmap either completes against the mapping or faults — a strict
/// unmap returns only after transactions that translated through it have finished copying — and one
/// that starts after a strict unmap returned always faults.
/// </summary>
public sealed class BusMaster
{
    private const int MaxStackPages = 64;
    private const int MaxUnpublishedReads = 2; // attempts of a read before it is published as a write is

    private volatile bool _unplugged; // the device was removed from the machine
    private readonly Machine _machine;
    private readonly bool _behindIommu;
    private readonly ulong _addressMask;

    // The platform's own probe: its writes are not a driver's DMA and its expected faults are not recorded.
    private readonly bool _probe;
    private readonly object _contextLock = new();

    // The context entry as of _contextGeneration: saves a dictionary lookup per transaction.
    private IommuDomain? _domain;
    private int _contextGeneration = -1;
    private OwnedCounter _bytesRead;
    private OwnedCounter _bytesWritten;
    private long _faults;

    internal BusMaster(Machine machine, DeviceId device, bool behindIommu, ulong addressMask, int deviceTlbEntries = 0, bool probe = false)
    {
        _machine = machine;
        _probe = probe;
        Device = device;
        _behindIommu = behindIommu;
        _addressMask = addressMask;
        if (behindIommu && deviceTlbEntries > 0)
        {
            DeviceTlb = IoTlb.ForDevice(deviceTlbEntries);
        }
    }

    /// <summary>
    /// The device's address translation cache when it uses PCIe ATS (<see cref="DeviceOptions.Ats"/>):
    /// translations its domain completed, keyed by I/O virtual page, so repeated accesses skip the
    /// IOMMU. Its domain invalidates it with the IOTLB (Device-TLB invalidation): at every unmap in
    /// strict mode, at the flush in lazy mode; a change of domain empties it. Null without ATS.
    /// </summary>
    public IoTlb? DeviceTlb { get; }

    /// <summary>
    /// The address bits the device can drive (<see cref="DeviceOptions.DmaMask"/>). Higher bits of a
    /// bus address are lost on the wire, as with a 32-bit device handed a 64-bit address: the
    /// transaction lands at the truncated address.
    /// </summary>
    public ulong AddressMask => _addressMask;

    /// <summary>The requester id on the bus.</summary>
    public DeviceId Device { get; }

    /// <summary>Bytes read successfully.</summary>
    public long BytesRead => _bytesRead.Value;

    /// <summary>Bytes written successfully.</summary>
    public long BytesWritten => _bytesWritten.Value;

    /// <summary>Transactions blocked by a fault.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Reads <paramref name="destination"/>.Length bytes at a bus address. False (and zeros) on a fault.</summary>
    public bool TryRead(DmaAddr address, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return true;
        }

        address = new DmaAddr(address.Value & _addressMask);
        int pages = PageCount(address.Value, destination.Length);
        Span<ulong> physical = pages <= MaxStackPages ? stackalloc ulong[pages] : new ulong[pages];
        int thread = Environment.CurrentManagedThreadId; // a thread-local read: once per transaction

        // A read that an invalidation of its pages overtook is made again (InFlightTransactions.BeginRead):
        // it then translates after that invalidation, and faults if its entry is gone. After two such,
        // it is published as a write is, which a drain waits for. The first attempt is written out
        // here, as ReadOnce makes the others: a call more per read (or a retry loop around the
        // protected region) cost an 8-byte identity read a third of its time.
        IommuDomain? inFlight = null;
        long epoch = 0;
        bool valid = true;
        try
        {
            // Inside the try: whatever throws once the transaction is counted, it leaves the count.
            bool translated = Translate(address.Value, destination.Length, DmaAccess.Read, physical, thread, 0, out inFlight, out epoch);
            if (!translated)
            {
                destination.Clear();
                return false;
            }

            Copy(address.Value, physical, destination);
        }
        finally
        {
            if (inFlight is not null)
            {
                valid = inFlight.EndReadTransaction(epoch);
            }
        }

        if (!valid && !ReadAgain(address, destination, physical, thread))
        {
            return false;
        }

        _bytesRead.Add(destination.Length, thread);
        return true;
    }

    /// <summary>The attempts after the first of a read an invalidation overtook (out of line: rare); false on a fault.</summary>
    private bool ReadAgain(DmaAddr address, Span<byte> destination, Span<ulong> physical, int thread)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (ReadOnce(address, destination, physical, thread, attempt) is bool valid)
            {
                if (valid)
                {
                    return true;
                }
            }
            else
            {
                return false;
            }
        }
    }

    /// <summary>
    /// One attempt after the first of a read: null on a fault (zeros copied), true when the bytes are
    /// the mapping's, false when an invalidation overtook it again.
    /// </summary>
    private bool? ReadOnce(DmaAddr address, Span<byte> destination, Span<ulong> physical, int thread, int attempt)
    {
        IommuDomain? inFlight = null;
        long epoch = 0;
        bool valid = true;
        try
        {
            // Inside the try: whatever throws once the transaction is counted, it leaves the count.
            bool translated = Translate(address.Value, destination.Length, DmaAccess.Read, physical, thread, attempt, out inFlight, out epoch);
            if (!translated)
            {
                destination.Clear();
                return null;
            }

            Copy(address.Value, physical, destination);
        }
        finally
        {
            if (inFlight is not null)
            {
                valid = inFlight.EndReadTransaction(epoch);
            }
        }

        return valid;
    }

    private void Copy(ulong bus, ReadOnlySpan<ulong> physical, Span<byte> destination)
    {
        int done = 0;
        for (int i = 0; i < physical.Length; i++)
        {
            int inPage = (int)((bus + (ulong)done) & PhysicalMemory.PageMask);
            int chunk = Math.Min(PhysicalMemory.PageSize - inPage, destination.Length - done);
            ReadOnlySpan<byte> page = _machine.Memory.PageForRead(physical[i]);
            if (page.IsEmpty)
            {
                destination.Slice(done, chunk).Clear(); // never-touched memory reads as zero
            }
            else
            {
                page.Slice(inPage, chunk).CopyTo(destination.Slice(done, chunk));
            }

            done += chunk;
        }
    }

    // Out of the try block of TryWrite, as Copy is out of TryRead's: the JIT keeps a loop's locals in
    // registers here, not on the stack as it does for locals live inside a protected region.
    private void CopyIn(ulong bus, ReadOnlySpan<ulong> physical, ReadOnlySpan<byte> source)
    {
        int done = 0;
        for (int i = 0; i < physical.Length; i++)
        {
            int inPage = (int)((bus + (ulong)done) & PhysicalMemory.PageMask);
            int chunk = Math.Min(PhysicalMemory.PageSize - inPage, source.Length - done);
            source.Slice(done, chunk).CopyTo(_machine.Memory.PageForWrite(physical[i]).Slice(inPage, chunk));
            done += chunk;
        }
    }

    /// <summary>Writes <paramref name="source"/> at a bus address. False, with memory unchanged, on a fault.</summary>
    public bool TryWrite(DmaAddr address, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return true;
        }

        address = new DmaAddr(address.Value & _addressMask);
        int pages = PageCount(address.Value, source.Length);
        Span<ulong> physical = pages <= MaxStackPages ? stackalloc ulong[pages] : new ulong[pages];
        IommuDomain? inFlight = null;
        long epoch = 0;
        int thread = Environment.CurrentManagedThreadId; // a thread-local read: once per transaction
        try
        {
            // Inside the try: whatever throws once the transaction is counted, it leaves the count.
            bool translated = Translate(address.Value, source.Length, DmaAccess.Write, physical, thread, attempt: 0, out inFlight, out epoch);
            if (!translated)
            {
                return false;
            }

            CopyIn(address.Value, physical, source);
        }
        finally
        {
            inFlight?.EndTransaction(epoch);
        }

        _bytesWritten.Add(source.Length, thread);
        return true;
    }

    /// <summary>Reads a little-endian 16-bit value (virtio rings are little-endian).</summary>
    public bool TryReadUInt16(DmaAddr address, out ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        bool ok = TryRead(address, bytes);
        value = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        return ok;
    }

    /// <summary>Reads a little-endian 32-bit value.</summary>
    public bool TryReadUInt32(DmaAddr address, out uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        bool ok = TryRead(address, bytes);
        value = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return ok;
    }

    /// <summary>Reads a little-endian 64-bit value.</summary>
    public bool TryReadUInt64(DmaAddr address, out ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        bool ok = TryRead(address, bytes);
        value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return ok;
    }

    /// <summary>Writes a little-endian 16-bit value.</summary>
    public bool TryWriteUInt16(DmaAddr address, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return TryWrite(address, bytes);
    }

    /// <summary>Writes a little-endian 32-bit value.</summary>
    public bool TryWriteUInt32(DmaAddr address, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return TryWrite(address, bytes);
    }

    /// <summary>Writes a little-endian 64-bit value.</summary>
    public bool TryWriteUInt64(DmaAddr address, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return TryWrite(address, bytes);
    }

    private static int PageCount(ulong address, int length) =>
        (int)((((address & PhysicalMemory.PageMask) + (ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift));

    /// <summary>
    /// Translates every page of the access first, so a fault on any page blocks the whole transaction.
    /// A transaction through a translated domain is counted in flight from here until its bytes have
    /// moved (<paramref name="inFlight"/>; the caller ends it), so a strict unmap can drain it.
    /// </summary>
    private bool Translate(ulong address, int length, DmaAccess access, Span<ulong> physicalPages, int thread, int attempt, out IommuDomain? inFlight, out long epoch)
    {
        inFlight = null;
        epoch = 0;
        if (_unplugged)
        {
            // Unplugged: the device reaches nothing, on any path (a model still running its request,
            // say from a listener that removed it, must not write into memory its removal released).
            return Fault(address, access, FaultReason.Blocked);
        }

        if (attempt == 0 && _machine.Debug.IsEnabled && !_probe && address + (ulong)length > address
            && !_machine.Debug.CheckDeviceAccess(Device, address, length, access))
        {
            return false; // refused by Throw mode inside a device's queue processing: no byte moves, the device sees a failed transaction
        }

        IommuDomain? domain = null;
        if (_behindIommu && _machine.Iommu is { } iommu)
        {
            domain = Volatile.Read(ref _contextGeneration) == iommu.ContextGeneration ? _domain : Recontext(iommu);
            if (domain is null)
            {
                return Fault(address, access, FaultReason.Blocked);
            }
        }

        // An identity domain answers with the address itself; ATS translation requests are modelled
        // for translated domains only, where there is something to cache.
        if (domain is { Kind: DomainKind.Identity })
        {
            domain = null;
        }

        if (domain is not null)
        {
            ulong firstPage = address >> PhysicalMemory.PageShift;
            ulong lastPage = firstPage + (ulong)physicalPages.Length - 1;
            epoch = access == DmaAccess.Read && attempt < MaxUnpublishedReads
                ? domain.BeginReadTransaction(thread, firstPage, lastPage)
                : domain.BeginTransaction(thread, firstPage, lastPage);
            inFlight = domain;
        }

        IoTlb? deviceTlb = domain is null ? null : DeviceTlb;
        IommuPermission needed = access == DmaAccess.Write ? IommuPermission.Write : IommuPermission.Read;

        // The common case, a one-page access the device's own cache can translate: only entries the
        // checks below accepted are ever cached, so nothing else needs looking at.
        if (deviceTlb is not null && physicalPages.Length == 1
            && deviceTlb.TryLookup(address >> PhysicalMemory.PageShift, thread, out ulong cached) && (IoPageTable.PermissionOf(cached) & needed) != 0)
        {
            physicalPages[0] = IoPageTable.FrameOf(cached);
            return true;
        }

        // A one-page access has asked the cache already: its miss is counted once.
        IoTlb? lookup = physicalPages.Length == 1 ? null : deviceTlb;

        ulong page = address & ~PhysicalMemory.PageMask;
        for (int i = 0; i < physicalPages.Length; i++, page += PhysicalMemory.PageSize)
        {
            ulong bus = i == 0 ? address : page;
            if ((bus < address || bus > _addressMask) && i > 0)
            {
                return FaultInFlight(ref inFlight, epoch, bus, access, FaultReason.OutOfRange); // the access wrapped around the address space or crossed the device's addressing limit
            }

            ulong physical = bus;
            ulong frame = bus >> PhysicalMemory.PageShift;
            ulong entry = 0;
            if (domain is not null)
            {
                // A translated request from the device's own cache when it holds the page with the
                // needed permission; otherwise the IOMMU translates (and faults) as without ATS.
                if (lookup is null || !lookup.TryLookup(frame, thread, out entry) || (IoPageTable.PermissionOf(entry) & needed) == 0)
                {
                    // Cached (under the translation's own hold) only below the end of memory, the check
                    // below, so a cache hit needs it no more. In a confidential machine nothing is
                    // cached: a page's shared state can change under it.
                    IoTlb? fillInto = _machine.Options.Confidential ? null : deviceTlb;
                    if (!domain.TryTranslatePage(bus, access, thread, out entry, out FaultReason reason, fillInto, _machine.Memory.Size))
                    {
                        return FaultInFlight(ref inFlight, epoch, bus, access, reason);
                    }
                }

                physical = (IoPageTable.FrameOf(entry) << PhysicalMemory.PageShift) | (bus & PhysicalMemory.PageMask);
            }

            if (physical >= _machine.Memory.Size)
            {
                return FaultInFlight(ref inFlight, epoch, bus, access, FaultReason.OutOfRange);
            }

            if (_machine.Options.Confidential && !_machine.Memory.IsShared(physical >> PhysicalMemory.PageShift))
            {
                return FaultInFlight(ref inFlight, epoch, bus, access, FaultReason.NotShared);
            }

            physicalPages[i] = physical >> PhysicalMemory.PageShift;
        }

        return true;
    }

    /// <summary>The device left the machine: its domain stops sending invalidations to its cache.</summary>
    internal void OnRemoved()
    {
        _unplugged = true;
        Interlocked.MemoryBarrier(); // seen by transactions that start after the removal, before it releases what the driver held
        lock (_contextLock)
        {
            ChangeContext(null);
            _contextGeneration = -1;
        }
    }

    /// <summary>The context table changed since the last transaction: look the device's domain up again.</summary>
    private IommuDomain? Recontext(Iommu iommu)
    {
        lock (_contextLock)
        {
            int generation = iommu.ContextGeneration;
            if (_contextGeneration != generation)
            {
                ChangeContext(iommu.DomainOf(Device));
                Volatile.Write(ref _contextGeneration, generation);
            }

            return _domain;
        }
    }

    /// <summary>The device's context entry changed: its translation cache follows it to the new domain, empty.</summary>
    private void ChangeContext(IommuDomain? next)
    {
        if (DeviceTlb is { } deviceTlb && !ReferenceEquals(next, _domain))
        {
            if (_domain is not null)
            {
                _domain.RemoveDeviceTlb(deviceTlb);
                deviceTlb.InvalidateAll();
            }

            next?.AddDeviceTlb(deviceTlb);
        }

        _domain = next;
    }

    /// <summary>
    /// A fault after the transaction was counted in flight (a read's token too, which needs no
    /// validation: it moves no bytes): it leaves the count
    /// before the fault is recorded. A <see cref="FaultLog.FaultRaised"/> listener may then unmap
    /// strictly in the same domain (the drain does not wait for this transaction) or throw (the count
    /// is not left behind for every later strict unmap to wait on).
    /// </summary>
    private bool FaultInFlight(ref IommuDomain? inFlight, long epoch, ulong address, DmaAccess access, FaultReason reason)
    {
        inFlight?.EndTransaction(epoch);
        inFlight = null;
        return Fault(address, access, reason);
    }

    private bool Fault(ulong address, DmaAccess access, FaultReason reason)
    {
        Interlocked.Increment(ref _faults);
        if (!_probe)
        {
            _machine.Faults.Record(Device, address, access, reason);
        }

        return false;
    }
}
