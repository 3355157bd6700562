namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a method (its return value), property or field that yields a raw CPU physical address,
/// like Linux's <c>virt_to_phys</c> or <c>page_to_phys</c>. The DmaDiscipline analyzers follow such
/// values and report them reaching a device-visible sink (DMA001). Values of type
/// <see cref="PhysAddr"/> are sources without this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.ReturnValue, Inherited = true)]
public sealed class PhysicalAddressSourceAttribute : Attribute
{
}
