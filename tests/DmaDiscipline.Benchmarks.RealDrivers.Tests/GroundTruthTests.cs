namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

public sealed class GroundTruthTests
{
    [Fact]
    public void A_site_must_be_a_non_blank_line_of_the_source()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("src/A.cs", "class A\n{\n\n}\n");
        var good = GroundTruth.Read(scratch.Write("good.tsv", "DMA001\tsrc/A.cs:2\t\twhy\n"));
        var blank = GroundTruth.Read(scratch.Write("blank.tsv", "DMA001\tsrc/A.cs:3\t\twhy\n"));
        var past = GroundTruth.Read(scratch.Write("past.tsv", "negative\tsrc/A.cs:9\t\twhy\n"));
        var missing = GroundTruth.Read(scratch.Write("missing.tsv", "DMA001\tsrc/B.cs:1\t\twhy\n"));

        good.CheckSites(scratch.Path, "good.tsv");
        Assert.Throws<FormatException>(() => blank.CheckSites(scratch.Path, "blank.tsv"));
        Assert.Throws<FormatException>(() => past.CheckSites(scratch.Path, "past.tsv"));
        Assert.Throws<FileNotFoundException>(() => missing.CheckSites(scratch.Path, "missing.tsv"));
    }

    [Fact]
    public void An_unknown_kind_or_a_row_without_a_site_is_refused()
    {
        using var scratch = new ScratchDirectory();
        Assert.Throws<FormatException>(() => GroundTruth.Read(scratch.Write("a.tsv", "DMA009\tA.cs:1\t\twhy\n")));
        Assert.Throws<FormatException>(() => GroundTruth.Read(scratch.Write("b.tsv", "DMA001\tA.cs\t\twhy\n")));
    }
}
