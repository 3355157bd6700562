namespace DmaDiscipline.Runtime.Tests.Iommu;

/// <summary>
/// A faulting transaction is recorded (device, address, read/write, reason) and blocked as a whole:
/// a faulting write changes no byte, a faulting read returns no memory content, and the device model
/// sees false.
/// </summary>
public sealed class FaultTests
{
    private const int Page = PhysicalMemory.PageSize;

    [Fact]
    public void FaultingWrite_ChangesNoByte_EvenWhenOnlyItsLastPageIsUnmapped()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[2 * Page]);
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.FromDevice); // only the first page

        bool wrote = nic.Bus.TryWrite(new DmaAddr(address.Value + Page - 4), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });

        Assert.False(wrote);
        Assert.All(buffer.Span.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0, nic.Bus.BytesWritten);
        IommuFault fault = Assert.Single(machine.Faults.Records);
        Assert.Equal(address.Value + Page, fault.Address.Value); // the page that failed
    }

    [Fact]
    public void FaultingRead_ReturnsNoMemoryContent()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(2 * Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);
        var destination = Enumerable.Repeat((byte)0xFF, 16).ToArray();

        bool read = nic.Bus.TryRead(new DmaAddr(address.Value + Page - 8), destination);

        Assert.False(read);
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Equal(0, nic.Bus.BytesRead);
        Assert.Equal(1, nic.Bus.Faults);
    }

    [Fact]
    public void FaultRecord_NamesDeviceAddressAccessAndReason_NotPresent()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);

        nic.Bus.TryWrite(new DmaAddr(0xDEAD_B000), new byte[4]);

        IommuFault fault = Assert.Single(machine.Faults.Records);
        Assert.Equal(Machines.Nic, fault.Device);
        Assert.Equal(0xDEAD_B000UL, fault.Address.Value);
        Assert.Equal(DmaAccess.Write, fault.Access);
        Assert.Equal(FaultReason.NotPresent, fault.Reason);
        Assert.Equal(1, fault.Sequence);
        Assert.Contains("00:03.0", fault.ToString());
    }

    [Fact]
    public void DeviceWritingAReadOnlyMapping_FaultsWithPermission_AndTheBufferKeepsItsBytes()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.ToDevice);

        Assert.False(nic.Bus.TryWrite(address, new byte[16]));

        IommuFault fault = Assert.Single(machine.Faults.Records);
        Assert.Equal(FaultReason.Permission, fault.Reason);
        Assert.Equal(DmaAccess.Write, fault.Access);
        Assert.Equal(Machines.Pattern(Page, 1), buffer.Span.ToArray());
    }

    [Fact]
    public void DeviceReadingAWriteOnlyMapping_FaultsWithPermission()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 1));
        DmaAddr address = nic.MapChecked(buffer, 0, Page, DmaDirection.FromDevice);

        Assert.Null(nic.DeviceRead(address, 16));
        Assert.Equal((DmaAccess.Read, FaultReason.Permission), (machine.Faults.Records[0].Access, machine.Faults.Records[0].Reason));
    }

    [Fact]
    public void DeviceBehindTheIommuWithNoDomainAttached_IsBlocked()
    {
        Machine machine = Machines.With(DomainKind.Identity);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Buffer(new byte[Page]);
        machine.Iommu!.Detach(Machines.Nic);

        Assert.False(nic.Bus.TryWrite(new DmaAddr(buffer.PhysicalAddress.Value), new byte[] { 1 }));

        Assert.Equal(FaultReason.Blocked, Assert.Single(machine.Faults.Records).Reason);
        Assert.Equal(0, buffer.Span[0]);
    }

    [Fact]
    public void AccessBeyondPhysicalMemory_IsOutOfRange_EvenInPassthrough()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.Null(nic.DeviceRead(new DmaAddr(machine.Memory.Size), 4));
        Assert.Equal(FaultReason.OutOfRange, Assert.Single(machine.Faults.Records).Reason);
    }

    [Fact]
    public void AccessThatWrapsAroundTheAddressSpace_Faults()
    {
        Machine machine = Machines.WithoutIommu();
        Device nic = machine.AddDevice(Machines.Nic);

        Assert.False(nic.Bus.TryWrite(new DmaAddr(ulong.MaxValue - 3), new byte[8]));
        Assert.Equal(0, machine.Memory.BackedPages - machine.Swiotlb!.Size / Page);
    }

    [Fact]
    public void FaultLog_KeepsItsCapacity_AndCountsTheOverflow()
    {
        var machine = new Machine(new MachineOptions { FaultLogCapacity = 3, Debug = DmaDebugMode.Off });
        Device nic = machine.AddDevice(Machines.Nic);

        for (int i = 0; i < 5; i++)
        {
            nic.DeviceRead(new DmaAddr(0x1000UL * (ulong)(i + 1)), 1);
        }

        Assert.Equal(3, machine.Faults.Records.Count);
        Assert.Equal(5, machine.Faults.Count);
        Assert.Equal(2, machine.Faults.Overflowed);
        Assert.Equal(0x1000UL, machine.Faults.Records[0].Address.Value); // oldest first

        machine.Faults.Clear();
        Assert.Equal(0, machine.Faults.Count);
    }

    [Fact]
    public void FaultLog_FiltersByDevice_AndNotifiesListeners()
    {
        Machine machine = Machines.With();
        Device nic = machine.AddDevice(Machines.Nic);
        Device disk = machine.AddDevice(Machines.Disk);
        var heard = new List<IommuFault>();
        machine.Faults.FaultRaised += heard.Add;

        nic.DeviceRead(new DmaAddr(0x1000), 1);
        disk.DeviceRead(new DmaAddr(0x2000), 1);
        disk.DeviceRead(new DmaAddr(0x3000), 1);

        Assert.Single(machine.Faults.For(Machines.Nic));
        Assert.Equal(2, machine.Faults.For(Machines.Disk).Count());
        Assert.Equal(machine.Faults.Records, heard);
    }
}
