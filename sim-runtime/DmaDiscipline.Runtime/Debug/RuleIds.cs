namespace DmaDiscipline.Runtime;

/// <summary>The rule ids the debug layer reports under; the same ids as the static analyzers' rules.</summary>
public static class RuleIds
{
    /// <summary>A raw physical address (or any address no mapping covers) reached a device.</summary>
    public const string RawPhysicalAddress = "DMA001";

    /// <summary>A mapping or coherent buffer was not released.</summary>
    public const string Leak = "DMA002";

    /// <summary>A mapping was used before <see cref="DmaApi.MappingError"/> was checked.</summary>
    public const string UncheckedMapping = "DMA003";

    /// <summary>Unmap or sync with another length or direction than the map's.</summary>
    public const string LengthOrDirectionMismatch = "DMA004";

    /// <summary>The CPU touched a buffer the device owns.</summary>
    public const string CpuAccessWhileDeviceOwned = "DMA005";

    /// <summary>A DMA address was used after its unmap or free.</summary>
    public const string UseAfterUnmap = "DMA006";

    /// <summary>The driver chose translation itself.</summary>
    public const string DriverChoosesTranslation = "DMA007";

    /// <summary>A bus address was forged outside the DMA API.</summary>
    public const string ForgedBusAddress = "DMA008";
}
