namespace DmaDiscipline.Runtime;

/// <summary>
/// One 4 KiB physical page: its host backing and whether it is shared with devices. The backing is
/// one reference, written and read whole, so a device access racing a reallocation of the frame sees
/// the old owner's page or the new one's, never a mix of the two.
/// </summary>
internal struct PageFrame
{
    public PageBacking? Backing;

    /// <summary>Shared (decrypted) with devices; only matters in a confidential machine.</summary>
    public bool Shared;
}
