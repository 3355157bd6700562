namespace DmaDiscipline.Runtime;

/// <summary>
/// The machine's DMA fault records. Bounded like the hardware's fault recording registers: past
/// <see cref="Capacity"/> records only <see cref="Overflowed"/> counts.
/// Thread safety: devices record from any thread; readers get a snapshot.
/// </summary>
public sealed class FaultLog
{
    private readonly List<IommuFault> _records = new();
    private readonly object _lock = new();
    private long _sequence;

    /// <summary>Creates a log.</summary>
    /// <param name="capacity">Records kept before overflow.</param>
    public FaultLog(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Records kept before overflow.</summary>
    public int Capacity { get; }

    /// <summary>The recorded faults, oldest first (a snapshot).</summary>
    public IReadOnlyList<IommuFault> Records
    {
        get
        {
            lock (_lock)
            {
                return _records.ToArray();
            }
        }
    }

    /// <summary>All faults ever raised, including those past the capacity.</summary>
    public long Count => Interlocked.Read(ref _sequence);

    /// <summary>Faults not recorded because the log was full (the hardware's overflow bit, counted).</summary>
    public long Overflowed
    {
        get
        {
            lock (_lock)
            {
                return _sequence - _records.Count;
            }
        }
    }

    /// <summary>Raised after a fault is recorded (device models and tests may listen).</summary>
    public event Action<IommuFault>? FaultRaised;

    /// <summary>Faults of one device.</summary>
    public IEnumerable<IommuFault> For(DeviceId device) => Records.Where(f => f.Device == device);

    /// <summary>Drops the recorded faults (the overflow count restarts too).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _records.Clear();
            _sequence = 0;
        }
    }

    internal void Record(DeviceId device, ulong address, DmaAccess access, FaultReason reason)
    {
        IommuFault fault;
        lock (_lock)
        {
            fault = new IommuFault(++_sequence, device, new DmaAddr(address), access, reason);
            if (_records.Count < Capacity)
            {
                _records.Add(fault);
            }
        }

        // Outside the lock: a listener may read the log.
        FaultRaised?.Invoke(fault);
    }
}
