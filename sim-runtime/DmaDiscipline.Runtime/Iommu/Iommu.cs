namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOMMU hardware (one unit covering the devices the platform wires to it): domains, the
/// device-to-domain context table and the fault log. A device behind the IOMMU with no domain
/// attached has no context entry, so all of its DMA faults.
/// Thread safety: every public member may be called from any thread (domain creation, attach and
/// detach take the unit's lock; lookups of the context table too).
/// </summary>
public sealed class Iommu
{
    private readonly List<IommuDomain> _domains = new();
    private readonly Dictionary<DeviceId, IommuDomain> _context = new();
    private readonly object _lock = new();
    private int _contextGeneration;

    /// <summary>Creates an IOMMU.</summary>
    /// <exception cref="ArgumentException">An option is out of range: IOTLB size not a power of two from 1 to 65536, flush batch not 1 to 65536, or an undefined domain kind or invalidation mode.</exception>
    public Iommu(IommuOptions options, FaultLog faults)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(faults);
        CheckOptions(options);
        Options = options;
        Faults = faults;
    }

    /// <summary>Hardware and policy options.</summary>
    public IommuOptions Options { get; }

    /// <summary>Fault records.</summary>
    public FaultLog Faults { get; }

    /// <summary>Bumped by every attach and detach, so bus masters can cache their device's domain.</summary>
    internal int ContextGeneration => Volatile.Read(ref _contextGeneration);

    /// <summary>Every domain created (a snapshot).</summary>
    public IReadOnlyList<IommuDomain> Domains
    {
        get
        {
            lock (_lock)
            {
                return _domains.ToArray();
            }
        }
    }

    /// <summary>Creates a domain with the machine's invalidation mode, or the one given.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> or <paramref name="invalidation"/> is not a defined value.</exception>
    public IommuDomain CreateDomain(DomainKind kind, InvalidationMode? invalidation = null)
    {
        if (!IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "A domain is Identity, Translated or Blocked.");
        }

        if (invalidation is { } given && !IsDefined(given))
        {
            throw new ArgumentOutOfRangeException(nameof(invalidation), given, "Invalidation is Strict or Lazy.");
        }

        var options = invalidation is { } mode ? Options with { Invalidation = mode } : Options;
        lock (_lock)
        {
            var domain = new IommuDomain(_domains.Count + 1, kind, options);
            _domains.Add(domain);
            return domain;
        }
    }

    /// <summary>Attaches a device to a domain, replacing its previous domain (devices of a group share one).</summary>
    public void Attach(DeviceId device, IommuDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        lock (_lock)
        {
            if (!_domains.Contains(domain))
            {
                throw new ArgumentException($"{domain} belongs to another IOMMU.", nameof(domain));
            }

            DetachLocked(device);
            _context[device] = domain;
            domain.AttachDevice(device);
            Interlocked.Increment(ref _contextGeneration);
        }
    }

    /// <summary>Removes a device's context entry; its DMA faults until it is attached again.</summary>
    public void Detach(DeviceId device)
    {
        lock (_lock)
        {
            DetachLocked(device);
        }
    }

    /// <summary>Whether <paramref name="kind"/> is one of the three domain kinds.</summary>
    internal static bool IsDefined(DomainKind kind) => kind is DomainKind.Identity or DomainKind.Translated or DomainKind.Blocked;

    internal static bool IsDefined(InvalidationMode mode) => mode is InvalidationMode.Strict or InvalidationMode.Lazy;

    /// <summary>Refuses options the hardware could not have, before any domain is built from them.</summary>
    internal static void CheckOptions(IommuOptions options)
    {
        if (options.IoTlbEntries is <= 0 or > 65536 || (options.IoTlbEntries & (options.IoTlbEntries - 1)) != 0)
        {
            throw new ArgumentException($"IoTlbEntries {options.IoTlbEntries} is not a power of two from 1 to 65536.", nameof(options));
        }

        if (options.FlushBatchSize is <= 0 or > 65536)
        {
            throw new ArgumentException($"FlushBatchSize {options.FlushBatchSize} is not 1 to 65536.", nameof(options));
        }

        if (!IsDefined(options.DefaultDomain))
        {
            throw new ArgumentException($"DefaultDomain {options.DefaultDomain} is not Identity, Translated or Blocked.", nameof(options));
        }

        if (!IsDefined(options.Invalidation))
        {
            throw new ArgumentException($"Invalidation {options.Invalidation} is not Strict or Lazy.", nameof(options));
        }
    }

    /// <summary>The domain a device is attached to, if any.</summary>
    public IommuDomain? DomainOf(DeviceId device)
    {
        lock (_lock)
        {
            return _context.GetValueOrDefault(device);
        }
    }

    private void DetachLocked(DeviceId device)
    {
        if (_context.Remove(device, out IommuDomain? old))
        {
            old.DetachDevice(device);
            Interlocked.Increment(ref _contextGeneration);
        }
    }
}
