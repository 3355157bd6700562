using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>Packed virtqueues: wrap counters, chains, indirect tables, event suppression and malformed rings.</summary>
public sealed class PackedRingTests
{
    private const ulong Packed = VirtioHarness.Modern | VirtioFeatures.RingPacked;

    private static (VirtioHarness H, PackedRing Ring, VirtioBlkDevice Blk) Blk(int size = 4, ulong extra = 0)
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, features: Packed | extra, queueSize: size);
        return (h, h.Packed(0), blk);
    }

    private static (ulong, uint, VirtqDescFlags)[] BlkChain(VirtioHarness h, int slot, uint type, ulong sector, int dataLength)
    {
        Requests.WriteBlkHeader(h, slot, type, sector);
        h.Data.Span[Requests.Slot(slot) + Requests.StatusAt] = 0xFF;
        var header = (h.At(Requests.Slot(slot) + Requests.HeaderAt), (uint)VirtioBlkReq.HeaderSize, VirtqDescFlags.None);
        var status = (h.At(Requests.Slot(slot) + Requests.StatusAt), 1u, VirtqDescFlags.Write);
        if (dataLength == 0)
        {
            return new[] { header, status };
        }

        VirtqDescFlags data = type == VirtioBlkReq.TypeOut ? VirtqDescFlags.None : VirtqDescFlags.Write;
        return new[] { header, (h.At(Requests.Slot(slot) + Requests.DataAt), (uint)dataLength, data), status };
    }

    [Fact]
    public void Requests_WrapTheRing_ManyTimes_UsedDescriptorsCarryIdAndWrapBits()
    {
        (VirtioHarness h, PackedRing ring, VirtioBlkDevice blk) = Blk(size: 5); // 3-descriptor chains on a 5-slot ring cross the end
        for (int i = 0; i < 40; i++)
        {
            Machines.Pattern(512, (byte)i).CopyTo(Requests.Data(h, 0, 512));
            ring.Offer((ushort)(i % 5), BlkChain(h, 0, VirtioBlkReq.TypeOut, (ulong)i, 512));
            h.Kick(0);

            Assert.True(ring.TryTakeUsed(out ushort id, out uint len), $"request {i} not used");
            Assert.Equal((ushort)(i % 5), id);
            Assert.Equal(1u, len);
            Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        }

        Assert.Equal(Machines.Pattern(512, 39), blk.Disk.Slice(39 * 512, 512).ToArray());
        var queue = (PackedDeviceVirtqueue)h.Transport.GetQueue(0)!;
        Assert.Equal((ring.NextAvail, ring.AvailWrap), (queue.NextAvail, queue.AvailWrapCounter));
        Assert.Equal((ring.NextUsed, ring.UsedWrap), (queue.NextUsed, queue.UsedWrapCounter));
        Assert.Empty(h.Transport.Errors);
    }

    [Fact]
    public void UsedDescriptor_HasWriteFlagOnlyWhenTheDeviceWrote()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk();

        ring.Offer(7, BlkChain(h, 0, VirtioBlkReq.TypeIn, 0, 512));
        h.Kick(0);

        PvirtqDesc used = ring.Desc(0);
        Assert.Equal(VirtqDescFlags.Avail | VirtqDescFlags.Used | VirtqDescFlags.Write, used.Flags);
        Assert.Equal((7, 513u), (used.Id, used.Len));
    }

    [Fact]
    public void IndirectTable()
    {
        (VirtioHarness h, PackedRing ring, VirtioBlkDevice blk) = Blk(extra: VirtioFeatures.IndirectDesc);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeOut, 5);
        Machines.Pattern(512, 77).CopyTo(Requests.Data(h, 0, 512));
        Span<byte> table = h.Data.Span.Slice(8192, 48);
        new PvirtqDesc(h.At(0), 16, 0, VirtqDescFlags.None).Write(table);
        new PvirtqDesc(h.At(Requests.DataAt), 512, 0, VirtqDescFlags.None).Write(table[16..]);
        new PvirtqDesc(h.At(Requests.StatusAt), 1, 0, VirtqDescFlags.Write).Write(table[32..]);

        ring.Offer(3, (h.At(8192), 48u, VirtqDescFlags.Indirect));
        h.Kick(0);

        Assert.True(ring.TryTakeUsed(out ushort id, out _));
        Assert.Equal(3, id);
        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        Assert.Equal(Machines.Pattern(512, 77), blk.Disk.Slice(5 * 512, 512).ToArray());
    }

    [Fact]
    public void ChainContinuingIntoAnUnavailableDescriptor_NeedsReset()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk();
        // Slot 0 says NEXT, slot 1 was never made available.
        ring.SetDesc(0, new PvirtqDesc(h.At(0), 16, 0, VirtqDescFlags.Next | PvirtqDesc.AvailFlags(true)));

        h.Kick(0);

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.UnavailableDescriptor, h.LastError.Kind);
    }

    [Fact]
    public void ChainLongerThanTheRing_NeedsReset()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk(size: 4);
        for (int i = 0; i < 4; i++)
        {
            ring.SetDesc(i, new PvirtqDesc(h.At(64 * i), 64, 0, VirtqDescFlags.Next | PvirtqDesc.AvailFlags(true)));
        }

        h.Kick(0);

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.ChainTooLong, h.LastError.Kind);
    }

    [Fact]
    public void IndirectInsideAChain_NeedsReset()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk(extra: VirtioFeatures.IndirectDesc);

        ring.Offer(1, (h.At(0), 16u, VirtqDescFlags.None), (h.At(8192), 32u, VirtqDescFlags.Indirect));
        h.Kick(0);

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.BadIndirect, h.LastError.Kind);
    }

    [Fact]
    public void ZeroInitialisedRing_IsEmpty_NotMalformed()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk();

        h.Kick(0);

        Assert.False(h.NeedsReset);
        Assert.False(ring.TryTakeUsed(out _, out _));
    }

    [Fact]
    public void DriverEventSuppression_Disable_SuppressesUsedBufferNotifications()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk();
        ring.SetDriverEvent(PvirtqEventSuppress.RingEventFlagsDisable);

        ring.Offer(0, BlkChain(h, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.True(ring.TryTakeUsed(out _, out _));
        Assert.DoesNotContain(VirtioInterrupt.UsedBuffer, h.Interrupts);
        Assert.Equal(1, h.Transport.GetQueue(0)!.InterruptsSuppressed);
    }

    [Fact]
    public void DriverEventSuppression_Desc_NotifiesOnlyWhenThatDescriptorIsUsed()
    {
        (VirtioHarness h, PackedRing ring, _) = Blk(size: 8, extra: VirtioFeatures.EventIdx);
        ring.SetDriverEvent(PvirtqEventSuppress.RingEventFlagsDesc, PvirtqEventSuppress.EncodeDesc(4, wrap: true)); // the 3rd 2-slot chain starts at 4

        int[] interruptsAfter = new int[3];
        for (int i = 0; i < 3; i++)
        {
            ring.Offer((ushort)i, BlkChain(h, i, VirtioBlkReq.TypeFlush, 0, 0));
            h.Kick(0);
            interruptsAfter[i] = h.Interrupts.Count(b => (b & VirtioInterrupt.UsedBuffer) != 0);
        }

        Assert.Equal(new[] { 0, 0, 1 }, interruptsAfter);
    }

    [Fact]
    public void DeviceEventSuppression_IsEnableWithoutEventIdx_AndPointsAtTheNextSlotWithIt()
    {
        (VirtioHarness plain, PackedRing plainRing, _) = Blk();
        (VirtioHarness h, PackedRing ring, _) = Blk(size: 4, extra: VirtioFeatures.EventIdx);

        ring.Offer(0, BlkChain(h, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.Equal(PvirtqEventSuppress.RingEventFlagsEnable, plainRing.DeviceEventFlags);
        Assert.False(plain.NeedsReset);
        Assert.Equal(PvirtqEventSuppress.RingEventFlagsDesc, ring.DeviceEventFlags);
        Assert.Equal(PvirtqEventSuppress.EncodeDesc(2, wrap: true), ring.DeviceEventDesc);
    }

    [Fact]
    public void NetLoopback_OverPackedRings()
    {
        var net = new VirtioNetDevice();
        var h = new VirtioHarness(net, features: Packed, queueSize: 4);
        byte[] frame = Machines.Pattern(300, 5);
        for (int round = 0; round < 10; round++)
        {
            h.Packed(VirtioNetConfig.ReceiveQueue).Offer((ushort)(round % 4), (h.At(0), 2048u, VirtqDescFlags.Write));
            h.Kick(VirtioNetConfig.ReceiveQueue);
            h.Data.Span.Slice(4096, VirtioNetHdr.Size).Clear();
            frame.CopyTo(h.Data.Span[(4096 + VirtioNetHdr.Size)..]);
            h.Packed(VirtioNetConfig.TransmitQueue).Offer((ushort)(round % 4), (h.At(4096), (uint)(VirtioNetHdr.Size + frame.Length), VirtqDescFlags.None));
            h.Kick(VirtioNetConfig.TransmitQueue);

            Assert.True(h.Packed(VirtioNetConfig.ReceiveQueue).TryTakeUsed(out _, out uint len));
            Assert.True(h.Packed(VirtioNetConfig.TransmitQueue).TryTakeUsed(out _, out _));
            Assert.Equal((uint)(VirtioNetHdr.Size + 300), len);
            Assert.Equal(frame, h.Data.Span.Slice(VirtioNetHdr.Size, 300).ToArray());
        }

        Assert.Equal(10, net.RxFrames);
    }
}
