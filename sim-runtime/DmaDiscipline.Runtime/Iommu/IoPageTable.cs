namespace DmaDiscipline.Runtime;

/// <summary>
/// A translated domain's I/O page table: a 4-level radix tree over 48-bit I/O virtual addresses with
/// 4 KiB leaves, 9 address bits per level, like the VT-d second-level and AMD-Vi v1 formats.
/// A leaf entry holds the physical frame and the read/write permission bits; an entry with neither
/// bit is not present.
/// </summary>
internal sealed class IoPageTable
{
    /// <summary>I/O virtual address width in bits.</summary>
    public const int AddressWidth = 48;

    private const int LevelBits = 9;
    private const int Entries = 1 << LevelBits;
    private const ulong Index = Entries - 1;
    private const ulong PermissionBits = 0x3;

    private readonly Node _root = new(isLeafLevel: false);

    // The leaf table of the last walk. Leaf tables are never freed, so the cached pair stays valid;
    // consecutive map/unmap/translate walks of nearby IOVAs skip the three upper levels.
    private ulong _lastLeafKey = ulong.MaxValue;
    private ulong[]? _lastLeaves;

    /// <summary>Leaf entries currently present.</summary>
    public long PresentEntries { get; private set; }

    /// <summary>Page walks performed (IOTLB misses and map/unmap walks).</summary>
    public long Walks { get; private set; }

    /// <summary>Installs a translation for one page. Returns false if the page is already mapped.</summary>
    public bool Map(ulong iovaFrame, ulong physFrame, IommuPermission permission)
    {
        ulong[] leaves = Leaves(iovaFrame, create: true)!;
        ref ulong entry = ref leaves[iovaFrame & Index];
        if ((entry & PermissionBits) != 0)
        {
            return false;
        }

        entry = EntryOf(physFrame, permission);
        PresentEntries++;
        return true;
    }

    /// <summary>Removes the translation of one page. Returns false if none was present.</summary>
    public bool Unmap(ulong iovaFrame)
    {
        ulong[]? leaves = Leaves(iovaFrame, create: false);
        if (leaves is null)
        {
            return false;
        }

        ref ulong entry = ref leaves[iovaFrame & Index];
        if ((entry & PermissionBits) == 0)
        {
            return false;
        }

        entry = 0;
        PresentEntries--;
        return true;
    }

    /// <summary>Walks the table: the leaf entry for a page, or 0 when not present.</summary>
    public ulong Walk(ulong iovaFrame)
    {
        Walks++;
        ulong[]? leaves = Leaves(iovaFrame, create: false);
        return leaves is null ? 0 : leaves[iovaFrame & Index];
    }

    /// <summary>A leaf entry: the physical frame and the permission bits.</summary>
    public static ulong EntryOf(ulong physFrame, IommuPermission permission) => (physFrame << PhysicalMemory.PageShift) | (ulong)permission;

    public static ulong FrameOf(ulong entry) => entry >> PhysicalMemory.PageShift;

    public static IommuPermission PermissionOf(ulong entry) => (IommuPermission)(entry & PermissionBits);

    private ulong[]? Leaves(ulong iovaFrame, bool create)
    {
        ulong key = iovaFrame >> LevelBits;
        if (key == _lastLeafKey)
        {
            return _lastLeaves;
        }

        // Frame bits 35..27 index level 4, 26..18 level 3, 17..9 level 2, 8..0 the leaf table.
        Node node = _root;
        for (int shift = 3 * LevelBits; shift >= 2 * LevelBits; shift -= LevelBits)
        {
            ref Node? child = ref node.Children![(iovaFrame >> shift) & Index];
            if (child is null)
            {
                if (!create)
                {
                    return null;
                }

                child = new Node(isLeafLevel: shift == 2 * LevelBits);
            }

            node = child;
        }

        ref ulong[]? leaves = ref node.Leaves![(iovaFrame >> LevelBits) & Index];
        if (leaves is null && create)
        {
            leaves = new ulong[Entries];
        }

        if (leaves is not null)
        {
            _lastLeafKey = key;
            _lastLeaves = leaves;
        }

        return leaves;
    }

    private sealed class Node
    {
        public Node(bool isLeafLevel)
        {
            if (isLeafLevel)
            {
                Leaves = new ulong[]?[Entries];
            }
            else
            {
                Children = new Node?[Entries];
            }
        }

        public Node?[]? Children { get; }

        public ulong[]?[]? Leaves { get; }
    }
}
