namespace DmaDiscipline.Runtime;

/// <summary>The rule ids the debug layer reports under; the same ids as the static analyzers' rules.</summary>
public static class RuleIds
{
    /// <summary>A raw physical address (or any address no mapping covers) reached a device.</summary>
    /// <remarks>Debug layer: a device access no live mapping of that device covers.</remarks>
    public const string RawPhysicalAddress = "DMA001";

    /// <summary>A mapping or coherent buffer was not released.</summary>
    /// <remarks>Debug layer: every mapping still live at driver unbind or device removal (dma-debug's
    /// "device driver has pending DMA allocations", Driver Verifier 0xE6 0x07–0x0A).</remarks>
    public const string Leak = "DMA002";

    /// <summary>A mapping was used before <see cref="DmaApi.MappingError"/> was checked.</summary>
    /// <remarks>Debug layer: unmap, sync or device access of an unchecked mapping; unmap or sync of
    /// the error address (dma-debug's "device driver failed to check map error").</remarks>
    public const string UncheckedMapping = "DMA003";

    /// <summary>Unmap or sync with another length or direction than the map's.</summary>
    /// <remarks>Debug layer: a release or sync that does not match its map — length, direction, a
    /// sync past the mapping's end, or the wrong function (a coherent buffer or scatter-gather segment
    /// released with <see cref="DmaApi.UnmapSingle"/>: dma-debug's "frees DMA memory with wrong
    /// function") — and a device writing into a ToDevice mapping.</remarks>
    public const string LengthOrDirectionMismatch = "DMA004";

    /// <summary>The CPU touched a buffer the device owns.</summary>
    /// <remarks>Debug layer: CPU access to a device-owned buffer, and device-writable mappings that
    /// share a cache line, double mappings included (dma-debug's "cacheline tracking EEXIST").</remarks>
    public const string CpuAccessWhileDeviceOwned = "DMA005";

    /// <summary>A DMA address was used after its unmap or free.</summary>
    /// <remarks>Debug layer: double unmap or free, unmap or sync of an address never mapped, device
    /// access after unmap, and any call on the DMA API of a removed device (Driver Verifier's use of a
    /// released adapter).</remarks>
    public const string UseAfterUnmap = "DMA006";

    /// <summary>The driver chose translation itself.</summary>
    public const string DriverChoosesTranslation = "DMA007";

    /// <summary>A bus address was forged outside the DMA API.</summary>
    public const string ForgedBusAddress = "DMA008";
}
