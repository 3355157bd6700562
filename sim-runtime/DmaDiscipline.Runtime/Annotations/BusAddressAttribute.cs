namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a parameter, field or property whose value a device will use as a bus address (a
/// descriptor's address field, a queue area register, a doorbell payload). Only a
/// <see cref="DmaAddr"/> from the <see cref="DmaApi"/> may flow there; the DmaDiscipline analyzers
/// report a raw physical address reaching it (DMA001).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class BusAddressAttribute : Attribute
{
}
