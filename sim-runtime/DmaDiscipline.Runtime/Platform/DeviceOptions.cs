namespace DmaDiscipline.Runtime;

/// <summary>A device's hardware facts, as opposed to what firmware claims about it.</summary>
public sealed record DeviceOptions
{
    /// <summary>A name for logs and reports.</summary>
    public string Name { get; init; } = "device";

    /// <summary>
    /// Whether the device's transactions really pass through the IOMMU. Default: yes when the machine
    /// has one. False models a device that bypasses it — one emulated inside the hypervisor, or a
    /// virtio device that did not negotiate ACCESS_PLATFORM — whatever the firmware table says.
    /// On a machine without an IOMMU there is nothing to pass through: every device does direct DMA,
    /// and true is not an error (a platform description reused across scenarios may say it).
    /// </summary>
    public bool? BehindIommu { get; init; }

    /// <summary>
    /// Whether the device implements PCIe Address Translation Services and the platform enables it
    /// (default false, as Linux leaves it off for untrusted devices and QEMU's virtio-pci without
    /// <c>ats=on</c>). With ATS the device caches its domain's translations in
    /// <see cref="BusMaster.DeviceTlb"/>; the IOMMU invalidates that cache with its IOTLB, so strict
    /// mode stays strict.
    /// </summary>
    public bool Ats { get; init; }

    /// <summary>Entries of the device's address translation cache with <see cref="Ats"/> (a power of two, 1 to 65536; default 64), as each of its queues' threads sees them: a thread looks up and fills a cache of its own of this size (see <see cref="IoTlb"/>).</summary>
    public int AtcEntries { get; init; } = 64;

    /// <summary>
    /// The device's addressing limit (default 64 bits): 2^n − 1 with n from 12 to 64, checked by
    /// <see cref="Machine.AddDevice"/>. The driver can lower it with <see cref="DmaApi.SetMaskAndCoherent"/>.
    /// </summary>
    public ulong DmaMask { get; init; } = ulong.MaxValue;

    /// <summary>Share the domain of this already-added device (an IOMMU group).</summary>
    public DeviceId? GroupWith { get; init; }
}
