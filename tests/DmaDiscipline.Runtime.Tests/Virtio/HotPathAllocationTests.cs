using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>Ring processing allocates nothing per request: notify, pop, device work, push, notification decision.</summary>
public sealed class HotPathAllocationTests
{
    private const int Warmup = 2000;
    private const int Requests = 20000;

    /// <summary>One allocation per request would be at least 24 bytes × <see cref="Requests"/>; this leaves room only for one-off runtime noise.</summary>
    private const long Budget = 8 << 10;

    private static long AllocatedBy(VirtioHarness h, Action request)
    {
        for (int i = 0; i < Warmup; i++)
        {
            request(); // warm up: JIT tiers, first-touch pages, lazily created objects
        }

        h.Interrupts.Clear();
        h.Interrupts.Capacity = 4 * Requests;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Requests; i++)
        {
            request();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BlkRequests(bool packed)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.EventIdx | (packed ? VirtioFeatures.RingPacked : 0));
        Action request;
        if (packed)
        {
            PackedRing ring = h.Packed(0);
            var chain = new (ulong, uint, VirtqDescFlags)[]
            {
                (h.At(0), 16u, VirtqDescFlags.None), (h.At(512), 4096u, VirtqDescFlags.Write), (h.At(32), 1u, VirtqDescFlags.Write),
            };
            Virtio.Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeIn, 8);
            request = () =>
            {
                ring.Offer(1, chain);
                h.Kick(0);
                ring.TryTakeUsed(out _, out _);
            };
        }
        else
        {
            SplitRing ring = h.Split(0);
            ushort head = Virtio.Requests.Blk(h, ring, 0, VirtioBlkReq.TypeIn, 8, 4096);
            request = () =>
            {
                ring.Offer(head);
                h.Kick(0);
            };
        }

        long allocated = AllocatedBy(h, request);

        Assert.Empty(h.Transport.Errors);
        Assert.True(allocated < Budget, $"{allocated} bytes allocated for {Requests} requests");
    }

    [Fact]
    public void NetLoopback()
    {
        var net = new VirtioNetDevice();
        var h = new VirtioHarness(net);
        SplitRing rx = h.Split(VirtioNetConfig.ReceiveQueue);
        SplitRing tx = h.Split(VirtioNetConfig.TransmitQueue);
        rx.SetDesc(0, h.At(0), 2048, VirtqDescFlags.Write);
        tx.SetDesc(0, h.At(8192), VirtioNetHdr.Size + 1500, VirtqDescFlags.None);

        long allocated = AllocatedBy(h, () =>
        {
            rx.Offer(0);
            h.Kick(VirtioNetConfig.ReceiveQueue);
            tx.Offer(0);
            h.Kick(VirtioNetConfig.TransmitQueue);
        });

        Assert.Equal(Requests + Warmup, net.RxFrames);
        Assert.True(allocated < Budget, $"{allocated} bytes allocated for {Requests} frames");
    }
}
