using System.Text.RegularExpressions;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Tests.Repository;

/// <summary>
/// The sample drivers are the analyzers' acceptance test: legacy drivers get DMA001 at exactly the
/// lines marked "// DMA001 expected" and no other DMA diagnostic; disciplined drivers get none.
/// </summary>
public sealed partial class SampleDriverTests
{
    [GeneratedRegex(@"//\s*DMA001 expected")]
    private static partial Regex ExpectedMarker();

    /// <summary>Analyses the sample project(s) that hold files whose path contains <paramref name="family"/>; null when there are none yet.</summary>
    public static async Task<(AnalyzerRunner.Result Result, IReadOnlyList<string> FamilyFiles)?> AnalyseSampleFamily(string family)
    {
        var samples = Path.Combine(RepositorySources.Root, "samples");
        var familyFiles = RepositorySources.CSharpFiles(samples)
            .Where(f => Path.GetRelativePath(samples, f).Contains(family, StringComparison.Ordinal))
            .ToList();
        if (familyFiles.Count == 0)
        {
            return null;
        }

        // The whole project that holds them, so that calls and fields across files resolve.
        var projectDirectories = familyFiles.Select(ProjectDirectoryOf).Distinct().ToList();
        var files = projectDirectories.SelectMany(RepositorySources.CSharpFiles).Distinct().ToList();
        var result = await AnalyzerRunner.RunAsync(RepositorySources.Read(files), assemblyName: "Samples");
        return (result, familyFiles.Select(f => Path.GetRelativePath(RepositorySources.Root, f)).ToList());
    }

    private static string ProjectDirectoryOf(string file)
    {
        for (var directory = Path.GetDirectoryName(file); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (Directory.EnumerateFiles(directory, "*.csproj").Any())
            {
                return directory;
            }
        }

        return Path.GetDirectoryName(file)!;
    }

    [Fact]
    public async Task Legacy_drivers_get_DMA001_exactly_at_their_raw_address_sites()
    {
        var analysed = await AnalyseSampleFamily("Legacy");
        if (analysed is null)
        {
            return; // No legacy samples in this checkout yet.
        }

        var (result, legacyFiles) = analysed.Value;
        Assert.Empty(result.CompilerErrors);
        Assert.Empty(result.Exceptions);
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in legacyFiles)
        {
            var lines = File.ReadAllLines(Path.Combine(RepositorySources.Root, file));
            for (var i = 0; i < lines.Length; i++)
            {
                if (ExpectedMarker().IsMatch(lines[i]))
                {
                    expected.Add($"{file}:{i + 1}");
                }
            }
        }

        var inLegacy = result.Diagnostics.Where(d => legacyFiles.Contains(d.Location.SourceTree?.FilePath ?? string.Empty)).ToList();
        var actual = new SortedSet<string>(
            inLegacy.Where(d => d.Id == "DMA001").Select(d => $"{d.Location.SourceTree!.FilePath}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}"),
            StringComparer.Ordinal);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.Empty(inLegacy.Where(d => d.Id != "DMA001" && d.Id.StartsWith("DMA", StringComparison.Ordinal)).Select(d => d.ToString()));
    }

    [Fact]
    public async Task Disciplined_drivers_get_no_DMA_diagnostic()
    {
        var analysed = await AnalyseSampleFamily("Disciplined");
        if (analysed is null)
        {
            return; // No disciplined samples in this checkout yet.
        }

        var (result, disciplinedFiles) = analysed.Value;
        Assert.Empty(result.CompilerErrors);
        Assert.Empty(result.Exceptions);
        var findings = result.Diagnostics
            .Where(d => disciplinedFiles.Contains(d.Location.SourceTree?.FilePath ?? string.Empty))
            .Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal))
            .Select(d => d.ToString());
        Assert.Empty(findings);
    }
}
