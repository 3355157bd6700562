namespace DmaDiscipline.Runtime.Virtio;

/// <summary>What a virtio device offers besides its device-specific features: the hardware's choices.</summary>
public sealed record VirtioTransportOptions
{
    /// <summary>
    /// Offer VIRTIO_F_ACCESS_PLATFORM (default true). False models an old hypervisor device that always
    /// uses physical addresses; it cannot start on a confidential machine.
    /// </summary>
    public bool OfferAccessPlatform { get; init; } = true;

    /// <summary>Offer VIRTIO_F_RING_PACKED (default true).</summary>
    public bool OfferRingPacked { get; init; } = true;

    /// <summary>Offer VIRTIO_F_EVENT_IDX (default true).</summary>
    public bool OfferEventIdx { get; init; } = true;

    /// <summary>Offer VIRTIO_F_INDIRECT_DESC (default true).</summary>
    public bool OfferIndirectDesc { get; init; } = true;

    /// <summary>QueueNumMax of every queue (default 256, at most 32768).</summary>
    public int QueueNumMax { get; init; } = 256;
}
