using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>DmaDisciplineAnalysisMode, set in the consumer's project body, selects the preset the package ships.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class AnalysisModeTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.DriverConsumer;

    [Fact]
    public async Task Recommended_reports_warnings()
    {
        var build = await _consumer.BuildAsync("mode-recommended", "-p:ChosenAnalysisMode=recommended");

        build.Succeeded();
        build.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "warning");
    }

    [Fact]
    public async Task Strict_reports_errors_and_fails_the_build()
    {
        var build = await _consumer.BuildAsync("mode-strict", "-p:ChosenAnalysisMode=Strict");

        build.Failed();
        build.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "error");
    }

    [Fact]
    public async Task None_turns_every_rule_off()
    {
        var build = await _consumer.BuildAsync("mode-none", "-warnaserror", "-p:ChosenAnalysisMode=none");

        build.Succeeded();
        Assert.Empty(build.Dma);
    }

    [Fact]
    public async Task An_unknown_mode_is_a_build_error_that_names_the_choices()
    {
        var build = await _consumer.BuildAsync("mode-unknown", "-p:ChosenAnalysisMode=paranoid");

        build.Failed();
        Assert.Contains("error DMAPKG001", build.Result.Output, StringComparison.Ordinal);
        Assert.Contains("expected recommended, strict or none", build.Result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switching_modes_recompiles_without_a_clean()
    {
        // Same obj/ and bin/ for both builds: only the chosen mode changes, no source file does.
        var first = await _consumer.BuildAsync("mode-switch", "-p:ChosenAnalysisMode=recommended");
        var second = await _consumer.BuildAsync("mode-switch", "-p:ChosenAnalysisMode=strict");

        first.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "warning");
        second.Failed();
        second.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "error");
    }

    [Theory]
    [InlineData("recommended")]
    [InlineData("strict")]
    public async Task Recommended_leaves_DMA004_info_findings_info_and_strict_makes_every_finding_an_error(string mode)
    {
        var (build, log) = await _consumer.BuildWithErrorLogAsync(
            "dma004-" + mode, $"-p:ConsumerCase={DriverConsumer.Dma004}", $"-p:ChosenAnalysisMode={mode}");

        var expected = _consumer.ExpectedIn(DriverConsumer.Dma004);
        Assert.Single(expected, e => e.IsInfo);
        Assert.Single(expected, e => !e.IsInfo);
        Assert.Equal(expected.Count, log.Dma.Count);
        foreach (var finding in expected)
        {
            var result = Assert.Single(log.Dma, finding.Matches);
            Assert.Equal(mode == "strict" ? "error" : finding.IsInfo ? "note" : "warning", result.Severity);
        }

        if (mode == "strict")
        {
            build.Failed();
        }
        else
        {
            build.Succeeded();
        }
    }
}
