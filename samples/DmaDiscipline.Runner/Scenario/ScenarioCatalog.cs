using DmaDiscipline.Runtime;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>The platform scenarios of the matrix, in column order.</summary>
internal static class ScenarioCatalog
{
    /// <summary>The device the kernel drivers drive.</summary>
    public static readonly DeviceId Primary = new(0, 3, 0);

    /// <summary>The second kernel device where a scenario has two (an assigned one beside an internal one).</summary>
    public static readonly DeviceId Secondary = new(0, 4, 0);

    /// <summary>The device handed to userspace.</summary>
    public static readonly DeviceId Assigned = new(0, 5, 0);

    private const ulong Mask32 = 0xFFFF_FFFF;

    /// <summary>Every scenario.</summary>
    public static IReadOnlyList<PlatformScenario> All { get; } =
    [
        new()
        {
            Key = "no-iommu",
            Title = "no IOMMU",
            Description = "No IOMMU at all: every bus address is a physical address.",
            Machine = new MachineOptions { IommuPresent = false },
            Slots = [new DeviceSlot(Primary, "virtio")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "legacy's data is right by luck; the debug layer reports every raw address (DMA001)",
        },
        new()
        {
            Key = "passthrough",
            Title = "passthrough",
            Description = "IOMMU present, identity default domain (iommu.passthrough=1).",
            Machine = new MachineOptions { Iommu = new IommuOptions { DefaultDomain = DomainKind.Identity } },
            Slots = [new DeviceSlot(Primary, "virtio")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "identity domain: legacy works by luck and is reported (DMA001)",
        },
        new()
        {
            Key = "strict",
            Title = "translated strict",
            Description = "Translated DMA domain, IOTLB invalidated on every unmap.",
            Machine = new MachineOptions { Iommu = new IommuOptions { DefaultDomain = DomainKind.Translated, Invalidation = InvalidationMode.Strict } },
            Slots = [new DeviceSlot(Primary, "virtio")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "physical addresses are not mapped IOVAs: legacy faults",
        },
        new()
        {
            Key = "lazy",
            Title = "translated lazy",
            Description = "Translated DMA domain with a flush queue (stale IOTLB entries until the batch flush).",
            Machine = new MachineOptions { Iommu = new IommuOptions { DefaultDomain = DomainKind.Translated, Invalidation = InvalidationMode.Lazy } },
            Slots = [new DeviceSlot(Primary, "virtio")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "as strict: legacy faults",
        },
        new()
        {
            Key = "hv-internal",
            Title = "hv-internal + assigned",
            Description = "A device emulated in the hypervisor (bypasses the IOMMU, no ACCESS_PLATFORM, firmware says so) beside an assigned device in a translated domain; the driver binds both.",
            Machine = new MachineOptions
            {
                Iommu = new IommuOptions { DefaultDomain = DomainKind.Translated },
                Firmware = new FirmwareTable { IncludeAll = true, Excluded = new HashSet<DeviceId> { Primary } },
            },
            Slots = [new DeviceSlot(Primary, "hv-internal", BehindIommu: false, AccessPlatform: false), new DeviceSlot(Secondary, "assigned")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "same driver, two answers from the platform: physical for the internal device, IOVAs for the assigned one; legacy faults on the assigned one",
        },
        new()
        {
            Key = "lying-fw",
            Title = "lying firmware",
            Description = "The firmware table lies both ways (QEMU's old DMAR table): it claims IOMMU coverage (INCLUDE_PCI_ALL) of a device whose DMA bypasses the IOMMU, and excludes one that is behind it; no quirk. The driver binds both.",
            Machine = new MachineOptions { Firmware = new FirmwareTable { IncludeAll = true, Excluded = new HashSet<DeviceId> { Secondary } }, FirmwareQuirks = false },
            Slots = [new DeviceSlot(Primary, "bypassing, claimed", BehindIommu: false, AccessPlatform: false), new DeviceSlot(Secondary, "translated, excluded")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.PlatformBug,
            Userspace = Expectation.NotApplicable,
            Why = "the bypassing device is served: it does not negotiate ACCESS_PLATFORM, so its DMA API answers with physical addresses despite the table (the 2015 settlement); the excluded one sits behind the IOMMU with no domain, every DMA blocked: no driver can fix that, only the quirk",
        },
        new()
        {
            Key = "lying-fw-quirk",
            Title = "lying fw + quirk",
            Description = "The same lying table with the firmware quirk: the platform probes each device's real path and distrusts the table where it disagrees.",
            Machine = new MachineOptions { Firmware = new FirmwareTable { IncludeAll = true, Excluded = new HashSet<DeviceId> { Secondary } }, FirmwareQuirks = true },
            Slots = [new DeviceSlot(Primary, "bypassing, claimed", BehindIommu: false, AccessPlatform: false), new DeviceSlot(Secondary, "translated, excluded")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "the quirk gives the bypassing device direct DMA and the excluded one an identity domain: disciplined is clean again; legacy works by luck and is reported (DMA001)",
        },
        new()
        {
            Key = "dma32",
            Title = "32-bit mask, high mem",
            Description = "No IOMMU, memory above 4 GiB, a device that addresses 32 bits: the DMA API bounces through swiotlb.",
            Machine = new MachineOptions { IommuPresent = false, Memory = new PhysicalMemoryOptions { DefaultPlacement = MemoryPlacement.Above4G } },
            Slots = [new DeviceSlot(Primary, "dma32", DmaMask: Mask32)],
            DriverDmaMask = Mask32,
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "legacy hands a 32-bit device addresses above 4 GiB; disciplined buffers bounce below 4 GiB",
        },
        new()
        {
            Key = "confidential",
            Title = "confidential",
            Description = "Confidential guest: devices reach only shared memory, every streaming mapping bounces.",
            Machine = new MachineOptions { Confidential = true },
            Slots = [new DeviceSlot(Primary, "virtio")],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.NotApplicable,
            Why = "legacy's rings and buffers are private memory: the device faults",
        },
        new()
        {
            Key = "userspace",
            Title = "userspace (VFIO)",
            Description = "A device handed to a userspace driver through a VFIO container (its own IOVAs in a translated domain), beside a kernel-driven device.",
            Machine = new MachineOptions { Iommu = new IommuOptions { DefaultDomain = DomainKind.Translated } },
            Slots = [new DeviceSlot(Primary, "kernel"), new DeviceSlot(Assigned, "vfio", Userspace: true)],
            Legacy = Expectation.MustFail,
            Disciplined = Expectation.Ok,
            Userspace = Expectation.Ok,
            Why = "the userspace driver's IOVAs are the only addresses its device can reach; kernel drivers as in strict",
        },
    ];

    /// <summary>The scenario with a key, or null.</summary>
    public static PlatformScenario? Find(string key) => All.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));
}
