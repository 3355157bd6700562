namespace DmaDiscipline.Runtime.Virtio;

/// <summary>What a virtio device found wrong with what the driver gave it.</summary>
public enum VirtioErrorKind
{
    /// <summary>A descriptor chain revisits a descriptor (split <c>next</c> loop).</summary>
    DescriptorLoop = 0,

    /// <summary>An index the driver wrote is outside the queue or table (a head, a <c>next</c>, <c>avail.idx</c> running ahead by more than the queue size).</summary>
    IndexOutOfRange = 1,

    /// <summary>A length is impossible: an address range that wraps, an indirect table not a multiple of 16 bytes, a chain past 4 GiB, a request shorter than its header.</summary>
    LengthOutOfRange = 2,

    /// <summary>The device would have to write a device-readable buffer (or read a device-writable one where data must come from the driver).</summary>
    WriteToReadOnly = 3,

    /// <summary>A chain is longer than the queue size (or the indirect table allows).</summary>
    ChainTooLong = 4,

    /// <summary>An indirect descriptor breaks the rules: feature not negotiated, nested, combined with NEXT, or not at the head of a chain.</summary>
    BadIndirect = 5,

    /// <summary>A device-writable descriptor is followed by a device-readable one.</summary>
    ReadableAfterWritable = 6,

    /// <summary>Packed ring: a chain continues into a descriptor the driver has not made available.</summary>
    UnavailableDescriptor = 7,

    /// <summary>Reading or writing the ring itself (descriptors, rings, event suppression) faulted on the device's DMA path.</summary>
    RingDmaFault = 8,

    /// <summary>Reading or writing a request's data buffer faulted on the device's DMA path.</summary>
    BufferDmaFault = 9,

    /// <summary>Queue configuration the device cannot use (size, alignment, enabled too early).</summary>
    QueueConfig = 10,

    /// <summary>Feature negotiation failed: the device refused FEATURES_OK.</summary>
    FeatureNegotiation = 11,

    /// <summary>The driver broke the initialization protocol (DRIVER_OK without FEATURES_OK, …).</summary>
    Protocol = 12,

    /// <summary>A well-formed chain carrying a request the device model rejects (bad sector, bad size, oversized packet).</summary>
    BadRequest = 13,
}
