namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a method (its return value), property, field or parameter that yields a raw CPU physical
/// address, like Linux's <c>virt_to_phys</c> or <c>page_to_phys</c>. The DmaDiscipline analyzers follow
/// such values and report them reaching a device-visible sink (DMA001). On an <c>out</c> or <c>ref</c>
/// parameter (<c>TryTranslate(void* va, [PhysicalAddressSource] out ulong pa)</c>) the caller's argument
/// holds one after the call; on a parameter passed by value (a handler the platform calls with a
/// frame's address, <c>OnFrame([PhysicalAddressSource] ulong pa)</c>) the method is given one, and so
/// are the methods that implement or override it. Values of type <see cref="PhysAddr"/> are sources
/// without this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = true)]
public sealed class PhysicalAddressSourceAttribute : Attribute
{
}
