namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a member that tells whether or how the platform translates a device's addresses (IOMMU
/// present, domain kind, passthrough). Drivers must not branch on it to choose between the DMA API
/// and physical addresses; the DmaDiscipline analyzers report such branches (DMA007).
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Field, Inherited = true)]
public sealed class TranslationQueryAttribute : Attribute
{
}
