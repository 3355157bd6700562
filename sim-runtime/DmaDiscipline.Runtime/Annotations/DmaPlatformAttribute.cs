namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks platform code: the implementation of a DMA API, which legitimately turns physical addresses
/// into bus addresses. The DmaDiscipline analyzers do not apply the driver rules inside it. The
/// assembly that defines <see cref="DmaAddr"/> is platform code without this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class DmaPlatformAttribute : Attribute
{
}
