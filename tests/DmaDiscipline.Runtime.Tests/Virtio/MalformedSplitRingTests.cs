using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>
/// A device never trusts the ring: each malformation is detected, the device sets DEVICE_NEEDS_RESET
/// (or fails the request with IOERR), says why, sends a configuration change notification, and touches
/// nothing outside the request.
/// </summary>
public sealed class MalformedSplitRingTests
{
    private static (VirtioHarness H, SplitRing Ring, VirtioBlkDevice Blk) Blk(ulong extra = 0)
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, features: VirtioHarness.Modern | extra);
        return (h, h.Split(0), blk);
    }

    private static void AssertNeedsReset(VirtioHarness h, VirtioErrorKind kind, string because)
    {
        Assert.True(h.NeedsReset, "DEVICE_NEEDS_RESET not set");
        VirtioDeviceError error = h.LastError;
        Assert.Equal(kind, error.Kind);
        Assert.True(error.NeedsReset);
        Assert.Contains(because, error.Message);
        Assert.Equal(error.Message, h.Transport.NeedsResetReason);
        Assert.Contains(VirtioInterrupt.ConfigChange, h.Interrupts);
        Assert.True(h.Transport.GetQueue(0)!.IsBroken);
        Assert.Contains(h.Machine.Log, line => line.Contains("device needs reset"));
    }

    [Fact]
    public void DescriptorLoop()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeFlush, 0);
        ring.SetDesc(0, h.At(0), 16, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, h.At(512), 512, VirtqDescFlags.Next | VirtqDescFlags.Write, 2);
        ring.SetDesc(2, h.At(1024), 512, VirtqDescFlags.Next | VirtqDescFlags.Write, 1);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.DescriptorLoop, "loops");
        Assert.Equal(0, ring.UsedIdx);
    }

    [Fact]
    public void SelfLoop_OnTheHead()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(5, h.At(0), 16, VirtqDescFlags.Next, 5);

        ring.Offer(5);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.DescriptorLoop, "descriptor 5");
    }

    [Fact]
    public void HeadIndexOutOfRange()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();

        ring.Offer(8); // queue size 8: valid heads are 0..7
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.IndexOutOfRange, "avail.ring[0] = 8");
    }

    [Fact]
    public void NextIndexOutOfRange()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(0, h.At(0), 16, VirtqDescFlags.Next, 300);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.IndexOutOfRange, "next = 300");
    }

    [Fact]
    public void AvailIdx_RunningMoreThanAQueueAhead()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();

        ring.PublishAvailIdx(9);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.IndexOutOfRange, "avail.idx 9");
    }

    [Fact]
    public void LengthWrappingTheAddressSpace()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(0, ulong.MaxValue - 10, 4096, VirtqDescFlags.None);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.LengthOutOfRange, "wraps");
    }

    [Fact]
    public void ChainLongerThanTheQueue_ThroughAnIndirectTable()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk(VirtioFeatures.IndirectDesc);
        ring.SetDesc(0, h.At(8192), 16 * 9, VirtqDescFlags.Indirect); // 9 entries > queue size 8

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.ChainTooLong, "longer than the queue size 8");
    }

    [Fact]
    public void ChainLongerThanTheQueue_IsALoopForDirectDescriptors()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        for (int i = 0; i < 8; i++)
        {
            ring.SetDesc(i, h.At(64 * i), 64, VirtqDescFlags.Next, (ushort)((i + 1) % 8));
        }

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.DescriptorLoop, "descriptor 0");
    }

    [Fact]
    public void IndirectWithoutTheFeature()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(0, h.At(8192), 32, VirtqDescFlags.Indirect);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.BadIndirect, "VIRTIO_F_INDIRECT_DESC was not negotiated");
    }

    [Fact]
    public void IndirectTogetherWithNext()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk(VirtioFeatures.IndirectDesc);
        ring.SetDesc(0, h.At(8192), 32, VirtqDescFlags.Indirect | VirtqDescFlags.Next, 1);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.BadIndirect, "together with VIRTQ_DESC_F_NEXT");
    }

    [Fact]
    public void NestedIndirect()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk(VirtioFeatures.IndirectDesc);
        ring.SetDesc(0, h.At(8192), 32, VirtqDescFlags.Indirect);
        new VirtqDesc(h.At(9000), 32, VirtqDescFlags.Indirect, 0).Write(h.Data.Span[8192..]);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.BadIndirect, "inside an indirect table");
    }

    [Fact]
    public void IndirectTableLengthNotAMultipleOf16()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk(VirtioFeatures.IndirectDesc);
        ring.SetDesc(0, h.At(8192), 24, VirtqDescFlags.Indirect);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.LengthOutOfRange, "not a positive multiple of 16");
    }

    [Fact]
    public void LoopInsideAnIndirectTable()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk(VirtioFeatures.IndirectDesc);
        ring.SetDesc(0, h.At(8192), 32, VirtqDescFlags.Indirect);
        new VirtqDesc(h.At(0), 16, VirtqDescFlags.Next, 1).Write(h.Data.Span[8192..]);
        new VirtqDesc(h.At(32), 1, VirtqDescFlags.Next | VirtqDescFlags.Write, 0).Write(h.Data.Span[8208..]);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.DescriptorLoop, "indirect descriptor 0");
    }

    [Fact]
    public void ReadableAfterWritable()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(0, h.At(32), 1, VirtqDescFlags.Write | VirtqDescFlags.Next, 1);
        ring.SetDesc(1, h.At(0), 16, VirtqDescFlags.None);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.ReadableAfterWritable, "follows a device-writable one");
    }

    [Fact]
    public void RingOutsideTheDevicesMappings_FaultsAndNeedsReset()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        KBuffer unmapped = h.Machine.Memory.Allocate(4096);
        ring.SetDesc(0, h.At(0), 16, VirtqDescFlags.Indirect); // not negotiated: irrelevant, the table read below faults first
        h.Write(VirtioMmio.Status, 0);
        Assert.True(h.Negotiate(VirtioHarness.Modern));
        h.Write(VirtioMmio.QueueSel, 0);
        h.Write(VirtioMmio.QueueNum, 8);
        h.Write(VirtioMmio.QueueDescLow, (uint)unmapped.PhysicalAddress.Value); // a physical address, never mapped for the device
        h.Write(VirtioMmio.QueueDriverLow, (uint)ring.DriverArea);
        h.Write(VirtioMmio.QueueDriverHigh, (uint)(ring.DriverArea >> 32));
        h.Write(VirtioMmio.QueueDeviceLow, (uint)ring.DeviceArea);
        h.Write(VirtioMmio.QueueDeviceHigh, (uint)(ring.DeviceArea >> 32));
        h.Write(VirtioMmio.QueueReady, 1);
        h.DriverOk();

        ring.AvailIdx = 0;
        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.RingDmaFault, "reading the descriptor table");
        Assert.Contains(h.Machine.Faults.Records, f => f.Device == h.Device.Id && f.Reason == FaultReason.NotPresent);
    }

    [Fact]
    public void AfterNeedsReset_FurtherNotificationsAreIgnored_UntilReset()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.Offer(8);
        h.Kick(0);
        Assert.True(h.NeedsReset);
        int errors = h.Transport.Errors.Count;

        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.Equal(errors, h.Transport.Errors.Count);
        Assert.Equal(0, ring.UsedIdx);
        Assert.Equal(0xFF, Requests.Status(h, 0));
    }

    [Fact]
    public void NetReceive_IntoADeviceReadableDescriptor_IsRefused()
    {
        var net = new VirtioNetDevice();
        var h = new VirtioHarness(net);
        h.Split(VirtioNetConfig.ReceiveQueue).SetDesc(0, h.At(0), 2048, VirtqDescFlags.None); // read-only receive buffer
        h.Split(VirtioNetConfig.ReceiveQueue).Offer(0);
        h.Data.Span.Slice(0, 2048).Fill(0xEE);
        SplitRing tx = h.Split(VirtioNetConfig.TransmitQueue);
        tx.SetDesc(0, h.At(8192), 12 + 60, VirtqDescFlags.None);

        tx.Offer(0);
        h.Kick(VirtioNetConfig.TransmitQueue);

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.WriteToReadOnly, h.LastError.Kind);
        Assert.True(h.Data.Span.Slice(0, 2048).ToArray().All(b => b == 0xEE)); // nothing written
    }

    [Fact]
    public void BlkIn_IntoADeviceReadableDataBuffer_FailsWithIoErr_AndWritesNoData()
    {
        (VirtioHarness h, SplitRing ring, VirtioBlkDevice blk) = Blk();
        blk.Disk.Fill(0x11);
        Requests.Data(h, 0, 512).Fill(0xEE);

        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeIn, 0, 512, dataWritable: false));
        h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, Requests.Status(h, 0));
        Assert.False(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.WriteToReadOnly, h.LastError.Kind);
        Assert.True(Requests.Data(h, 0, 512).ToArray().All(b => b == 0xEE));
        Assert.Equal(1, ring.UsedIdx);
    }

    [Fact]
    public void BlkRequest_WithoutAStatusByte_NeedsReset()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeFlush, 0);
        ring.SetDesc(0, h.At(0), 16, VirtqDescFlags.None);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.WriteToReadOnly, "no device-writable status byte");
    }

    [Fact]
    public void BlkRequest_ShorterThanItsHeader_NeedsReset()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.SetDesc(0, h.At(0), 8, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, h.At(32), 1, VirtqDescFlags.Write);

        ring.Offer(0);
        h.Kick(0);

        AssertNeedsReset(h, VirtioErrorKind.LengthOutOfRange, "fewer than the 16-byte header");
    }

    [Fact]
    public void Reset_AfterNeedsReset_BringsTheDeviceBack()
    {
        (VirtioHarness h, SplitRing ring, _) = Blk();
        ring.Offer(8);
        h.Kick(0);
        Assert.True(h.NeedsReset);

        Assert.True(h.Negotiate(VirtioHarness.Modern));
        h.Rings.Clear();
        h.SetupQueues();
        h.DriverOk();
        SplitRing fresh = h.Split(0);
        fresh.Offer(Requests.Blk(h, fresh, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.False(h.NeedsReset);
        Assert.Null(h.Transport.NeedsResetReason);
        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
    }
}
