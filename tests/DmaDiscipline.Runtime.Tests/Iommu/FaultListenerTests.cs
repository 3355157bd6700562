namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>
/// A strict unmap waits for the device transactions in flight in its domain (VT-d's drain). A
/// faulting transaction moves no bytes, so it stops counting before its fault is recorded: a
/// <see cref="FaultLog.FaultRaised"/> listener can unmap in the same domain (a driver's fault handler
/// tearing down the mapping) or throw, and no strict unmap is ever left waiting on it. Each unmap runs
/// on its own task with a generous bound, so a regression fails the test instead of hanging the run.
/// </summary>
public sealed class FaultListenerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AListenerThatThrows_LeavesNoTransactionInFlight_ForALaterStrictUnmapToWaitOn()
    {
        Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);
        DmaAddr address = nic.MapChecked(machine.Memory.Allocate(PhysicalMemory.PageSize), 0, 64, DmaDirection.ToDevice);
        void Throwing(IommuFault fault) => throw new InvalidOperationException("listener failed");
        machine.Faults.FaultRaised += Throwing;

        Assert.Throws<InvalidOperationException>(() => nic.DeviceRead(new DmaAddr(address.Value + 0x10_0000), 8)); // not mapped: a fault
        machine.Faults.FaultRaised -= Throwing;

        // A TimeoutException: the strict unmap waited for a transaction that had faulted.
        await Task.Run(() => nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice)).WaitAsync(Bound);
        Assert.Equal(0, nic.Domain!.PresentPages);
    }

    [Fact]
    public async Task AListenerThatUnmapsStrictlyInTheSameDomain_DoesNotWaitForTheFaultingTransaction()
    {
        Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);
        DmaAddr address = nic.MapChecked(machine.Memory.Allocate(PhysicalMemory.PageSize), 0, 64, DmaDirection.ToDevice);
        machine.Faults.FaultRaised += _ => nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);

        // A TimeoutException: the listener's strict unmap waited for the transaction that called it.
        byte[]? read = await Task.Run(() => nic.DeviceRead(new DmaAddr(address.Value + 0x10_0000), 8)).WaitAsync(Bound);

        Assert.Null(read);
        Assert.Equal(0, nic.Domain!.PresentPages);
    }
}
