namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

public sealed class ReportTests
{
    private static string Section(string label, string body) =>
        $"<!-- measurement: {label} -->\n{body}\n<!-- end of measurement: {label} -->\n";

    [Fact]
    public void A_measurement_replaces_its_own_section_and_keeps_the_rest_of_the_page()
    {
        var page = "# Title\nhand-written\n\n" + Section("main", "old") + "\n" + Section("branch", "other");

        var merged = Report.Merge(page, "main", Section("main", "new"));

        Assert.Contains("hand-written", merged);
        Assert.Contains("new", merged);
        Assert.DoesNotContain("old", merged);
        Assert.Contains("other", merged);
        Assert.True(merged.IndexOf("new", StringComparison.Ordinal) < merged.IndexOf("other", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_measurement_goes_at_the_end()
    {
        var merged = Report.Merge("# Title\n" + Section("main", "first"), "branch", Section("branch", "second"));

        Assert.True(merged.IndexOf("first", StringComparison.Ordinal) < merged.IndexOf("second", StringComparison.Ordinal));
    }
}
