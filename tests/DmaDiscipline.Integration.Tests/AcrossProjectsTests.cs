using DmaDiscipline.Integration.Tests.Consumers;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>A solution of several projects: the summaries a library project publishes reach the projects that reference it.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class AcrossProjectsTests(PackedPackages packages)
{
    private readonly Consumer _consumer = packages.LayeredConsumer;

    [Fact]
    public async Task A_wrapper_in_a_referenced_project_reports_DMA001_where_the_driver_passes_a_physical_address()
    {
        var build = await _consumer.BuildAsync("layered");

        build.Succeeded();
        build.ReportsExactly(_consumer.ExpectedIn(LayeredConsumer.Driver), "warning");
    }
}
