namespace DmaDiscipline.Runtime;

/// <summary>Permission bits of an IOMMU page table entry (the R and W bits of a VT-d second-level entry).</summary>
[Flags]
public enum IommuPermission
{
    /// <summary>Not present.</summary>
    None = 0,

    /// <summary>The device may read the page.</summary>
    Read = 1,

    /// <summary>The device may write the page.</summary>
    Write = 2,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
}
