using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Disciplined;

namespace DmaDiscipline.Samples.Tests;

/// <summary>The disciplined drivers on their own, with the debug layer throwing at the first mistake.</summary>
public sealed class DisciplinedDriverTests
{
    private static readonly DeviceId Id = new(0, 3, 0);

    private static (Machine Machine, Device Device, VirtioMmioTransport Transport) Net(InvalidationMode invalidation = InvalidationMode.Strict)
    {
        var machine = new Machine(new MachineOptions { Debug = DmaDebugMode.Throw, Iommu = new IommuOptions { Invalidation = invalidation } });
        Device device = machine.AddDevice(Id, new DeviceOptions { Name = "virtio-net" });
        return (machine, device, new VirtioMmioTransport(device, new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Loopback })));
    }

    private static int LoopBack(VirtioNetDriver driver, int frames)
    {
        Span<byte> tx = stackalloc byte[1000];
        Span<byte> rx = stackalloc byte[driver.MaxFrameLength];
        int good = 0;
        for (int i = 0; i < frames; i++)
        {
            tx.Fill((byte)i);
            Assert.True(driver.TrySend(tx[..(64 + i)]));
            driver.Poll();
            int length = driver.Receive(rx);
            if (length == 64 + i && rx[..length].IndexOfAnyExcept((byte)i) < 0)
            {
                good++;
            }
        }

        return good;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Loopback_is_byte_exact_and_leaves_nothing_mapped(bool packed, bool pagePool)
    {
        (Machine machine, Device device, VirtioMmioTransport transport) = Net();
        using (var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { Packed = packed, PagePool = pagePool, QueueSize = 64 }))
        {
            Assert.Equal(packed, (driver.Features & VirtioFeatures.RingPacked) != 0);
            Assert.Equal(300, LoopBack(driver, 300)); // several trips around a 64-entry ring
        }

        device.UnbindDriver();
        Assert.Equal(0, machine.Debug.LiveMappings(Id));
        Assert.Empty(machine.Debug.Violations);
        Assert.Empty(machine.Faults.Records);
    }

    [Fact]
    public void The_page_pool_path_maps_nothing_per_packet()
    {
        (_, Device device, VirtioMmioTransport transport) = Net();
        using var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { PagePool = true, QueueSize = 64 });
        long maps = device.Dma.Maps;
        LoopBack(driver, 200);
        Assert.Equal(maps, device.Dma.Maps);
    }

    [Fact]
    public void The_per_packet_path_maps_every_buffer()
    {
        (_, Device device, VirtioMmioTransport transport) = Net();
        using var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueueSize = 64 });
        long maps = device.Dma.Maps;
        LoopBack(driver, 200);
        Assert.True(device.Dma.Maps - maps >= 400, $"{device.Dma.Maps - maps} maps for 200 frames");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blk_reads_back_what_it_wrote(bool packed)
    {
        var machine = new Machine(new MachineOptions { Debug = DmaDebugMode.Throw });
        Device device = machine.AddDevice(Id, new DeviceOptions { Name = "virtio-blk" });
        var transport = new VirtioMmioTransport(device, new VirtioBlkDevice(new VirtioBlkOptions { CapacitySectors = 1024 }));
        KBuffer page = machine.Memory.Allocate(4096);
        using (var driver = new VirtioBlkDriver(device, transport, new VirtioBlkDriverOptions { Packed = packed }))
        {
            Assert.Equal(1024UL, driver.CapacitySectors);
            for (int block = 0; block < 64; block++)
            {
                page.Span.Fill((byte)(block + 1));
                Assert.True(driver.Submit(write: true, (ulong)(block % 16) * 8, page, 4096, block));
                driver.Kick();
                Assert.True(driver.TryComplete(out int tag, out bool ok));
                Assert.True(ok);
                Assert.Equal(block, tag);

                page.Span.Clear();
                Assert.True(driver.Submit(write: false, (ulong)(block % 16) * 8, page, 4096, block));
                driver.Kick();
                Assert.True(driver.TryComplete(out _, out ok));
                Assert.True(ok);
                Assert.True(page.Span.IndexOfAnyExcept((byte)(block + 1)) < 0, $"block {block} read back wrong");
            }
        }

        device.UnbindDriver();
        machine.Memory.Free(page);
        Assert.Empty(machine.Debug.Violations);
        Assert.Empty(machine.Faults.Records);
    }
}
