namespace DmaDiscipline.Runtime;

/// <summary>
/// The IOMMU hardware (one unit covering the devices the platform wires to it): domains, the
/// device-to-domain context table and the fault log. A device behind the IOMMU with no domain
/// attached has no context entry, so all of its DMA faults.
/// </summary>
public sealed class Iommu
{
    private readonly List<IommuDomain> _domains = new();
    private readonly Dictionary<DeviceId, IommuDomain> _context = new();

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
    internal int ContextGeneration { get; private set; }

    /// <summary>Every domain created.</summary>
    public IReadOnlyList<IommuDomain> Domains => _domains;

    /// <summary>Creates a domain with the machine's invalidation mode, or the one given.</summary>
    public IommuDomain CreateDomain(DomainKind kind, InvalidationMode? invalidation = null)
    {
        var options = invalidation is { } mode ? Options with { Invalidation = mode } : Options;
        var domain = new IommuDomain(_domains.Count + 1, kind, options);
        _domains.Add(domain);
        return domain;
    }

    /// <summary>Attaches a device to a domain, replacing its previous domain (devices of a group share one).</summary>
    public void Attach(DeviceId device, IommuDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (!_domains.Contains(domain))
        {
            throw new ArgumentException($"{domain} belongs to another IOMMU.", nameof(domain));
        }

        Detach(device);
        _context[device] = domain;
        domain.AttachDevice(device);
        ContextGeneration++;
    }

    /// <summary>Removes a device's context entry; its DMA faults until it is attached again.</summary>
    public void Detach(DeviceId device)
    {
        if (_context.Remove(device, out IommuDomain? old))
        {
            old.DetachDevice(device);
            ContextGeneration++;
        }
    }

    /// <summary>The domain a device is attached to, if any.</summary>
    public IommuDomain? DomainOf(DeviceId device) => _context.GetValueOrDefault(device);
}
