namespace DmaDiscipline.Runtime;

/// <summary>
/// Declares that a method creates a long-lived streaming mapping whose release is elsewhere by design:
/// a page-table map torn down by a later call (an unmap ioctl, a context teardown), a pool mapped once
/// for the device's lifetime. The DmaDiscipline analyzers take the method for a map
/// (<see cref="DmaApiRole.Map"/>) but do not ask its callers to release the mapping on every path
/// (no DMA002); the mapping-error check, unmap/sync arguments, buffer ownership and use after release
/// (DMA003–DMA006) are still checked. The symbols-file role <c>map-persistent</c> says the same of
/// code that cannot be annotated.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class PersistentMappingAttribute : Attribute
{
}
