namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>Whether a variant reshapes the control flow around the core or the way its value is carried.</summary>
public enum VariantKind
{
    /// <summary>Control-flow variant: the core inside a branch, a loop, a handler, another kind of body, or with an early exit.</summary>
    Control,

    /// <summary>Data-flow variant: the value carried through another kind of storage, a helper, another type, a join.</summary>
    Data,
}

/// <summary>
/// A transformation applied alike to a core's defect and its twin (the Juliet suites' "flow
/// variants"). A variant that would take the defect itself away for some rule (not hide it from
/// the analysis) says so in <see cref="Exclusion"/> and is not counted for that rule.
/// </summary>
/// <param name="Id">Short stable id (<c>c07</c>, <c>d13</c>), used in file names and the table.</param>
/// <param name="Kind">Control or data.</param>
/// <param name="Description">What the variant does, for the table.</param>
/// <param name="Render">Renders one side of a core.</param>
/// <param name="Excludes">Why the variant does not apply to a core, or null when it does.</param>
public sealed record Variant(string Id, VariantKind Kind, string Description, Func<Flow, CaseCode> Render, Func<DefectCore, string?>? Excludes = null)
{
    /// <summary>Why this variant is not counted for <paramref name="core"/>, or null when it is.</summary>
    public string? Exclusion(DefectCore core) =>
        core.NotWith?.GetValueOrDefault(Id) ?? Excludes?.Invoke(core);

    /// <summary>Every variant: control first, then data.</summary>
    public static IReadOnlyList<Variant> All { get; } = [.. ControlVariants.All, .. DataVariants.All];
}
