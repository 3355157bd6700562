namespace DmaDiscipline.FlowVariants.Running;

/// <summary>One rule's score over the variants counted for it.</summary>
public sealed record RuleScore(string Rule, int Cases, int Found, int FalsePositives, int Excluded)
{
    /// <summary>Defects found over cases counted.</summary>
    public double Recall => Cases == 0 ? 0 : (double)Found / Cases;

    /// <summary>Defects found over all reports (found defects plus twins reported); 1 when nothing was reported.</summary>
    public double Precision => Found + FalsePositives == 0 ? 1 : (double)Found / (Found + FalsePositives);

    /// <summary>The score of <paramref name="rule"/> from its cases' outcomes.</summary>
    public static RuleScore Of(string rule, IEnumerable<CaseOutcome> outcomes)
    {
        var mine = outcomes.Where(o => o.Rule == rule).ToList();
        var counted = mine.Where(o => o.Excluded is null).ToList();
        return new RuleScore(rule, counted.Count, counted.Count(o => o.Found), counted.Count(o => o.FalsePositive), mine.Count - counted.Count);
    }
}
