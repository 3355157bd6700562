using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>The ways a user silences a finding. Built with -warnaserror: any DMA001 left would fail the build.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class SuppressionTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.DriverConsumer;

    [Theory]
    [InlineData("recommended")]
    [InlineData("strict")]
    public async Task Editorconfig_severity_wins_over_the_preset(string mode)
    {
        var build = await _consumer.BuildAsync(
            "editorconfig-" + mode, "-warnaserror", $"-p:ConsumerCase={DriverConsumer.EditorConfig}", $"-p:ChosenAnalysisMode={mode}");

        build.Succeeded();
        Assert.Empty(build.Dma);
    }

    [Theory]
    [InlineData("recommended")]
    [InlineData("strict")]
    public async Task Pragma_warning_disable_suppresses_the_line(string mode)
    {
        var build = await _consumer.BuildAsync(
            "pragma-" + mode, "-warnaserror", $"-p:ConsumerCase={DriverConsumer.Pragma}", $"-p:ChosenAnalysisMode={mode}");

        build.Succeeded();
        Assert.Empty(build.Dma);
    }

    [Fact]
    public async Task SuppressMessage_attribute_suppresses_the_member()
    {
        var build = await _consumer.BuildAsync(
            "suppressmessage", "-warnaserror", $"-p:ConsumerCase={DriverConsumer.SuppressMessage}", "-p:ChosenAnalysisMode=strict");

        build.Succeeded();
        Assert.Empty(build.Dma);
    }
}
