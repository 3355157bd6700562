namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// The DMA API of a removed device refuses every call with <see cref="ObjectDisposedException"/>, in
/// every debug mode (Driver Verifier's use of a DMA adapter after it was released), and the debug
/// layer records it as DMA006.
/// </summary>
public sealed class RemovedDeviceTests
{
    public static TheoryData<string> Calls => new(CallsOn.Keys);

    private static readonly Dictionary<string, Action<DmaApi, KBuffer>> CallsOn = new()
    {
        [nameof(DmaApi.MapSingle)] = (dma, buffer) => dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice),
        [nameof(DmaApi.UnmapSingle)] = (dma, _) => dma.UnmapSingle(new DmaAddr(0x1000), 64, DmaDirection.ToDevice),
        [nameof(DmaApi.MappingError)] = (dma, _) => dma.MappingError(new DmaAddr(0x1000)),
        [nameof(DmaApi.SyncForCpu)] = (dma, _) => dma.SyncForCpu(new DmaAddr(0x1000), 64, DmaDirection.FromDevice),
        [nameof(DmaApi.SyncForDevice)] = (dma, _) => dma.SyncForDevice(new DmaAddr(0x1000), 64, DmaDirection.FromDevice),
        [nameof(DmaApi.MapSg)] = (dma, buffer) => dma.MapSg(ListOf(buffer), DmaDirection.ToDevice),
        [nameof(DmaApi.UnmapSg)] = (dma, buffer) => dma.UnmapSg(ListOf(buffer), DmaDirection.ToDevice),
        [nameof(DmaApi.SyncSgForCpu)] = (dma, buffer) => dma.SyncSgForCpu(ListOf(buffer), DmaDirection.ToDevice),
        [nameof(DmaApi.SyncSgForDevice)] = (dma, buffer) => dma.SyncSgForDevice(ListOf(buffer), DmaDirection.ToDevice),
        [nameof(DmaApi.AllocCoherent)] = (dma, _) => dma.AllocCoherent(64),
        [nameof(DmaApi.TryAllocCoherent)] = (dma, _) => dma.TryAllocCoherent(64, out CoherentBuffer? _),
        [nameof(DmaApi.SetMaskAndCoherent)] = (dma, _) => dma.SetMaskAndCoherent(uint.MaxValue),
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void EveryCall_AfterRemoval_ThrowsObjectDisposed_AndIsReportedAsDMA006(string call)
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[256]);
        DmaApi dma = nic.Dma;
        machine.RemoveDevice(nic);

        var error = Assert.Throws<ObjectDisposedException>(() => CallsOn[call](dma, buffer));

        Assert.Contains("removed", error.Message);
        DmaViolation violation = Assert.Single(machine.Debug.Violations);
        Assert.Equal(RuleIds.UseAfterUnmap, violation.RuleId);
        Assert.Equal(Machines.Nic, violation.Device);
        Assert.Contains("removed", violation.Message);
    }

    [Fact]
    public void FreeCoherent_OfABufferAllocatedBeforeRemoval_IsRefusedToo()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        CoherentBuffer ring = nic.Dma.AllocCoherent(64);
        machine.RemoveDevice(nic);
        machine.Debug.ClearViolations();

        Assert.Throws<ObjectDisposedException>(() => nic.Dma.FreeCoherent(ring));

        Assert.Equal(RuleIds.UseAfterUnmap, Assert.Single(machine.Debug.Violations).RuleId);
    }

    [Theory]
    [InlineData(DmaDebugMode.Off)]
    [InlineData(DmaDebugMode.Throw)]
    public void TheSameExceptionIsThrown_WithDebuggingOff_AndInThrowMode(DmaDebugMode mode)
    {
        Machine machine = Machines.With(debug: mode);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[256]);
        machine.RemoveDevice(nic);

        Assert.Throws<ObjectDisposedException>(() => nic.Dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice));

        Assert.Equal(mode == DmaDebugMode.Off ? 0 : 1, machine.Debug.Violations.Count);
    }

    [Fact]
    public void ADeviceReAddedUnderTheSameId_HasAWorkingDmaApi()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device nic = machine.AddDevice(Machines.Nic);
        machine.RemoveDevice(nic);
        KBuffer buffer = machine.Buffer(new byte[256]);

        Device replugged = machine.AddDevice(Machines.Nic);
        DmaAddr address = replugged.MapChecked(buffer, 0, 64, DmaDirection.ToDevice);
        replugged.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);

        Assert.Empty(machine.Debug.Violations);
    }

    private static ScatterList ListOf(KBuffer buffer)
    {
        var list = new ScatterList(1);
        list.Add(buffer, 0, 64);
        return list;
    }
}
