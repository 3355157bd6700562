namespace DmaDiscipline.FlowVariants.Running;

/// <summary>What the analyzers said about one case (one rule × one variant).</summary>
/// <param name="CoreId">The core's id (<c>DMA003a</c>).</param>
/// <param name="Rule">The rule id.</param>
/// <param name="VariantId">The variant's id.</param>
/// <param name="Excluded">Why the variant is not counted for this rule, or null when it is.</param>
/// <param name="Found">The rule was reported in the defect's file.</param>
/// <param name="FalsePositive">The rule was reported in the twin's file.</param>
/// <param name="DefectLines">Lines of the defect file where the rule was reported.</param>
/// <param name="OtherRulesOnTwin">Other DMA ids reported in the twin's file (not scored; shown so a twin that is not clean is seen).</param>
public sealed record CaseOutcome(
    string CoreId,
    string Rule,
    string VariantId,
    string? Excluded,
    bool Found,
    bool FalsePositive,
    IReadOnlyList<int> DefectLines,
    IReadOnlyList<string> OtherRulesOnTwin);
