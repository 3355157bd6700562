namespace DmaDiscipline.Runtime;

/// <summary>
/// Host backing of one 4 KiB physical page: a slice of a byte array. Pages of one
/// <see cref="KBuffer"/> share that buffer's array so its <see cref="KBuffer.Span"/> is contiguous.
/// </summary>
internal struct PageFrame
{
    public byte[]? Data;
    public int Offset;

    /// <summary>Shared (decrypted) with devices; only matters in a confidential machine.</summary>
    public bool Shared;
}
