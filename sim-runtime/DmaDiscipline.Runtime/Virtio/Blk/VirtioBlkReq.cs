namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// A virtio-blk request, <c>struct virtio_blk_req</c> (virtio 1.x §5.2.6): a 16-byte device-readable
/// header — <c>type</c> (le32) at 0, <c>reserved</c> (le32) at 4, <c>sector</c> (le64) at 8 — then the
/// data (device-readable for OUT, device-writable for IN and GET_ID), then one device-writable
/// <c>status</c> byte. Sectors are always 512 bytes.
/// </summary>
public static class VirtioBlkReq
{
    /// <summary>Size of the request header in bytes.</summary>
    public const int HeaderSize = 16;

    /// <summary>Byte offset of <c>type</c> (le32).</summary>
    public const int TypeOffset = 0;

    /// <summary>Byte offset of <c>reserved</c> (le32).</summary>
    public const int ReservedOffset = 4;

    /// <summary>Byte offset of <c>sector</c> (le64).</summary>
    public const int SectorOffset = 8;

    /// <summary>The sector size the protocol counts in.</summary>
    public const int SectorSize = 512;

    /// <summary>VIRTIO_BLK_T_IN (0): read sectors into the data buffer.</summary>
    public const uint TypeIn = 0;

    /// <summary>VIRTIO_BLK_T_OUT (1): write the data buffer to sectors.</summary>
    public const uint TypeOut = 1;

    /// <summary>VIRTIO_BLK_T_FLUSH (4): flush the write cache.</summary>
    public const uint TypeFlush = 4;

    /// <summary>VIRTIO_BLK_T_GET_ID (8): write the device id string (up to 20 bytes) into the data buffer.</summary>
    public const uint TypeGetId = 8;

    /// <summary>VIRTIO_BLK_ID_BYTES (20): length of the id string.</summary>
    public const int IdBytes = 20;

    /// <summary>VIRTIO_BLK_S_OK (0).</summary>
    public const byte StatusOk = 0;

    /// <summary>VIRTIO_BLK_S_IOERR (1).</summary>
    public const byte StatusIoErr = 1;

    /// <summary>VIRTIO_BLK_S_UNSUPP (2).</summary>
    public const byte StatusUnsupp = 2;
}
