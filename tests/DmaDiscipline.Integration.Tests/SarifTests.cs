using System.Text.Json;
using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>The CI recipe's SARIF log (-p:ErrorLog=path,version=2.1) carries the results and each rule's help link.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class SarifTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.DriverConsumer;

    [Fact]
    public async Task ErrorLog_holds_the_DMA_results_and_rules_with_help_uris()
    {
        var log = Path.Combine(_consumer.Directory, "sarif", "build.sarif");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);

        // %2C: a bare comma would split the -p argument in two and leave a SARIF 1.0 log.
        var build = await _consumer.BuildAsync("sarif", $"-p:ErrorLog={log}%2Cversion=2.1");

        build.Succeeded();
        using var sarif = JsonDocument.Parse(File.ReadAllText(log));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var run = sarif.RootElement.GetProperty("runs")[0];

        var results = run.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("ruleId").GetString()!.StartsWith("DMA", StringComparison.Ordinal))
            .Select(r =>
            {
                var location = r.GetProperty("locations")[0].GetProperty("physicalLocation");
                var path = new Uri(location.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath;
                var region = location.GetProperty("region");
                return new BuildDiagnostic(
                    Path.GetRelativePath(_consumer.Directory, path).Replace('\\', '/'),
                    region.GetProperty("startLine").GetInt32(), region.GetProperty("startColumn").GetInt32(),
                    r.GetProperty("level").GetString()!, r.GetProperty("ruleId").GetString()!);
            })
            .ToList();
        var expected = _consumer.ExpectedIn(DriverConsumer.Plain);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, results.Count);
        Assert.All(results, r => Assert.Contains(expected, e => e.Matches(r)));
        Assert.All(results, r => Assert.Equal("warning", r.Severity));

        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r);
        foreach (var id in expected.Select(e => e.Id).Distinct())
        {
            Assert.True(rules.TryGetValue(id, out var rule), $"rule {id} missing from the SARIF log");
            var help = new Uri(rule.GetProperty("helpUri").GetString()!);
            Assert.Equal(Uri.UriSchemeHttps, help.Scheme);
            Assert.EndsWith($"/docs/rules/{id}.md", help.AbsolutePath, StringComparison.Ordinal);
        }
    }
}
