namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a method (its return value), property, field or parameter whose value addresses memory a
/// device reads: an MMIO BAR mapping, a DMA-coherent region, a descriptor ring. A raw physical
/// address stored through it, or through a pointer, offset, span or struct pointer derived from it,
/// reaches the device; the DmaDiscipline analyzers report it (DMA001). Passed to a helper's
/// parameter, it makes that helper's stores through the parameter device-visible too; on an <c>out</c> or <c>ref</c>
/// parameter (<c>MapBar(int index, [DeviceMemory] out byte* registers)</c>), the caller's argument holds device memory
/// after the call.
/// <see cref="CoherentBuffer"/> is device memory without this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = true)]
public sealed class DeviceMemoryAttribute : Attribute
{
}
