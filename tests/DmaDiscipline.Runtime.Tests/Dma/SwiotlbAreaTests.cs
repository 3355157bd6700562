using DmaDiscipline.Runtime.Tests.Concurrency;

namespace DmaDiscipline.Runtime.Tests.Dma;

/// <summary>
/// The bounce pool is cut into areas with a lock each (Linux's swiotlb areas): a thread bounces in
/// one area while it has room, so two queues on two cores do not meet; a mapping larger than an
/// area, or one that fits in no area any more, still finds a run across the whole pool.
/// </summary>
public sealed class SwiotlbAreaTests
{
    private const int Slot = Swiotlb.SlotSize;
    private const int AreaBytes = 128 * Slot; // a 4 MiB pool: 16 areas of 128 slots

    [Fact]
    public void APool_IsCutIntoAreasOfAtLeast128Slots()
    {
        Assert.Equal(16, Machines.WithoutIommu(bouncePool: 4 << 20).Swiotlb!.Areas);
        Assert.Equal(2, Machines.WithoutIommu(bouncePool: 512 << 10).Swiotlb!.Areas);
        Assert.Equal(1, Machines.WithoutIommu(bouncePool: 256 << 10).Swiotlb!.Areas);
    }

    [Fact]
    public void EachThread_BouncesWithinOneArea_WhileItHasRoom()
    {
        Machine machine = Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        var areas = new HashSet<ulong>[2];

        Threads.Run(2, t =>
        {
            areas[t] = new HashSet<ulong>();
            KBuffer buffer = machine.Buffer(Machines.Pattern(1500, (byte)t));
            for (int i = 0; i < 2_000; i++)
            {
                DmaAddr address = nic.MapChecked(buffer, 0, 1500, DmaDirection.ToDevice);
                areas[t].Add((address.Value - machine.Swiotlb!.Base.Value) / AreaBytes);
                Assert.Equal(Machines.Pattern(1500, (byte)t), nic.DeviceRead(address, 1500));
                nic.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
            }
        });

        Assert.Single(areas[0]);
        Assert.Single(areas[1]);
        Assert.Equal(2048, machine.Swiotlb!.SlotsFree);
    }

    [Fact]
    public void AMappingLargerThanAnArea_SpansAreas_AndSyncsAndUnmapsAnywhereInIt()
    {
        Machine machine = Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        int length = AreaBytes + (40 * Slot); // ends 40 slots into a second area
        KBuffer buffer = machine.Buffer(Machines.Pattern(length, 9));

        DmaAddr address = nic.MapChecked(buffer, 0, length, DmaDirection.Bidirectional);
        Assert.Equal(2048 - (length / Slot), machine.Swiotlb!.SlotsFree);

        // The device writes near the end (in the second area); a sync there walks back into the first.
        int at = length - 100;
        Assert.True(nic.Bus.TryWrite(new DmaAddr(address.Value + (ulong)at), new byte[] { 0xAB }));
        nic.Dma.SyncForCpu(new DmaAddr(address.Value + (ulong)at), 1, DmaDirection.Bidirectional);
        Assert.Equal(0xAB, buffer.Span[at]);

        nic.Dma.UnmapSingle(address, length, DmaDirection.Bidirectional);
        Assert.Equal(2048, machine.Swiotlb.SlotsFree);
    }

    [Fact]
    public void WhenNoAreaHasARun_OneAcrossTwoAreasIsFound()
    {
        Machine machine = Confidential();
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer page = machine.Buffer(new byte[Slot]);
        var held = new List<DmaAddr>();
        while (machine.Swiotlb!.SlotsFree > 0)
        {
            held.Add(nic.MapChecked(page, 0, Slot, DmaDirection.ToDevice));
        }

        // Free the last 8 slots of every area and the first 8 of every area but the first: the only
        // 16-slot runs straddle two areas.
        ulong pool = machine.Swiotlb.Base.Value;
        foreach (DmaAddr address in held.ToList())
        {
            int slotInArea = (int)((address.Value - pool) / Slot) % 128;
            bool firstArea = address.Value - pool < AreaBytes;
            if (slotInArea >= 120 || (slotInArea < 8 && !firstArea))
            {
                nic.Dma.UnmapSingle(address, Slot, DmaDirection.ToDevice);
                held.Remove(address);
            }
        }

        KBuffer large = machine.Buffer(Machines.Pattern(16 * Slot, 3));
        DmaAddr straddling = nic.MapChecked(large, 0, 16 * Slot, DmaDirection.ToDevice);

        Assert.Equal(120, (int)((straddling.Value - pool) / Slot) % 128);
        Assert.Equal(Machines.Pattern(16 * Slot, 3), nic.DeviceRead(straddling, 16 * Slot));
        nic.Dma.UnmapSingle(straddling, 16 * Slot, DmaDirection.ToDevice);
        Assert.Equal(0, machine.Swiotlb.Exhaustions);
    }

    private static Machine Confidential() => Machines.Confidential(bouncePool: 4 << 20);
}
