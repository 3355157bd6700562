using DmaDiscipline.Runtime;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>The platform scenarios the benchmarks compare; debug is off, as in a production kernel.</summary>
public enum Platform
{
    /// <summary>Identity domain (passthrough): bus address = physical address.</summary>
    Identity,

    /// <summary>Translated domain, strict invalidation on every unmap.</summary>
    TranslatedStrict,

    /// <summary>Translated domain, lazy invalidation through the flush queue.</summary>
    TranslatedLazy,

    /// <summary>Confidential guest: every mapping bounces through the swiotlb pool.</summary>
    Bounce,
}

internal static class Platforms
{
    public static readonly DeviceId Nic = new(0, 3, 0);

    public static Machine Create(Platform platform, int ioTlbEntries = 256) => new(new MachineOptions
    {
        Debug = DmaDebugMode.Off,
        Confidential = platform == Platform.Bounce,
        Iommu = new IommuOptions
        {
            DefaultDomain = platform == Platform.Identity ? DomainKind.Identity : DomainKind.Translated,
            Invalidation = platform == Platform.TranslatedLazy ? InvalidationMode.Lazy : InvalidationMode.Strict,
            IoTlbEntries = ioTlbEntries,
        },
    });
}
