namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// A per-device filter (dma-debug's <c>driver_filter</c>): only the chosen devices' violations are
/// reported, while every device stays tracked. A configurable mapping-site stack depth: the report
/// shows that many frames of the driver's stack where the mapping was made.
/// </summary>
public sealed class FilterAndStackDepthTests
{
    [Fact]
    public void Filter_ReportsOnlyTheChosenDevices_AndCountsTheRest()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        machine.Debug.SetDeviceFilter([Machines.Disk]);

        nic.Dma.UnmapSingle(new DmaAddr(0x7000), 64, DmaDirection.ToDevice);
        disk.Dma.UnmapSingle(new DmaAddr(0x7000), 64, DmaDirection.ToDevice);

        Assert.Equal(Machines.Disk, Assert.Single(machine.Debug.Violations).Device);
        Assert.Equal(1, machine.Debug.Filtered);
        Assert.Contains("outside the filter", machine.Debug.Report());
    }

    [Fact]
    public void Filter_InThrowMode_AFilteredDevicesViolationDoesNotThrow()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Throw);
        Device nic = machine.AddDevice(Machines.Nic);
        machine.Debug.SetDeviceFilter([Machines.Disk]);

        nic.Dma.UnmapSingle(new DmaAddr(0x7000), 64, DmaDirection.ToDevice);

        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void Filter_KeepsTrackingEveryDevice_SoWideningItLaterReportsNothingFalse()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[256]);
        machine.Debug.SetDeviceFilter([Machines.Disk]);
        DmaAddr address = nic.MapChecked(buffer, 0, 64, DmaDirection.ToDevice);

        machine.Debug.SetDeviceFilter(null);
        nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);

        Assert.Empty(machine.Debug.Violations);
        Assert.Null(machine.Debug.DeviceFilter);
    }

    [Fact]
    public void Filter_ThatNamesNoDevice_IsRefused()
    {
        var debug = new DmaDebug(DmaDebugMode.Collect);

        Assert.Throws<ArgumentException>(() => debug.SetDeviceFilter([]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(DmaDebug.MaxStackDepth + 1)]
    public void StackDepth_OutOfRange_IsRefused(int depth)
    {
        var debug = new DmaDebug(DmaDebugMode.Collect);

        Assert.Throws<ArgumentOutOfRangeException>(() => debug.StackDepth = depth);
        Assert.Equal(1, debug.StackDepth);
    }

    [Fact]
    public void StackDepth_One_ShowsTheCallingMethodOnly()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);

        DriverProbe(nic, machine.Buffer(new byte[256]));
        nic.UnbindDriver();

        string site = Assert.Single(machine.Debug.Violations).MappedAt!;
        Assert.EndsWith($"{nameof(FilterAndStackDepthTests)}.{nameof(DriverMap)}", site);
        Assert.DoesNotContain("<-", site);
    }

    [Fact]
    public void StackDepth_Three_ShowsThreeFramesOfTheMappingSite_InnermostFirst()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        machine.Debug.StackDepth = 3;

        DriverProbe(nic, machine.Buffer(new byte[256]));
        nic.UnbindDriver();

        string[] frames = Assert.Single(machine.Debug.Violations).MappedAt!.Split(" <- ");
        Assert.Equal(3, frames.Length);
        Assert.EndsWith(nameof(DriverMap), frames[0]);
        Assert.EndsWith(nameof(DriverFill), frames[1]);
        Assert.EndsWith(nameof(DriverProbe), frames[2]);
    }

    // A driver's call chain; not inlined, so the frames exist in Release builds.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DriverProbe(Device device, KBuffer buffer) => DriverFill(device, buffer);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DriverFill(Device device, KBuffer buffer) => DriverMap(device, buffer);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DriverMap(Device device, KBuffer buffer) =>
        device.Dma.MappingError(device.Dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice));
}
