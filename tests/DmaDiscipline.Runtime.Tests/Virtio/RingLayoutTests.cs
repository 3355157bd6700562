using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>Spec conformance of every laid-out structure: byte offsets, sizes, alignments and constant values (virtio 1.x).</summary>
public sealed class RingLayoutTests
{
    [Fact]
    public void VirtqDesc_IsSixteenLittleEndianBytes_AddrLenFlagsNext()
    {
        Assert.Equal((16, 16, 0, 8, 12, 14), (VirtqDesc.Size, VirtqDesc.Alignment, VirtqDesc.AddrOffset, VirtqDesc.LenOffset, VirtqDesc.FlagsOffset, VirtqDesc.NextOffset));
        var bytes = new byte[16];

        new VirtqDesc(0x1122334455667788, 0xAABBCCDD, VirtqDescFlags.Next | VirtqDescFlags.Write, 0x0102).Write(bytes);

        Assert.Equal(new byte[] { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xDD, 0xCC, 0xBB, 0xAA, 0x03, 0x00, 0x02, 0x01 }, bytes);
        Assert.Equal(new VirtqDesc(0x1122334455667788, 0xAABBCCDD, VirtqDescFlags.Next | VirtqDescFlags.Write, 0x0102), VirtqDesc.Read(bytes));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(256)]
    [InlineData(32768)]
    public void SplitRing_FieldOffsets_ForQueueSize(int n)
    {
        Assert.Equal(16 * n, VirtqDesc.TableSize(n));
        Assert.Equal(16 * (n - 1), VirtqDesc.OffsetOf(n - 1));

        Assert.Equal((2, 0, 2, 4), (VirtqAvail.Alignment, VirtqAvail.FlagsOffset, VirtqAvail.IdxOffset, VirtqAvail.RingOffset));
        Assert.Equal(4 + 2 * (n - 1), VirtqAvail.RingEntryOffset(n - 1));
        Assert.Equal(4 + 2 * n, VirtqAvail.UsedEventOffset(n));
        Assert.Equal(6 + 2 * n, VirtqAvail.Size(n));

        Assert.Equal((4, 0, 2, 4, 8), (VirtqUsed.Alignment, VirtqUsed.FlagsOffset, VirtqUsed.IdxOffset, VirtqUsed.RingOffset, VirtqUsed.ElemSize));
        Assert.Equal(4 + 8 * (n - 1), VirtqUsed.ElemIdOffsetOf(n - 1));
        Assert.Equal(8 + 8 * (n - 1), VirtqUsed.ElemLenOffsetOf(n - 1));
        Assert.Equal(4 + 8 * n, VirtqUsed.AvailEventOffset(n));
        Assert.Equal(6 + 8 * n, VirtqUsed.Size(n));
    }

    [Fact]
    public void SplitRing_QueueSize256_MatchesTheSpecTable()
    {
        // virtio 1.x §2.7: desc 4096 bytes, avail 518 bytes (used_event at 516), used 2054 bytes (avail_event at 2052).
        Assert.Equal(4096, VirtqDesc.TableSize(256));
        Assert.Equal(516, VirtqAvail.UsedEventOffset(256));
        Assert.Equal(518, VirtqAvail.Size(256));
        Assert.Equal(2052, VirtqUsed.AvailEventOffset(256));
        Assert.Equal(2054, VirtqUsed.Size(256));
    }

    [Theory]
    [InlineData(1, 4, 0, 16, 24, 38)] // avail 16..23, used at 24 (4-aligned), 6 + 8 bytes
    [InlineData(8, 4, 0, 128, 152, 222)] // avail 128..149, used at 152 (4-aligned), 6 + 64 bytes
    [InlineData(256, 4096, 0, 4096, 8192, 10246)] // the legacy 4096 alignment
    public void SplitRingLayout_PlacesTheThreeParts(int n, int usedAlignment, int desc, int avail, int used, int total)
    {
        SplitRingLayout layout = SplitRingLayout.For(n, usedAlignment);

        Assert.Equal((desc, avail), (layout.DescOffset, layout.AvailOffset));
        Assert.Equal((used, total), (layout.UsedOffset, layout.TotalSize));
        Assert.Equal(0, layout.UsedOffset % usedAlignment);
        Assert.True(layout.UsedOffset >= layout.AvailOffset + VirtqAvail.Size(n));
    }

    [Fact]
    public void RingLayouts_RejectImpossibleSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitRingLayout.For(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitRingLayout.For(65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitRingLayout.For(8, usedAlignment: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedRingLayout.For(0));
        Assert.Equal((0, 96, 100, 104), (PackedRingLayout.For(6).DescOffset, PackedRingLayout.For(6).DriverEventOffset, PackedRingLayout.For(6).DeviceEventOffset, PackedRingLayout.For(6).TotalSize));
    }

    [Fact]
    public void PackedDescriptorAndEventSuppression_Offsets()
    {
        Assert.Equal((16, 16, 0, 8, 12, 14), (PvirtqDesc.Size, PvirtqDesc.Alignment, PvirtqDesc.AddrOffset, PvirtqDesc.LenOffset, PvirtqDesc.IdOffset, PvirtqDesc.FlagsOffset));
        Assert.Equal(16 * 100, PvirtqDesc.RingSize(100));
        Assert.Equal((4, 4, 0, 2), (PvirtqEventSuppress.Size, PvirtqEventSuppress.Alignment, PvirtqEventSuppress.DescOffset, PvirtqEventSuppress.FlagsOffset));
        Assert.Equal((0, 1, 2), (PvirtqEventSuppress.RingEventFlagsEnable, PvirtqEventSuppress.RingEventFlagsDisable, PvirtqEventSuppress.RingEventFlagsDesc));
        Assert.Equal(0x8005, PvirtqEventSuppress.EncodeDesc(5, wrap: true));

        var bytes = new byte[16];
        new PvirtqDesc(0x0807060504030201, 0x0C0B0A09, 0x0E0D, VirtqDescFlags.Avail | VirtqDescFlags.Write).Write(bytes);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x0D, 0x0E, 0x82, 0x00 }, bytes);
    }

    [Fact]
    public void DescriptorFlags_HaveTheSpecValues()
    {
        Assert.Equal(1, (int)VirtqDescFlags.Next);
        Assert.Equal(2, (int)VirtqDescFlags.Write);
        Assert.Equal(4, (int)VirtqDescFlags.Indirect);
        Assert.Equal(1 << 7, (int)VirtqDescFlags.Avail);
        Assert.Equal(1 << 15, (int)VirtqDescFlags.Used);
        Assert.Equal(1, VirtqAvail.FlagNoInterrupt);
        Assert.Equal(1, VirtqUsed.FlagNoNotify);
    }

    [Fact]
    public void PackedWrapBits_AvailableDiffer_UsedEqual()
    {
        Assert.True(PvirtqDesc.IsAvailable(PvirtqDesc.AvailFlags(true), wrapCounter: true));
        Assert.True(PvirtqDesc.IsAvailable(PvirtqDesc.AvailFlags(false), wrapCounter: false));
        Assert.False(PvirtqDesc.IsAvailable(PvirtqDesc.AvailFlags(false), wrapCounter: true));
        Assert.False(PvirtqDesc.IsAvailable(VirtqDescFlags.None, wrapCounter: true)); // the zero-initialised ring
        Assert.True(PvirtqDesc.IsUsed(PvirtqDesc.UsedFlags(true), wrapCounter: true));
        Assert.True(PvirtqDesc.IsUsed(PvirtqDesc.UsedFlags(false), wrapCounter: false));
        Assert.False(PvirtqDesc.IsUsed(PvirtqDesc.AvailFlags(true), wrapCounter: true));
    }

    [Fact]
    public void StatusAndFeatureBits_HaveTheSpecValues()
    {
        Assert.Equal(new[] { 1, 2, 4, 8, 64, 128 }, new[] { VirtioStatus.Acknowledge, VirtioStatus.Driver, VirtioStatus.DriverOk, VirtioStatus.FeaturesOk, VirtioStatus.DeviceNeedsReset, VirtioStatus.Failed }.Select(s => (int)s));
        Assert.Equal(new[] { 28, 29, 32, 33, 34 }, new[] { VirtioFeatures.IndirectDesc, VirtioFeatures.EventIdx, VirtioFeatures.Version1, VirtioFeatures.AccessPlatform, VirtioFeatures.RingPacked }.Select(VirtioFeatures.BitOf));
        Assert.Equal((5, 15, 16), (VirtioFeatures.BitOf(VirtioNetFeatures.Mac), VirtioFeatures.BitOf(VirtioNetFeatures.MrgRxbuf), VirtioFeatures.BitOf(VirtioNetFeatures.Status)));
        Assert.Equal((2, 5, 6, 9), (VirtioFeatures.BitOf(VirtioBlkFeatures.SegMax), VirtioFeatures.BitOf(VirtioBlkFeatures.Ro), VirtioFeatures.BitOf(VirtioBlkFeatures.BlkSize), VirtioFeatures.BitOf(VirtioBlkFeatures.Flush)));
    }

    [Fact]
    public void VirtioMmioVersion2_RegisterOffsets()
    {
        int[] offsets =
        {
            VirtioMmio.MagicValue, VirtioMmio.Version, VirtioMmio.DeviceId, VirtioMmio.VendorId, VirtioMmio.DeviceFeatures, VirtioMmio.DeviceFeaturesSel,
            VirtioMmio.DriverFeatures, VirtioMmio.DriverFeaturesSel, VirtioMmio.QueueSel, VirtioMmio.QueueNumMax, VirtioMmio.QueueNum, VirtioMmio.QueueReady,
            VirtioMmio.QueueNotify, VirtioMmio.InterruptStatus, VirtioMmio.InterruptAck, VirtioMmio.Status, VirtioMmio.QueueDescLow, VirtioMmio.QueueDescHigh,
            VirtioMmio.QueueDriverLow, VirtioMmio.QueueDriverHigh, VirtioMmio.QueueDeviceLow, VirtioMmio.QueueDeviceHigh, VirtioMmio.ConfigGeneration, VirtioMmio.ConfigOffset,
        };

        Assert.Equal(new[] { 0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030, 0x034, 0x038, 0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x0fc, 0x100 }, offsets);
        Assert.Equal(0x74726976u, VirtioMmio.Magic);
        Assert.Equal("virt"u8.ToArray(), BitConverter.GetBytes(VirtioMmio.Magic));
    }

    [Fact]
    public void NetAndBlk_Layouts()
    {
        Assert.Equal((12, 0, 1, 2, 4, 6, 8, 10), (VirtioNetHdr.Size, VirtioNetHdr.FlagsOffset, VirtioNetHdr.GsoTypeOffset, VirtioNetHdr.HdrLenOffset, VirtioNetHdr.GsoSizeOffset, VirtioNetHdr.CsumStartOffset, VirtioNetHdr.CsumOffsetOffset, VirtioNetHdr.NumBuffersOffset));
        Assert.Equal((0, 6, 0, 1), (VirtioNetConfig.MacOffset, VirtioNetConfig.StatusOffset, VirtioNetConfig.ReceiveQueue, VirtioNetConfig.TransmitQueue));
        Assert.Equal((16, 0, 4, 8, 512), (VirtioBlkReq.HeaderSize, VirtioBlkReq.TypeOffset, VirtioBlkReq.ReservedOffset, VirtioBlkReq.SectorOffset, VirtioBlkReq.SectorSize));
        Assert.Equal((0u, 1u, 4u, 8u), (VirtioBlkReq.TypeIn, VirtioBlkReq.TypeOut, VirtioBlkReq.TypeFlush, VirtioBlkReq.TypeGetId));
        Assert.Equal((0, 1, 2), (VirtioBlkReq.StatusOk, VirtioBlkReq.StatusIoErr, VirtioBlkReq.StatusUnsupp));
        Assert.Equal((0, 8, 12, 16, 20), (VirtioBlkConfig.CapacityOffset, VirtioBlkConfig.SizeMaxOffset, VirtioBlkConfig.SegMaxOffset, VirtioBlkConfig.GeometryOffset, VirtioBlkConfig.BlkSizeOffset));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(256)]
    public void Device_WritesUsedElementAndIdxAtTheSpecOffsets(int n)
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, queueSize: n);
        SplitRing ring = h.Split(0);
        ushort head = Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, dataLength: 0);
        ring.Offer(head);

        h.Kick(0);

        // used.idx (le16 at 2) = 1; used.ring[0] = { id = head (le32 at 4), len = 1 (le32 at 8) }.
        byte[] used = ring.Bytes.Slice(ring.UsedOffset, VirtqUsed.Size(n)).ToArray();
        Assert.Equal(new byte[] { 1, 0 }, used[2..4]);
        Assert.Equal(BitConverter.GetBytes((uint)head), used[4..8]);
        Assert.Equal(BitConverter.GetBytes(1u), used[8..12]);
        Assert.Equal(0, ring.Bytes[ring.UsedOffset + VirtqUsed.FlagsOffset]);
    }
}
