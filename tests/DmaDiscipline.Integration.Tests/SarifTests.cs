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
        var build = await _consumer.BuildWithErrorLogAsync("sarif");

        build.Build.Succeeded();
        Assert.Equal("2.1.0", build.Log.Version);
        var expected = _consumer.ExpectedIn(DriverConsumer.Plain);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, build.Log.Dma.Count);
        Assert.All(build.Log.Dma, r => Assert.Contains(expected, e => e.Matches(r)));
        Assert.All(build.Log.Dma, r => Assert.Equal("warning", r.Severity));

        foreach (var id in expected.Select(e => e.Id).Distinct())
        {
            Assert.True(build.Log.HelpUris.TryGetValue(id, out var uri) && uri is not null, $"rule {id} or its helpUri is missing from the SARIF log");
            Assert.Equal(RepositoryUrl.Of($"docs/rules/{id}.md"), uri);
            Assert.True(File.Exists(Path.Combine(RepositoryRoot.Find(), "docs", "rules", id + ".md")), $"{uri} names no page of the repository");
        }
    }
}
