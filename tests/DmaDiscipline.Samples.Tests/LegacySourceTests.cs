namespace DmaDiscipline.Samples.Tests;

/// <summary>The legacy sources stay a faithful, marked example of the bug.</summary>
public sealed class LegacySourceTests
{
    private const string Marker = "// DMA001 expected";

    private static string LegacyFolder()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, "samples", "DmaDiscipline.Samples.Drivers", "Legacy");
    }

    [Fact]
    public void Every_marked_line_hands_a_physical_address_to_the_device()
    {
        string[] marked = Directory.GetFiles(LegacyFolder(), "*.cs")
            .SelectMany(File.ReadAllLines)
            .Where(line => line.TrimEnd().EndsWith(Marker, StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(marked);
        Assert.All(marked, line => Assert.True(
            line.Contains("PhysicalAddress", StringComparison.Ordinal) || line.Contains("VirtToPhys", StringComparison.Ordinal),
            $"marked line without a physical address: {line.Trim()}"));
    }

    [Fact]
    public void Every_physical_address_in_the_legacy_sources_is_marked()
    {
        string[] unmarked = Directory.GetFiles(LegacyFolder(), "*.cs")
            .SelectMany(File.ReadAllLines)
            .Where(line => !line.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .Where(line => line.Contains(".PhysicalAddress", StringComparison.Ordinal) || line.Contains("VirtToPhys(", StringComparison.Ordinal))
            .Where(line => !line.TrimEnd().EndsWith(Marker, StringComparison.Ordinal))
            .ToArray();
        Assert.Empty(unmarked);
    }
}
