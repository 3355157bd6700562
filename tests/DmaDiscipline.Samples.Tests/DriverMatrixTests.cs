using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Samples.Drivers.Disciplined;
using DmaDiscipline.Samples.Drivers.Legacy;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The runner's public hook: external drivers and catalogue rows run in the matrix, with the runner's own verdicts.</summary>
public sealed class DriverMatrixTests
{
    [Fact]
    public void An_external_driver_from_a_factory_runs_clean_where_a_disciplined_driver_must()
    {
        MatrixCell cell = DriverMatrix.RunCell("strict", ExternalDriver.Net("my-net", (device, transport) => new VirtioNetDriver(device, transport)));

        Assert.Equal(("strict", "my-net", "Ok"), (cell.Scenario, cell.Driver, cell.Expected));
        Assert.False(cell.Failed, cell.Summary);
        Assert.True(cell.AsExpected);
        Assert.True(cell.Completed > 0);
    }

    [Fact]
    public void An_external_driver_is_held_to_the_disciplined_bar_so_a_legacy_type_fails_behind_an_iommu()
    {
        MatrixCell cell = DriverMatrix.RunCell("strict", ExternalDriver.FromType("legacy-blk as external", typeof(LegacyVirtioBlkDriver)));

        Assert.Equal("Ok", cell.Expected);
        Assert.True(cell.Failed);
        Assert.False(cell.AsExpected, cell.Summary);
    }

    [Fact]
    public void Catalogue_rows_run_in_every_scenario_with_their_own_family_expectations()
    {
        IReadOnlyList<MatrixCell> cells = DriverMatrix.RunCatalog("legacy-net");

        Assert.Equal(DriverMatrix.ScenarioKeys, cells.Select(c => c.Scenario));
        Assert.All(cells, c => Assert.True(c.AsExpected, $"{c.Scenario}: {c.Summary} (expected {c.Expected})"));
        Assert.Contains(cells, c => c.Expected == "MustFail" && c.Failed);
    }

    [Fact]
    public void A_type_without_the_probe_shape_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ExternalDriver.FromType("not a driver", typeof(LegacySplitVirtqueue)));
        Assert.Throws<ArgumentException>(() => DriverMatrix.RunCatalog("no-such-driver"));
    }
}
