namespace DmaDiscipline.Benchmarks.RealDrivers.Tests;

/// <summary>
/// Every codebase folder of tests/RealDrivers is measurable without its source: a manifest the measurement reads,
/// a ground truth written for the commit the manifest pins, and a natural symbols file with entries.
/// </summary>
public sealed class CorpusFolderTests
{
    public static TheoryData<string> Codebases()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(Path.Combine(Repository.Root(), "tests", "RealDrivers")).Order(StringComparer.Ordinal))
        {
            if (!Path.GetFileName(directory).StartsWith('.'))
            {
                data.Add(Path.GetFileName(directory));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codebases))]
    public void A_codebase_has_a_manifest_a_ground_truth_for_its_pinned_commit_and_a_natural_symbols_file(string codebase)
    {
        var directory = Path.Combine(Repository.Root(), "tests", "RealDrivers", codebase);
        var corpus = CorpusManifest.Read(directory);
        var truthPath = Path.Combine(directory, "ground-truth.tsv");
        var truth = GroundTruth.Read(truthPath);

        Assert.Matches("^[0-9a-f]{40}$", corpus.Commit);
        Assert.Contains(File.ReadLines(truthPath), line => line.StartsWith($"# commit: {corpus.Commit}", StringComparison.Ordinal));
        Assert.NotEmpty(truth.Items);
        Assert.Equal(truth.Items.Count, truth.Items.Select(item => item.Site).Distinct(StringComparer.Ordinal).Count());
        Assert.NotEmpty(new SymbolsFile(Path.Combine(directory, "DmaDiscipline.txt")).Entries());
    }
}
