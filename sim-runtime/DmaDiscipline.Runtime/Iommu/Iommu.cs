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
    public Iommu(IommuOptions options, FaultLog faults)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(faults);
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
    public IommuDomain CreateDomain(DomainKind kind, InvalidationMode? invalidation = null)
    {
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
