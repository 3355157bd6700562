using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio.Multiqueue;

/// <summary>virtio-blk with VIRTIO_BLK_F_MQ: <c>num_queues</c>, queues that exist only with MQ, and request queues driven from several threads at once.</summary>
public sealed class MultiqueueBlkTests
{
    private const int Queues = 4;
    private const ulong BlkMq = VirtioHarness.Modern | VirtioBlkFeatures.Mq;

    [Fact]
    public void MqDevice_OffersMq_AndReportsNumQueues()
    {
        var blk = new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = Queues });
        var h = new VirtioHarness(blk, features: BlkMq);
        var config = new byte[VirtioBlkConfig.Size];

        h.Transport.ReadConfig(0, config);

        Assert.NotEqual(0UL, h.Transport.DeviceFeatures & VirtioBlkFeatures.Mq);
        Assert.Equal(Queues, BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(VirtioBlkConfig.NumQueuesOffset)));
        Assert.Equal(Queues, h.Transport.QueueCount);
        Assert.Equal(0UL, new VirtioBlkDevice().DeviceFeatures & VirtioBlkFeatures.Mq);
    }

    [Fact]
    public void WithoutMq_OnlyRequestq1Exists()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = Queues }), start: false);
        Assert.True(h.Negotiate(VirtioHarness.Modern));
        MultiqueueRig.SetupQueue(h, 0);

        MultiqueueRig.SetupQueue(h, 1);

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.QueueConfig, h.LastError.Kind);
        Assert.Contains("without VIRTIO_BLK_F_MQ", h.LastError.Message);
    }

    [Fact]
    public void QueuesOnTheirOwnThreads_WriteAndReadBackTheirOwnSectors()
    {
        const int rounds = 600;
        var blk = new VirtioBlkDevice(new VirtioBlkOptions { NumQueues = Queues });
        var h = new VirtioHarness(blk, features: BlkMq, queueSize: 16, dataSize: Queues * Requests.SlotSize);

        List<string> problems = MultiqueueRig.OnThreads(Queues, queue =>
        {
            var found = new List<string>();
            SplitRing ring = h.Split(queue);
            ushort used = 0;
            for (int i = 0; i < rounds && found.Count < 5; i++)
            {
                ulong sector = (ulong)((queue * 1024) + ((i % 64) * 8)); // each queue its own 1024 sectors
                byte seed = (byte)((queue * 50) + i);
                Requests.Data(h, queue, 4096).Fill(seed);
                ushort head = Requests.Blk(h, ring, queue, VirtioBlkReq.TypeOut, sector, 4096, dataWritable: false);
                Submit(head);
                Requests.Data(h, queue, 4096).Clear();
                head = Requests.Blk(h, ring, queue, VirtioBlkReq.TypeIn, sector, 4096);
                Submit(head);
                if (Requests.Data(h, queue, 4096).IndexOfAnyExcept(seed) >= 0)
                {
                    found.Add($"queue {queue} round {i}: sector {sector} read back other bytes than written");
                }
            }

            return found;

            void Submit(ushort head)
            {
                ring.Offer(head);
                h.Kick(queue);
                used++;
                if (ring.UsedIdx != used || ring.Used(used - 1).Id != head || Requests.Status(h, queue) != VirtioBlkReq.StatusOk)
                {
                    found.Add($"queue {queue}: used.idx {ring.UsedIdx} (expected {used}), status {Requests.Status(h, queue)}");
                }
            }
        });

        Assert.Empty(problems);
        Assert.Empty(h.Transport.Errors);
        Assert.Equal(2 * Queues * rounds, blk.Completed);
        Assert.Equal(Queues * rounds * 8, blk.SectorsWritten);
    }
}
