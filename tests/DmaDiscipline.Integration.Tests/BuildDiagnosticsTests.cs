using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>What 'dotnet build' shows a user who added the package: warnings at the right place, errors in CI.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class BuildDiagnosticsTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.DriverConsumer;

    [Fact]
    public async Task Legacy_driver_gets_DMA001_at_its_file_and_line_and_the_disciplined_driver_stays_clean()
    {
        var build = await _consumer.BuildAsync("plain");

        build.Succeeded();
        build.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "warning");
    }

    [Theory]
    [InlineData("warnaserror", "-warnaserror")]
    [InlineData("treatwarningsaserrors", "-p:TreatWarningsAsErrors=true")]
    public async Task Warnings_as_errors_fail_the_build(string variant, string argument)
    {
        var build = await _consumer.BuildAsync(variant, argument);

        build.Failed();
        build.ReportsExactly(_consumer.ExpectedIn(DriverConsumer.Plain), "error");
    }
}
