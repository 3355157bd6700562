namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// <c>struct virtio_net_hdr</c> (virtio 1.x §5.1.6): 12 bytes that precede every packet in both
/// directions (with VIRTIO_F_VERSION_1 the header always includes <c>num_buffers</c>). Little-endian.
/// </summary>
public static class VirtioNetHdr
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 12;

    /// <summary>Byte offset of <c>flags</c> (u8).</summary>
    public const int FlagsOffset = 0;

    /// <summary>Byte offset of <c>gso_type</c> (u8).</summary>
    public const int GsoTypeOffset = 1;

    /// <summary>Byte offset of <c>hdr_len</c> (le16).</summary>
    public const int HdrLenOffset = 2;

    /// <summary>Byte offset of <c>gso_size</c> (le16).</summary>
    public const int GsoSizeOffset = 4;

    /// <summary>Byte offset of <c>csum_start</c> (le16).</summary>
    public const int CsumStartOffset = 6;

    /// <summary>Byte offset of <c>csum_offset</c> (le16).</summary>
    public const int CsumOffsetOffset = 8;

    /// <summary>Byte offset of <c>num_buffers</c> (le16): receive buffers the packet spans (1 without VIRTIO_NET_F_MRG_RXBUF).</summary>
    public const int NumBuffersOffset = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM (1).</summary>
    public const byte FlagNeedsCsum = 1;

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID (2).</summary>
    public const byte FlagDataValid = 2;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE (0).</summary>
    public const byte GsoNone = 0;
}
