namespace DmaDiscipline.Runtime;

/// <summary>
/// The machine's DMA fault records. Bounded like the hardware's fault recording registers: past
/// <see cref="Capacity"/> records only <see cref="Overflowed"/> counts.
/// </summary>
public sealed class FaultLog
{
    private readonly List<IommuFault> _records = new();
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

    /// <summary>The recorded faults, oldest first.</summary>
    public IReadOnlyList<IommuFault> Records => _records;

    /// <summary>All faults ever raised, including those past the capacity.</summary>
    public long Count => _sequence;

    /// <summary>Faults not recorded because the log was full (the hardware's overflow bit, counted).</summary>
    public long Overflowed => _sequence - _records.Count;

    /// <summary>Raised after a fault is recorded (device models and tests may listen).</summary>
    public event Action<IommuFault>? FaultRaised;

    /// <summary>Faults of one device.</summary>
    public IEnumerable<IommuFault> For(DeviceId device) => _records.Where(f => f.Device == device);

    /// <summary>Drops the recorded faults (the overflow count restarts too).</summary>
    public void Clear()
    {
        _records.Clear();
        _sequence = 0;
    }

    internal void Record(DeviceId device, ulong address, DmaAccess access, FaultReason reason)
    {
        var fault = new IommuFault(++_sequence, device, new DmaAddr(address), access, reason);
        if (_records.Count < Capacity)
        {
            _records.Add(fault);
        }

        FaultRaised?.Invoke(fault);
    }
}
