using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>What a device-visible address of a mapping names, for the uniqueness check.</summary>
internal enum UnitKind
{
    /// <summary>Physical addresses (direct DMA): two mappings may legitimately share them.</summary>
    None,

    /// <summary>IOVA pages of a translated domain: never two live mappings on one page.</summary>
    IovaPages,

    /// <summary>Bounce slots: never two live mappings in one slot.</summary>
    BounceSlots,
}

/// <summary>
/// One thread acting as a driver and as its device's queue at once: it maps its own buffers, checks
/// that the device reads exactly what it stamped there, lets the device write back, syncs, unmaps,
/// and (with <see cref="Options.StrictUnmap"/>) checks that the device can no longer read the stamp.
/// Mixed runs also allocate and free coherent buffers and plain memory. Every map is checked with
/// <see cref="DmaApi.MappingError"/>; a failed map is allowed only where the pool can run out.
/// </summary>
internal sealed class DriverThread
{
    private const int Buffers = 12;
    private const int MaxLive = 8;

    private readonly Device _device;
    private readonly Options _options;
    private readonly LiveUnits _units;
    private readonly Random _random;
    private readonly long _thread;
    private readonly KBuffer[] _buffers = new KBuffer[Buffers];
    private readonly List<Live> _live = new();
    private readonly List<CoherentBuffer> _coherent = new();
    private readonly List<KBuffer> _scratch = new();
    private long _sequence;

    public DriverThread(Device device, Options options, LiveUnits units, int thread)
    {
        _device = device;
        _options = options;
        _units = units;
        _thread = thread;
        _random = new Random(1000 + thread);
        for (int i = 0; i < Buffers; i++)
        {
            // Sizes from a few bytes to past two pages, so mappings take one to three pages or slots.
            _buffers[i] = device.Machine.Memory.Allocate(16 + (i * 797 % 9000), options.Placement);
        }
    }

    /// <summary>Maps that failed (pool exhaustion under load), counted, never silent.</summary>
    public long FailedMaps { get; private set; }

    public long Operations { get; private set; }

    public void Run(int operations)
    {
        for (int i = 0; i < operations; i++)
        {
            int pick = _random.Next(_options.Mixed ? 12 : 10);
            switch (pick)
            {
                case < 4 when _live.Count < MaxLive:
                    Map();
                    break;
                case < 7 when _live.Count > 0:
                    Unmap(_random.Next(_live.Count));
                    break;
                case 7 or 8 when _live.Count > 0:
                    Sync(_live[_random.Next(_live.Count)]);
                    break;
                case 10:
                    Coherent();
                    break;
                case 11:
                    Scratch();
                    break;
                case 9 when _options.Kind == UnitKind.IovaPages && _random.Next(16) == 0:
                    // Lazy domains: a flush from this thread races the others' unmaps filling the queue.
                    _device.Domain!.Flush();
                    break;
                default:
                    if (_live.Count > 0)
                    {
                        Unmap(_random.Next(_live.Count));
                    }

                    break;
            }

            Operations++;
        }

        Finish();
    }

    /// <summary>Releases everything the thread still holds, as a driver does at unbind.</summary>
    public void Finish()
    {
        while (_live.Count > 0)
        {
            Unmap(_live.Count - 1);
        }

        foreach (CoherentBuffer coherent in _coherent)
        {
            ReleaseCoherentUnits(coherent);
            _device.Dma.FreeCoherent(coherent);
        }

        _coherent.Clear();
        foreach (KBuffer scratch in _scratch)
        {
            _device.Machine.Memory.Free(scratch);
        }

        _scratch.Clear();
    }

    public void FreeBuffers()
    {
        foreach (KBuffer buffer in _buffers)
        {
            _device.Machine.Memory.Free(buffer);
        }
    }

    private void Map()
    {
        KBuffer? buffer = null;
        foreach (int index in Enumerable.Range(_random.Next(Buffers), Buffers))
        {
            KBuffer candidate = _buffers[index % Buffers];
            if (!_live.Exists(l => ReferenceEquals(l.Buffer, candidate)))
            {
                buffer = candidate;
                break;
            }
        }

        if (buffer is null)
        {
            return;
        }

        long stamp = (_thread << 40) | ++_sequence;
        int offset = buffer.Length > 64 ? _random.Next(Math.Min(64, buffer.Length - 16)) : 0;
        int length = buffer.Length - offset;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.Span.Slice(offset), stamp);
        DmaDirection direction = _random.Next(2) == 0 ? DmaDirection.ToDevice : DmaDirection.Bidirectional;

        DmaAddr address = _device.Dma.MapSingle(buffer, offset, length, direction);
        if (_device.Dma.MappingError(address))
        {
            Assert.True(_options.MayRunOut, $"map of {length} bytes failed on {_device}");
            FailedMaps++;
            return;
        }

        var live = new Live(buffer, offset, address, length, direction, stamp, Units(address, length));
        _units.Claim(_options.Space, live.Units.First, live.Units.Count, stamp);
        _live.Add(live);

        Assert.Equal(stamp, DeviceReadStamp(address));
        if (direction == DmaDirection.Bidirectional)
        {
            // The device answers in the next 8 bytes; the CPU sees them after SyncForCpu.
            var answer = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(answer, ~stamp);
            Assert.True(_device.Bus.TryWrite(new DmaAddr(address.Value + 8), answer));
        }
    }

    private void Unmap(int index)
    {
        Live live = _live[index];
        _live.RemoveAt(index);
        _units.Release(_options.Space, live.Units.First, live.Units.Count);
        _device.Dma.UnmapSingle(live.Address, live.Length, live.Direction);
        if (live.Direction == DmaDirection.Bidirectional)
        {
            Assert.Equal(~live.Stamp, BinaryPrimitives.ReadInt64LittleEndian(live.Buffer.Span.Slice(live.Offset + 8)));
        }

        if (_options.StrictUnmap)
        {
            // The IOVA may already be another live mapping's (then the device reads that one's
            // stamp), but never this mapping's bytes: the unmap invalidated before it returned.
            var bytes = new byte[8];
            if (_device.Bus.TryRead(live.Address, bytes))
            {
                Assert.NotEqual(live.Stamp, BinaryPrimitives.ReadInt64LittleEndian(bytes));
            }
        }
    }

    private void Sync(Live live)
    {
        int within = live.Length > 16 ? _random.Next(live.Length - 16) : 0;
        int length = Math.Min(16, live.Length - within);
        var at = new DmaAddr(live.Address.Value + (ulong)within);
        _device.Dma.SyncForCpu(at, length, live.Direction);
        _device.Dma.SyncForDevice(at, length, live.Direction);
    }

    private void Coherent()
    {
        if (_coherent.Count > 0 && _random.Next(2) == 0)
        {
            CoherentBuffer victim = _coherent[^1];
            _coherent.RemoveAt(_coherent.Count - 1);
            ReleaseCoherentUnits(victim);
            _device.Dma.FreeCoherent(victim);
            return;
        }

        if (_coherent.Count >= 4)
        {
            return;
        }

        int length = 64 + _random.Next(3 * PhysicalMemory.PageSize);
        if (!_device.Dma.TryAllocCoherent(length, out CoherentBuffer? buffer))
        {
            Assert.True(_options.MayRunOut, $"coherent allocation of {length} bytes failed on {_device}");
            FailedMaps++;
            return;
        }

        long stamp = (_thread << 40) | ++_sequence;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.Span, stamp);
        if (_options.Kind == UnitKind.IovaPages)
        {
            _units.Claim(_options.Space, buffer.DmaAddress.Value >> PhysicalMemory.PageShift, PagesOf(buffer.DmaAddress.Value, length), stamp);
        }

        Assert.Equal(stamp, DeviceReadStamp(buffer.DmaAddress));
        _coherent.Add(buffer);
    }

    private void ReleaseCoherentUnits(CoherentBuffer buffer)
    {
        if (_options.Kind == UnitKind.IovaPages)
        {
            _units.Release(_options.Space, buffer.DmaAddress.Value >> PhysicalMemory.PageShift, PagesOf(buffer.DmaAddress.Value, buffer.Length));
        }
    }

    private void Scratch()
    {
        if (_scratch.Count > 0 && _random.Next(2) == 0)
        {
            _device.Machine.Memory.Free(_scratch[^1]);
            _scratch.RemoveAt(_scratch.Count - 1);
        }
        else if (_scratch.Count < 4)
        {
            KBuffer buffer = _device.Machine.Memory.Allocate(1 + _random.Next(5 * PhysicalMemory.PageSize), _options.Placement);
            Assert.True(buffer.Span.IndexOfAnyExcept((byte)0) < 0, "a new allocation holds another owner's bytes"); // zeroed
            _scratch.Add(buffer);
        }
    }

    private long DeviceReadStamp(DmaAddr address)
    {
        var bytes = new byte[8];
        Assert.True(_device.Bus.TryRead(address, bytes), $"device read at {address} faulted on a live mapping");
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    private (ulong First, ulong Count) Units(DmaAddr address, int length) => _options.Kind switch
    {
        UnitKind.IovaPages => (address.Value >> PhysicalMemory.PageShift, PagesOf(address.Value, length)),
        UnitKind.BounceSlots => (address.Value / Swiotlb.SlotSize, ((ulong)length + Swiotlb.SlotSize - 1) / Swiotlb.SlotSize),
        _ => (0, 0),
    };

    private static ulong PagesOf(ulong address, int length) =>
        ((address & PhysicalMemory.PageMask) + (ulong)length + PhysicalMemory.PageMask) >> PhysicalMemory.PageShift;

    public sealed record Options(UnitKind Kind, int Space, bool StrictUnmap, bool Mixed = false, bool MayRunOut = false, MemoryPlacement Placement = MemoryPlacement.Default);

    private sealed record Live(KBuffer Buffer, int Offset, DmaAddr Address, int Length, DmaDirection Direction, long Stamp, (ulong First, ulong Count) Units);
}
