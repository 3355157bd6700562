namespace DmaDiscipline.Runtime.Tests.Platform;

/// <summary>
/// A device drives only the address bits its hardware has (<see cref="DeviceOptions.DmaMask"/>):
/// a 32-bit device handed an address above 4 GiB reaches the truncated address, as on a real bus.
/// </summary>
public sealed class DeviceAddressingTests
{
    private static readonly DeviceId Nic = DeviceId.Parse("00:03.0");

    [Fact]
    public void ThirtyTwoBitDevice_GivenHighPhysicalAddress_WritesTheTruncatedAddress()
    {
        var machine = new Machine(new MachineOptions { IommuPresent = false, Debug = DmaDebugMode.Off });
        Device device = machine.AddDevice(Nic, new DeviceOptions { DmaMask = 0xFFFF_FFFF });
        KBuffer high = machine.Memory.Allocate(4096, MemoryPlacement.Above4G);
        ulong physical = high.PhysicalAddress.Value;

        Assert.True(device.Bus.TryWrite(new DmaAddr(physical), "lost bits"u8));

        Assert.Equal(0, high.Span[0]); // the intended buffer never saw the data
        Span<byte> low = stackalloc byte[9];
        machine.Memory.Read(new PhysAddr(physical & 0xFFFF_FFFF), low);
        Assert.True(low.SequenceEqual("lost bits"u8));
    }

    [Fact]
    public void ThirtyTwoBitDevice_CannotCrossTheFourGiBBoundary()
    {
        var machine = new Machine(new MachineOptions { IommuPresent = false, Debug = DmaDebugMode.Off });
        Device device = machine.AddDevice(Nic, new DeviceOptions { DmaMask = 0xFFFF_FFFF });

        Assert.False(device.Bus.TryWrite(new DmaAddr(0xFFFF_F800), new byte[4096]));

        IommuFault fault = Assert.Single(machine.Faults.Records);
        Assert.Equal(FaultReason.OutOfRange, fault.Reason);
    }

    [Fact]
    public void SixtyFourBitDevice_ReachesHighMemoryUnchanged()
    {
        var machine = new Machine(new MachineOptions { IommuPresent = false, Debug = DmaDebugMode.Off });
        Device device = machine.AddDevice(Nic);
        KBuffer high = machine.Memory.Allocate(4096, MemoryPlacement.Above4G);

        Assert.True(device.Bus.TryWrite(new DmaAddr(high.PhysicalAddress.Value), "intact"u8));

        Assert.True(high.Span[..6].SequenceEqual("intact"u8));
    }
}
