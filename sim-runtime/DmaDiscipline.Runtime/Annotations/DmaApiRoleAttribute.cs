namespace DmaDiscipline.Runtime;

/// <summary>
/// Declares that a method of another DMA API (a wrapper, a vendor HAL) plays a <see cref="DmaApiRole"/>,
/// so that the DmaDiscipline analyzers check its callers as they check <see cref="DmaApi"/>'s
/// (DMA002 to DMA006). Length parameters are recognised by name (length, len, size, count, bytes),
/// direction parameters by an enum type whose name ends in "Direction".
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class DmaApiRoleAttribute : Attribute
{
    /// <summary>Declares the role of the method.</summary>
    /// <param name="role">What the method does in the DMA API.</param>
    public DmaApiRoleAttribute(DmaApiRole role) => Role = role;

    /// <summary>What the method does in the DMA API.</summary>
    public DmaApiRole Role { get; }
}
