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

    [Fact]
    public async Task DmaDisciplinePublishSummaries_false_publishes_nothing_so_the_driver_sees_no_wrapper()
    {
        // The property on the whole build: the library publishes no summary, and the driver project, which has
        // no symbols file, no longer knows that SetDescriptor reaches a descriptor field.
        var build = await _consumer.BuildAsync("unpublished", "-p:DmaDisciplinePublishSummaries=false");

        build.Succeeded();
        build.ReportsExactly([], "warning");
    }
}
