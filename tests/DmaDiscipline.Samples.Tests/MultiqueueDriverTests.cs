using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Disciplined;

namespace DmaDiscipline.Samples.Tests;

/// <summary>
/// The disciplined drivers with several queues: MQ negotiated when offered, one queue pair (or
/// request queue) per thread with its own mappings, all threads at once, the debug layer throwing
/// at the first mistake.
/// </summary>
public sealed class MultiqueueDriverTests
{
    private static readonly DeviceId Id = new(0, 3, 0);

    private static (Machine Machine, Device Device, VirtioMmioTransport Transport) Machine(VirtioDeviceModel model, InvalidationMode invalidation = InvalidationMode.Strict)
    {
        var machine = new Machine(new MachineOptions { Debug = DmaDebugMode.Throw, Iommu = new IommuOptions { Invalidation = invalidation } });
        Device device = machine.AddDevice(Id, new DeviceOptions { Name = model.Name });
        return (machine, device, new VirtioMmioTransport(device, model));
    }

    private static void OnThreads(int count, Action<int> work)
    {
        var failures = new Exception?[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                work(i);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(failures, f => Assert.Null(f));
    }

    /// <summary>Loops frames naming the pair through one queue pair; returns how many came back intact on it.</summary>
    private static int LoopBack(INetQueue pair, int id, int frames)
    {
        Span<byte> tx = stackalloc byte[1200];
        Span<byte> rx = stackalloc byte[pair.MaxFrameLength];
        int good = 0;
        for (int i = 0; i < frames; i++)
        {
            byte mark = (byte)((id * 64) + (i % 64));
            tx.Fill(mark);
            Assert.True(pair.TrySend(tx[..(64 + (i % 1000))]));
            pair.Poll();
            int length = pair.Receive(rx);
            if (length == 64 + (i % 1000) && rx[..length].IndexOfAnyExcept(mark) < 0)
            {
                good++;
            }
        }

        return good;
    }

    [Theory]
    [InlineData(false, false, InvalidationMode.Strict)]
    [InlineData(true, false, InvalidationMode.Lazy)]
    [InlineData(false, true, InvalidationMode.Strict)]
    public void Net_TwoPairsOnTwoThreads_LoopBackByteExact_AndLeaveNothingMapped(bool packed, bool pagePool, InvalidationMode invalidation)
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 4 });
        (Machine machine, Device device, VirtioMmioTransport transport) = Machine(net, invalidation);
        var good = new int[2];
        using (var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueuePairs = 2, Packed = packed, PagePool = pagePool, QueueSize = 64 }))
        {
            Assert.NotEqual(0UL, driver.Features & VirtioNetFeatures.Mq);
            Assert.Equal(2, driver.QueuePairs);
            Assert.Equal(2, net.ActiveQueuePairs);

            OnThreads(2, pair => good[pair] = LoopBack(driver.QueuePair(pair), pair, 400));

            Assert.Equal(0, driver.RxErrors + driver.TxDropped);
        }

        Assert.Equal([400, 400], good);
        Assert.Equal(800, net.RxFrames);
        Assert.Empty(transport.Errors);
        device.UnbindDriver();
        Assert.Equal(0, machine.Debug.LiveMappings(Id));
        Assert.Empty(machine.Debug.Violations);
        Assert.Empty(machine.Faults.Records);
    }

    [Fact]
    public void Net_AsksForMorePairsThanTheDeviceHas_GetsMaxVirtqueuePairs()
    {
        (_, Device device, VirtioMmioTransport transport) = Machine(new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 2 }));

        using var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueuePairs = 8 });

        Assert.Equal(2, driver.QueuePairs);
        Assert.Throws<ArgumentOutOfRangeException>(() => driver.QueuePair(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => driver.QueuePair(-1));
    }

    [Fact]
    public void Net_OnADeviceWithoutMq_RunsOnePair_AndNegotiatesNoControlQueue()
    {
        (Machine machine, Device device, VirtioMmioTransport transport) = Machine(new VirtioNetDevice());

        using (var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueuePairs = 2 }))
        {
            Assert.Equal(1, driver.QueuePairs);
            Assert.Equal(0UL, driver.Features & (VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq));
            Assert.Equal(100, LoopBack(driver, 0, 100));
        }

        device.UnbindDriver();
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void Net_SinglePairOptions_OnAnMqDevice_NegotiateNoMq()
    {
        (_, Device device, VirtioMmioTransport transport) = Machine(new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 4 }));

        using var driver = new VirtioNetDriver(device, transport);

        Assert.Equal(1, driver.QueuePairs);
        Assert.Equal(0UL, driver.Features & VirtioNetFeatures.Mq);
    }

    [Fact]
    public void Net_NoQueuePairs_IsRefused()
    {
        (_, Device device, VirtioMmioTransport transport) = Machine(new VirtioNetDevice());

        Assert.Throws<ArgumentOutOfRangeException>(() => new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueuePairs = 0 }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blk_TwoQueuesOnTwoThreads_WriteAndReadBackTheirOwnBlocks(bool packed)
    {
        var disk = new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = 2 });
        (Machine machine, Device device, VirtioMmioTransport transport) = Machine(disk);
        var pages = new List<KBuffer>();
        using (var driver = new VirtioBlkDriver(device, transport, new VirtioBlkDriverOptions { Queues = 2, Packed = packed }))
        {
            Assert.NotEqual(0UL, driver.Features & VirtioBlkFeatures.Mq);
            Assert.Equal(2, driver.RequestQueues);
            KBuffer[] data = [machine.Memory.Allocate(4096), machine.Memory.Allocate(4096)];
            pages.AddRange(data);

            OnThreads(2, q =>
            {
                IBlkQueue queue = driver.RequestQueue(q);
                for (int i = 0; i < 150; i++)
                {
                    ulong sector = (ulong)((q * 4096) + ((i % 32) * 8));
                    byte mark = (byte)((q * 100) + i);
                    data[q].Span.Fill(mark);
                    Complete(queue, write: true, sector, data[q]);
                    data[q].Span.Clear();
                    Complete(queue, write: false, sector, data[q]);
                    Assert.True(data[q].Span.IndexOfAnyExcept(mark) < 0, $"queue {q} round {i}: read back other bytes");
                }
            });

            Assert.Throws<ArgumentOutOfRangeException>(() => driver.RequestQueue(2));
        }

        pages.ForEach(machine.Memory.Free);
        Assert.Equal(600, disk.Completed);
        device.UnbindDriver();
        Assert.Equal(0, machine.Debug.LiveMappings(Id));
        Assert.Empty(machine.Debug.Violations);
        Assert.Empty(machine.Faults.Records);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Net_PollingPairs_AskForNoUsedBufferNotifications_SoTheirRunsLeaveTheSharedInterruptStatusAlone(bool packed, bool eventIdx)
    {
        // Two pairs on two threads write one device-wide InterruptStatus if the device raises it; a
        // polling driver turns notifications off (virtqueue_disable_cb). With EVENT_IDX on a split ring
        // that is a used_event of 0, which the device passes once, at each queue's first buffer.
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 2 });
        var machine = new Machine(new MachineOptions { Debug = DmaDebugMode.Throw });
        Device device = machine.AddDevice(Id, new DeviceOptions { Name = net.Name });
        var transport = new VirtioMmioTransport(device, net, new VirtioTransportOptions { OfferEventIdx = eventIdx });
        using var driver = new VirtioNetDriver(device, transport, new VirtioNetDriverOptions { QueuePairs = 2, Packed = packed, QueueSize = 64 });
        Assert.Equal(eventIdx, (driver.Features & VirtioFeatures.EventIdx) != 0);
        long before = transport.UsedBufferInterrupts;

        OnThreads(2, pair => Assert.Equal(300, LoopBack(driver.QueuePair(pair), pair, 300)));

        Assert.InRange(transport.UsedBufferInterrupts - before, 0, packed || !eventIdx ? 0 : 4);
        Assert.Equal(VirtioInterrupt.None, transport.InterruptStatus & VirtioInterrupt.UsedBuffer);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Blk_PollingQueues_AskForNoUsedBufferNotifications(bool packed)
    {
        var disk = new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = 2 });
        (Machine machine, Device device, VirtioMmioTransport transport) = Machine(disk);
        using var driver = new VirtioBlkDriver(device, transport, new VirtioBlkDriverOptions { Queues = 2, Packed = packed });
        KBuffer data = machine.Memory.Allocate(4096);
        long before = transport.UsedBufferInterrupts;

        for (int i = 0; i < 200; i++)
        {
            Complete(driver.RequestQueue(i % 2), write: i % 4 < 2, (ulong)(i % 16) * 8, data);
        }

        Assert.InRange(transport.UsedBufferInterrupts - before, 0, packed ? 0 : 2);
    }

    private static void Complete(IBlkQueue queue, bool write, ulong sector, KBuffer data)
    {
        Assert.True(queue.Submit(write, sector, data, 4096, tag: 7));
        queue.Kick();
        Assert.True(queue.TryComplete(out int tag, out bool ok));
        Assert.Equal(7, tag);
        Assert.True(ok);
    }
}
