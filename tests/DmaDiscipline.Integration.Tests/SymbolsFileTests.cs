using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>A framework other than DmaDiscipline.Runtime, configured only by symbols files next to the project.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class SymbolsFileTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.VendorConsumer;

    [Fact]
    public async Task Symbols_files_next_to_the_project_configure_the_rules_and_their_bad_lines_are_reported()
    {
        var build = await _consumer.BuildAsync("convention");

        build.Succeeded();
        var expected = _consumer.ExpectedIn(VendorConsumer.Sources);
        // Both sinks come from the files: SetAddress from DmaDiscipline.txt, WriteQueueBase from DmaDiscipline.Queues.txt.
        Assert.Equal(2, expected.Count(e => e.Id == "DMA001" && e.File == "src/VendorDriver.cs"));
        Assert.Single(expected, e => e.Id == "DMA900" && e.File == "DmaDiscipline.Queues.txt");
        build.ReportsExactly(expected, "warning");
    }

    [Fact]
    public async Task Without_the_convention_the_foreign_framework_is_not_checked()
    {
        // Proves that the package's build files, not the SDK, put the symbols files in front of the analyzers.
        var build = await _consumer.BuildAsync("no-convention", "-p:DmaDisciplineIncludeSymbolsFiles=false");

        build.Succeeded();
        Assert.Empty(build.Dma);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_symbols_file_is_an_additional_file_exactly_once(bool listedByTheProject)
    {
        var files = await _consumer.EvaluateItemsAsync("AdditionalFiles", $"-p:ListQueuesFile={listedByTheProject}");

        var names = files.Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["DmaDiscipline.Queues.txt", "DmaDiscipline.txt"], names);
    }
}
