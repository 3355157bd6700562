namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

public sealed class ScoreTests
{
    private static GroundTruth Truth(string tsv)
    {
        using var scratch = new ScratchDirectory();
        return GroundTruth.Read(scratch.Write("ground-truth.tsv", tsv));
    }

    private static readonly GroundTruth TwoDefects = Truth(
        "# a comment\n" +
        "DMA001\tA.cs:10\tB.cs:3,B.cs:4\tregister gets a physical address\twrapper\n" +
        "DMA008\tA.cs:20\t\tconstant address\tconstant\n" +
        "negative\tA.cs:30\t\tlogged only\n");

    [Fact]
    public void A_diagnostic_of_the_defects_rule_at_its_site_or_an_accepted_site_finds_it()
    {
        var score = Score.Of(TwoDefects, [new Finding("DMA001", "B.cs:4", "m")]);

        Assert.Equal("A.cs:10", Assert.Single(score.Found).Site);
        Assert.Equal("A.cs:20", Assert.Single(score.Missed).Site);
        Assert.Equal(0.5, score.Recall);
        Assert.Equal(1.0, score.Precision);
    }

    [Fact]
    public void A_diagnostic_of_the_other_rule_at_a_defects_site_is_a_false_positive_that_says_so()
    {
        var score = Score.Of(TwoDefects, [new Finding("DMA001", "A.cs:20", "m")]);

        Assert.Empty(score.Found);
        Assert.Equal("the ground truth has DMA008 here", Assert.Single(score.FalsePositives).Note);
        Assert.Equal(0.0, score.Precision);
    }

    [Fact]
    public void A_diagnostic_on_a_listed_negative_or_anywhere_else_is_a_false_positive()
    {
        var score = Score.Of(TwoDefects, [new Finding("DMA008", "A.cs:30", "m"), new Finding("DMA001", "C.cs:1", "m")]);

        Assert.Collection(score.FalsePositives,
            fp => Assert.Equal("a listed negative: logged only", fp.Note),
            fp => Assert.Equal("not in the ground truth", fp.Note));
    }

    [Fact]
    public void Two_diagnostics_on_one_defect_find_it_once_and_other_rules_are_not_scored()
    {
        var score = Score.Of(TwoDefects, [
            new Finding("DMA001", "A.cs:10", "m"),
            new Finding("DMA001", "B.cs:3", "m"),
            new Finding("DMA002", "A.cs:99", "m")]);

        Assert.Single(score.Found);
        Assert.Equal(2, score.TruePositiveDiagnostics);
        Assert.Empty(score.FalsePositives);
    }

    [Fact]
    public void Without_any_diagnostic_precision_is_undefined()
    {
        Assert.True(double.IsNaN(Score.Of(TwoDefects, []).Precision));
    }
}
