using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Samples.Drivers.Disciplined;
using DmaDiscipline.Samples.Drivers.Legacy;
using DmaDiscipline.Runtime.Virtio.Net;

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

    [Fact]
    public void A_driver_that_throws_an_unexpected_exception_fails_its_cell_by_name_and_the_run_goes_on()
    {
        var driver = ExternalDriver.Net("throws-in-receive", (device, transport) => new Faulty(new VirtioNetDriver(device, transport), throwInReceive: true));

        IReadOnlyList<MatrixCell> cells = DriverMatrix.Run(driver);

        Assert.Equal(DriverMatrix.ScenarioKeys.Count, cells.Count);
        MatrixCell strict = cells.Single(c => c.Scenario == "strict");
        Assert.True(strict.Failed);
        Assert.False(strict.AsExpected);
        Assert.Contains("NotSupportedException: injected receive bug", strict.Error);
    }

    [Fact]
    public void A_driver_whose_teardown_throws_fails_its_cell_with_the_teardown_named()
    {
        MatrixCell cell = DriverMatrix.RunCell("strict", ExternalDriver.Net("throws-in-dispose", (device, transport) => new Faulty(new VirtioNetDriver(device, transport), throwInReceive: false)));

        Assert.True(cell.Failed);
        Assert.Contains("driver teardown failed: NotSupportedException: injected teardown bug", cell.Error);
    }

    /// <summary>A correct driver with one injected bug: its receive path, or its Dispose, throws.</summary>
    private sealed class Faulty(VirtioNetDriver inner, bool throwInReceive) : INetDriver
    {
        public int MaxFrameLength => inner.MaxFrameLength;

        public bool TrySend(ReadOnlySpan<byte> frame) => inner.TrySend(frame);

        public int Receive(Span<byte> frame) => throwInReceive ? throw new NotSupportedException("injected receive bug") : inner.Receive(frame);

        public void Poll() => inner.Poll();

        public void Dispose()
        {
            inner.Dispose();
            if (!throwInReceive)
            {
                throw new NotSupportedException("injected teardown bug");
            }
        }
    }
}
