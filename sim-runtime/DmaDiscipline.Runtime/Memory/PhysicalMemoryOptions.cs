namespace DmaDiscipline.Runtime;

/// <summary>Size and allocation policy of a <see cref="PhysicalMemory"/>.</summary>
public sealed record PhysicalMemoryOptions
{
    /// <summary>Size of the physical address space in bytes (default 64 GiB). Only touched pages cost host memory.</summary>
    public ulong Size { get; init; } = 64UL << 30;

    /// <summary>Where allocations go when the caller does not say (default: below 4 GiB, like a small machine).</summary>
    public MemoryPlacement DefaultPlacement { get; init; } = MemoryPlacement.Below4G;

    /// <summary>
    /// Physical address of the first allocatable page (default 1 MiB): low memory is left to
    /// firmware, and physical address 0 never names a driver buffer.
    /// </summary>
    public ulong FirstAllocatable { get; init; } = 1UL << 20;
}
