namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>A DMA001/DMA008 finding that matches no defect of the ground truth; Note says what the ground truth has there.</summary>
internal sealed record FalsePositive(Finding Finding, string Note);

/// <summary>
/// A codebase's findings against its ground truth. A defect is found when a diagnostic of its rule is at its site
/// or at one of the sites the ground truth also accepts; every DMA001/DMA008 diagnostic that finds no defect is a
/// false positive (a diagnostic of the other rule at a defect's site included: one defect, one id).
/// Recall = found defects / defects; precision = diagnostics that find a defect / DMA001+DMA008 diagnostics.
/// </summary>
internal sealed record Score(
    int Defects,
    IReadOnlyList<GroundTruthItem> Found,
    IReadOnlyList<GroundTruthItem> Missed,
    int TruePositiveDiagnostics,
    IReadOnlyList<FalsePositive> FalsePositives)
{
    public double Recall => Defects == 0 ? 1 : (double)Found.Count / Defects;

    public double Precision => TruePositiveDiagnostics + FalsePositives.Count == 0 ? double.NaN : (double)TruePositiveDiagnostics / (TruePositiveDiagnostics + FalsePositives.Count);

    public static readonly string[] Rules = ["DMA001", "DMA008"];

    public static Score Of(GroundTruth truth, IReadOnlyList<Finding> findings)
    {
        var found = new HashSet<GroundTruthItem>();
        var truePositives = 0;
        var falsePositives = new List<FalsePositive>();
        foreach (var finding in findings.Where(f => Rules.Contains(f.Id)))
        {
            var matches = truth.Items.Where(item => item.Kind == finding.Id && item.Sites.Contains(finding.Site)).ToList();
            if (matches.Count > 0)
            {
                truePositives++;
                found.UnionWith(matches);
                continue;
            }

            var otherRule = truth.Items.FirstOrDefault(item => item.Sites.Contains(finding.Site));
            var negative = truth.Negatives.FirstOrDefault(n => n.Site == finding.Site);
            var note = otherRule is not null ? $"the ground truth has {otherRule.Kind} here"
                : negative is not null ? $"a listed negative: {negative.Why}"
                : "not in the ground truth";
            falsePositives.Add(new FalsePositive(finding, note));
        }

        return new Score(
            truth.Items.Count,
            truth.Items.Where(found.Contains).ToList(),
            truth.Items.Where(item => !found.Contains(item)).ToList(),
            truePositives,
            falsePositives);
    }
}
