namespace DmaDiscipline.Runtime;

/// <summary>Everything that makes one platform scenario: memory, IOMMU, firmware, policy and debugging.</summary>
public sealed record MachineOptions
{
    /// <summary>Physical memory size and placement policy.</summary>
    public PhysicalMemoryOptions Memory { get; init; } = new();

    /// <summary>Whether the machine has an IOMMU at all.</summary>
    public bool IommuPresent { get; init; } = true;

    /// <summary>IOMMU hardware and policy (default domain kind, invalidation, IOTLB size).</summary>
    public IommuOptions Iommu { get; init; } = new();

    /// <summary>The firmware's claim of which devices are behind the IOMMU (it may lie).</summary>
    public FirmwareTable Firmware { get; init; } = FirmwareTable.All;

    /// <summary>Per-device domain kinds that override <see cref="IommuOptions.DefaultDomain"/> (Linux's per-group <c>type</c>).</summary>
    public IReadOnlyDictionary<DeviceId, DomainKind> DomainOverrides { get; init; } = new Dictionary<DeviceId, DomainKind>();

    /// <summary>
    /// Probe each device's real DMA path when it is added and, where the firmware table disagrees,
    /// distrust it: translation is disabled for that device and the reason logged.
    /// </summary>
    public bool FirmwareQuirks { get; init; }

    /// <summary>Confidential guest: devices reach only shared memory, so every streaming mapping bounces.</summary>
    public bool Confidential { get; init; }

    /// <summary>Bounce pool size in bytes (default 4 MiB; 0 for no pool): whole 2 KiB slots, at most 1 GiB, reserved in memory below 4 GiB (a pool that does not fit is refused by the <see cref="Machine"/> constructor).</summary>
    public int BouncePoolSize { get; init; } = 4 << 20;

    /// <summary>DMA debug mode (default: collect).</summary>
    public DmaDebugMode Debug { get; init; } = DmaDebugMode.Collect;

    /// <summary>Fault records kept.</summary>
    public int FaultLogCapacity { get; init; } = 4096;
}
