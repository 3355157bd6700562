using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>Split-ring notification suppression: VIRTQ_AVAIL_F_NO_INTERRUPT, and with EVENT_IDX used_event / avail_event.</summary>
public sealed class EventIdxTests
{
    private static int UsedInterrupts(VirtioHarness h) => h.Interrupts.Count(b => (b & VirtioInterrupt.UsedBuffer) != 0);

    private static void Flush(VirtioHarness h, int slot)
    {
        SplitRing ring = h.Split(0);
        ring.Offer(Requests.Blk(h, ring, slot, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);
    }

    [Fact]
    public void NoInterruptFlag_SuppressesNotifications_WithoutEventIdx()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        h.Split(0).SetAvailFlags(VirtqAvail.FlagNoInterrupt);

        Flush(h, 0);

        Assert.Equal(1, h.Split(0).UsedIdx);
        Assert.Equal(0, UsedInterrupts(h));
    }

    [Fact]
    public void UsedEvent_NotifiesWhenUsedIdxPassesIt()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.EventIdx);
        h.Split(0).SetUsedEvent(2); // notify when used.idx moves past 2, i.e. after the third completion
        h.Split(0).SetAvailFlags(VirtqAvail.FlagNoInterrupt); // ignored with EVENT_IDX

        var counts = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            Flush(h, 0);
            counts.Add(UsedInterrupts(h));
        }

        Assert.Equal(new[] { 0, 0, 1, 1 }, counts);
        Assert.Equal(3, h.Transport.GetQueue(0)!.InterruptsSuppressed);
    }

    [Fact]
    public void UsedEvent_CrossedByABatch_NotifiesOnce()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.EventIdx);
        SplitRing ring = h.Split(0);
        ring.SetUsedEvent(1);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
        ring.Offer(Requests.Blk(h, ring, 1, VirtioBlkReq.TypeFlush, 0, 0));
        ring.Offer(Requests.Blk(h, ring, 2, VirtioBlkReq.TypeFlush, 0, 0));

        h.Kick(0);

        Assert.Equal(3, ring.UsedIdx);
        Assert.Equal(1, UsedInterrupts(h));
    }

    [Fact]
    public void AvailEvent_IsPublishedAsTheNextIndexTheDeviceWillRead()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.EventIdx);

        Flush(h, 0);
        Flush(h, 0);

        Assert.Equal(2, h.Split(0).AvailEvent);
        Assert.Equal(2, ((SplitDeviceVirtqueue)h.Transport.GetQueue(0)!).LastAvailIdx);
    }

    [Fact]
    public void WithoutEventIdx_AvailEventIsNotWritten()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());

        Flush(h, 0);

        Assert.Equal(0, h.Split(0).AvailEvent);
    }
}
