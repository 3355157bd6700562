namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// Device-independent feature bits (virtio 1.x §6, "Reserved Feature Bits"), as masks of the 64-bit
/// feature word. Device-specific bits live with their device (<see cref="Net.VirtioNetFeatures"/>,
/// <see cref="Blk.VirtioBlkFeatures"/>).
/// </summary>
public static class VirtioFeatures
{
    /// <summary>VIRTIO_F_INDIRECT_DESC (bit 28): the driver can use descriptors with VIRTQ_DESC_F_INDIRECT.</summary>
    public const ulong IndirectDesc = 1UL << 28;

    /// <summary>VIRTIO_F_EVENT_IDX (bit 29): the used_event and avail_event fields (split) / RING_EVENT_FLAGS_DESC (packed) suppress notifications.</summary>
    public const ulong EventIdx = 1UL << 29;

    /// <summary>VIRTIO_F_VERSION_1 (bit 32): compliance with virtio 1.x. A virtio-mmio version 2 device requires it.</summary>
    public const ulong Version1 = 1UL << 32;

    /// <summary>
    /// VIRTIO_F_ACCESS_PLATFORM (bit 33): the device reaches memory through the platform's DMA path
    /// (its IOMMU domain, bounce buffers). Without it the device is "part of the hypervisor" and
    /// treats ring and buffer addresses as physical.
    /// </summary>
    public const ulong AccessPlatform = 1UL << 33;

    /// <summary>VIRTIO_F_RING_PACKED (bit 34): the packed virtqueue layout.</summary>
    public const ulong RingPacked = 1UL << 34;

    /// <summary>The bit number of a feature mask (for messages).</summary>
    /// <exception cref="ArgumentException">The mask does not have exactly one bit set.</exception>
    public static int BitOf(ulong feature) =>
        System.Numerics.BitOperations.IsPow2(feature)
            ? System.Numerics.BitOperations.TrailingZeroCount(feature)
            : throw new ArgumentException($"0x{feature:x} is not a single feature bit.", nameof(feature));

    /// <summary>A readable list of the device-independent bits set in <paramref name="features"/> and the numbers of the others.</summary>
    public static string Describe(ulong features)
    {
        if (features == 0)
        {
            return "none";
        }

        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            ulong mask = 1UL << bit;
            if ((features & mask) == 0)
            {
                continue;
            }

            names.Add(mask switch
            {
                IndirectDesc => "INDIRECT_DESC",
                EventIdx => "EVENT_IDX",
                Version1 => "VERSION_1",
                AccessPlatform => "ACCESS_PLATFORM",
                RingPacked => "RING_PACKED",
                _ => bit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return string.Join(' ', names);
    }
}
