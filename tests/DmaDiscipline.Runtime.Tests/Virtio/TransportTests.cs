using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>virtio-mmio version 2 register semantics: identification, status machine, feature negotiation, queue setup, DMA path choice.</summary>
public sealed class TransportTests
{
    private static VirtioHarness Unstarted(Machine? machine = null, VirtioTransportOptions? options = null, DeviceOptions? deviceOptions = null) =>
        new(new VirtioBlkDevice(), machine: machine, transportOptions: options, deviceOptions: deviceOptions, start: false);

    [Fact]
    public void Identification_Registers()
    {
        VirtioHarness h = Unstarted();

        Assert.Equal(VirtioMmio.Magic, h.Read(VirtioMmio.MagicValue));
        Assert.Equal(2u, h.Read(VirtioMmio.Version));
        Assert.Equal((uint)VirtioDeviceType.Block, h.Read(VirtioMmio.DeviceId));
        Assert.Equal(0u, h.Read(VirtioMmio.Status));
    }

    [Fact]
    public void DeviceFeatures_AreTwo32BitWords_SelectedByDeviceFeaturesSel()
    {
        VirtioHarness h = Unstarted();

        h.Write(VirtioMmio.DeviceFeaturesSel, 0);
        uint low = h.Read(VirtioMmio.DeviceFeatures);
        h.Write(VirtioMmio.DeviceFeaturesSel, 1);
        uint high = h.Read(VirtioMmio.DeviceFeatures);
        h.Write(VirtioMmio.DeviceFeaturesSel, 2);
        uint none = h.Read(VirtioMmio.DeviceFeatures);

        ulong offered = ((ulong)high << 32) | low;
        Assert.Equal(h.Transport.DeviceFeatures, offered);
        ulong expected = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform | VirtioFeatures.RingPacked | VirtioFeatures.EventIdx | VirtioFeatures.IndirectDesc | VirtioBlkFeatures.Flush | VirtioBlkFeatures.BlkSize;
        Assert.Equal(expected, offered);
        Assert.Equal(0u, none);
    }

    [Fact]
    public void FeaturesOk_Accepted_SetsNegotiatedFeatures()
    {
        VirtioHarness h = Unstarted();

        Assert.True(h.Negotiate(VirtioHarness.Modern | VirtioFeatures.EventIdx));

        Assert.Equal(VirtioHarness.Modern | VirtioFeatures.EventIdx, h.Transport.NegotiatedFeatures);
        Assert.True(h.Transport.UsesPlatformDma);
        Assert.Same(h.Device.Bus, h.Transport.DeviceBus);
    }

    [Fact]
    public void FeaturesOk_Refused_WhenTheDriverAcceptsAnUnofferedBit()
    {
        VirtioHarness h = Unstarted(options: new VirtioTransportOptions { OfferRingPacked = false });

        Assert.False(h.Negotiate(VirtioHarness.Modern | VirtioFeatures.RingPacked));

        Assert.Contains("RING_PACKED", h.Transport.FeaturesRejectedReason);
        Assert.Equal(VirtioErrorKind.FeatureNegotiation, h.LastError.Kind);
        Assert.Equal(0ul, h.Transport.NegotiatedFeatures);
    }

    [Fact]
    public void FeaturesOk_Refused_WithoutVersion1()
    {
        VirtioHarness h = Unstarted();

        Assert.False(h.Negotiate(VirtioFeatures.AccessPlatform));

        Assert.Contains("VERSION_1", h.Transport.FeaturesRejectedReason);
    }

    [Fact]
    public void ConfidentialMachine_DeviceWithoutAccessPlatform_FailsToStartWithAReason()
    {
        VirtioHarness h = Unstarted(machine: Machines.Confidential());

        Assert.False(h.Negotiate(VirtioFeatures.Version1));

        Assert.Contains("confidential", h.Transport.FeaturesRejectedReason);
        Assert.Contains("ACCESS_PLATFORM", h.Transport.FeaturesRejectedReason);
        Assert.Contains(h.Machine.Log, line => line.Contains("FEATURES_OK refused"));
    }

    [Fact]
    public void ConfidentialMachine_DeviceThatDoesNotOfferAccessPlatform_CannotStartAtAll()
    {
        VirtioHarness h = Unstarted(machine: Machines.Confidential(), options: new VirtioTransportOptions { OfferAccessPlatform = false });

        Assert.False(h.Negotiate(VirtioFeatures.Version1));

        Assert.Contains("does not offer VIRTIO_F_ACCESS_PLATFORM", h.Transport.FeaturesRejectedReason);
    }

    [Fact]
    public void ConfidentialMachine_WithAccessPlatform_ServesRequestsFromSharedMemory()
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, machine: Machines.Confidential());
        SplitRing ring = h.Split(0);
        Requests.Data(h, 0, 512).Fill(0x5A);

        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeOut, 3, 512, dataWritable: false));
        h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        Assert.True(blk.Disk.Slice(3 * 512, 512).ToArray().All(b => b == 0x5A));
        Assert.Empty(h.Machine.Faults.Records);
    }

    [Fact]
    public void WithoutAccessPlatform_TheDmaApiAnswersWithPhysicalAddresses_WhateverTheDomain()
    {
        var blk = new VirtioBlkDevice();
        Machine machine = Machines.With(DomainKind.Translated);
        var h = new VirtioHarness(blk, features: VirtioFeatures.Version1, machine: machine);
        SplitRing ring = h.Split(0);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));

        h.Kick(0);

        // The device takes bus addresses for physical ones, so the platform hands out physical ones
        // (Linux's vring_use_dma_api()): the translated domain the table gave the device is set aside.
        Assert.False(h.Transport.UsesPlatformDma);
        Assert.NotSame(h.Device.Bus, h.Transport.DeviceBus);
        Assert.True(h.Device.Dma.BypassesTranslation);
        Assert.Equal(DmaPath.Direct, h.Device.Dma.Path);
        Assert.True(h.Data.DmaAddress.Value < h.Machine.Memory.Size); // a physical address, not a top-down IOVA
        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        Assert.Equal(1, ring.UsedIdx);
        Assert.Empty(h.Machine.Faults.Records);
        Assert.Contains(h.Machine.Log, line => line.Contains("did not negotiate VIRTIO_F_ACCESS_PLATFORM", StringComparison.Ordinal));
    }

    [Fact]
    public void WithAccessPlatform_TheDmaApiKeepsThePlatformsTranslation()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), machine: Machines.With(DomainKind.Translated));

        Assert.True(h.Transport.UsesPlatformDma);
        Assert.False(h.Device.Dma.BypassesTranslation);
        Assert.Equal(DmaPath.Iommu, h.Device.Dma.Path);
        Assert.True(h.Data.DmaAddress.Value >= h.Machine.Memory.Size); // an IOVA, allocated top-down under the mask
    }

    [Fact]
    public void WithoutAccessPlatform_MappingsMadeBeforeNegotiation_MakeTheDeviceRefuseFeaturesOk()
    {
        // The harness maps its data area before this negotiation: an IOVA the device would read as physical.
        VirtioHarness h = Unstarted(machine: Machines.With(DomainKind.Translated));

        Assert.False(h.Negotiate(VirtioFeatures.Version1));

        Assert.Contains("already holds DMA mappings", h.Transport.FeaturesRejectedReason);
        Assert.False(h.Device.Dma.BypassesTranslation);
        Assert.Equal(DmaPath.Iommu, h.Device.Dma.Path);
    }

    [Fact]
    public void AfterEverythingIsReleased_ANewNegotiationMaySwitchThePathBack()
    {
        VirtioHarness h = Unstarted(machine: Machines.With(DomainKind.Translated));
        h.Device.Dma.FreeCoherent(h.Data);

        Assert.True(h.Negotiate(VirtioFeatures.Version1), h.Transport.FeaturesRejectedReason);
        Assert.True(h.Device.Dma.BypassesTranslation);
        Assert.True(h.Negotiate(VirtioHarness.Modern), h.Transport.FeaturesRejectedReason);
        Assert.False(h.Device.Dma.BypassesTranslation);
        Assert.Equal(DmaPath.Iommu, h.Device.Dma.Path);
    }

    [Fact]
    public void WithoutAccessPlatform_OnAMachineWithoutIommu_PhysicalAddressesWork()
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, features: VirtioFeatures.Version1, machine: Machines.WithoutIommu());
        SplitRing ring = h.Split(0);

        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        Assert.Equal(1, ring.UsedIdx);
    }

    [Fact]
    public void DriverOkWithoutFeaturesOk_SetsNeedsReset()
    {
        VirtioHarness h = Unstarted();
        h.Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver));

        h.Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.DriverOk));

        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.Protocol, h.LastError.Kind);
        Assert.Contains("FEATURES_OK", h.Transport.NeedsResetReason);
    }

    [Fact]
    public void QueueReady_BeforeFeaturesOk_SetsNeedsReset()
    {
        VirtioHarness h = Unstarted();
        h.Write(VirtioMmio.QueueSel, 0);
        h.Write(VirtioMmio.QueueNum, 8);

        h.Write(VirtioMmio.QueueReady, 1);

        Assert.True(h.NeedsReset);
        Assert.Equal(0u, h.Read(VirtioMmio.QueueReady));
        Assert.Equal(VirtioErrorKind.QueueConfig, h.LastError.Kind);
    }

    [Theory]
    [InlineData(6u, 0x1000ul, 0x2000ul, 0x3000ul, "power of 2")]
    [InlineData(0u, 0x1000ul, 0x2000ul, 0x3000ul, "QueueNum 0")]
    [InlineData(512u, 0x1000ul, 0x2000ul, 0x3000ul, "QueueNumMax")]
    [InlineData(8u, 0x1008ul, 0x2000ul, 0x3000ul, "Descriptor Area")]
    [InlineData(8u, 0x1000ul, 0x2001ul, 0x3000ul, "Driver Area")]
    [InlineData(8u, 0x1000ul, 0x2000ul, 0x3002ul, "Device Area")]
    public void QueueReady_WithAnUnusableSplitConfiguration_SetsNeedsResetAndSaysWhy(uint num, ulong desc, ulong driver, ulong device, string why)
    {
        VirtioHarness h = Unstarted();
        Assert.True(h.Negotiate(VirtioHarness.Modern));
        h.Write(VirtioMmio.QueueSel, 0);
        h.Write(VirtioMmio.QueueNum, num);
        h.Write(VirtioMmio.QueueDescLow, (uint)desc);
        h.Write(VirtioMmio.QueueDriverLow, (uint)driver);
        h.Write(VirtioMmio.QueueDeviceLow, (uint)device);

        h.Write(VirtioMmio.QueueReady, 1);

        Assert.True(h.NeedsReset);
        Assert.Contains(why, h.Transport.NeedsResetReason);
        Assert.Null(h.Transport.GetQueue(0));
    }

    [Fact]
    public void PackedQueue_AcceptsASizeThatIsNotAPowerOfTwo()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.RingPacked, queueSize: 6);

        Assert.False(h.NeedsReset);
        Assert.Equal(1u, h.Read(VirtioMmio.QueueReady));
        Assert.Equal(VirtqueueFormat.Packed, h.Transport.GetQueue(0)!.Format);
    }

    [Fact]
    public void QueueNumMax_IsZeroForAQueueThatDoesNotExist()
    {
        VirtioHarness h = Unstarted();

        h.Write(VirtioMmio.QueueSel, 0);
        uint exists = h.Read(VirtioMmio.QueueNumMax);
        h.Write(VirtioMmio.QueueSel, 1);
        uint missing = h.Read(VirtioMmio.QueueNumMax);

        Assert.Equal(256u, exists);
        Assert.Equal(0u, missing);
    }

    [Fact]
    public void QueueAddresses_Are64Bit_LowAndHighHalves()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), machine: Machines.WithoutIommu(), features: VirtioFeatures.Version1, start: false);
        Assert.True(h.Negotiate(VirtioFeatures.Version1));
        h.Write(VirtioMmio.QueueSel, 0);
        h.Write(VirtioMmio.QueueNum, 8);
        h.Write(VirtioMmio.QueueDescLow, 0x2000);
        h.Write(VirtioMmio.QueueDescHigh, 0x1);
        h.Write(VirtioMmio.QueueDriverLow, 0x3000);
        h.Write(VirtioMmio.QueueDriverHigh, 0x2);
        h.Write(VirtioMmio.QueueDeviceLow, 0x4000);
        h.Write(VirtioMmio.QueueDeviceHigh, 0x3);

        h.Write(VirtioMmio.QueueReady, 1);

        DeviceVirtqueue queue = h.Transport.GetQueue(0)!;
        Assert.Equal((0x1_0000_2000ul, 0x2_0000_3000ul, 0x3_0000_4000ul), (queue.DescArea.Value, queue.DriverArea.Value, queue.DeviceArea.Value));
    }

    [Fact]
    public void StatusZero_ResetsEverything()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        h.Write(VirtioMmio.QueueSel, 0);

        h.Write(VirtioMmio.Status, 0);

        Assert.Equal(0u, h.Read(VirtioMmio.Status));
        Assert.Equal(0u, h.Read(VirtioMmio.QueueReady));
        Assert.Equal(0ul, h.Transport.NegotiatedFeatures);
        Assert.Null(h.Transport.GetQueue(0));
    }

    [Fact]
    public void ConfigSpace_ReadsThroughTheRegisterWindow()
    {
        VirtioHarness h = Unstarted();

        uint capacityLow = h.Read(VirtioMmio.ConfigOffset + VirtioBlkConfig.CapacityOffset);
        uint blkSize = h.Read(VirtioMmio.ConfigOffset + VirtioBlkConfig.BlkSizeOffset);

        Assert.Equal(16384u, capacityLow);
        Assert.Equal(512u, blkSize);
    }

    [Fact]
    public void NotifyBeforeDriverOk_IsIgnored_AndDriverOkProcessesWhatIsWaiting()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), start: false);
        Assert.True(h.Negotiate(VirtioHarness.Modern));
        h.SetupQueues();
        SplitRing ring = h.Split(0);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));

        h.Kick(0);
        ushort before = ring.UsedIdx;
        h.DriverOk();

        Assert.Equal(0, before);
        Assert.Equal(1, ring.UsedIdx);
        Assert.Contains(VirtioInterrupt.UsedBuffer, h.Interrupts);
        Assert.Equal((uint)VirtioInterrupt.UsedBuffer, h.Read(VirtioMmio.InterruptStatus));
        h.Write(VirtioMmio.InterruptAck, (uint)VirtioInterrupt.UsedBuffer);
        Assert.Equal(0u, h.Read(VirtioMmio.InterruptStatus));
    }

    [Fact]
    public void DriverFeatures_WrittenAfterFeaturesOk_AreIgnored()
    {
        VirtioHarness h = Unstarted();
        Assert.True(h.Negotiate(VirtioHarness.Modern));

        h.Write(VirtioMmio.DriverFeaturesSel, 1);
        h.Write(VirtioMmio.DriverFeatures, (uint)(VirtioFeatures.RingPacked >> 32));

        Assert.Equal(VirtioHarness.Modern, h.Transport.NegotiatedFeatures);
        Assert.Equal(VirtioErrorKind.Protocol, h.LastError.Kind);
        Assert.False(h.NeedsReset);
    }

    [Fact]
    public void ClearingStatusBits_IsIgnored_AndRecorded()
    {
        VirtioHarness h = Unstarted();
        Assert.True(h.Negotiate(VirtioHarness.Modern));

        h.Write(VirtioMmio.Status, (uint)VirtioStatus.Acknowledge);

        Assert.Equal((uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk), h.Read(VirtioMmio.Status));
        Assert.Contains("clear status bits", h.LastError.Message);
    }

    [Fact]
    public void QueueRegisters_WrittenWhileReady_AreIgnored()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        h.Write(VirtioMmio.QueueSel, 0);

        h.Write(VirtioMmio.QueueNum, 4);
        h.Write(VirtioMmio.QueueDescLow, 0x1000);

        Assert.Equal(8, h.Transport.GetQueue(0)!.Size);
        Assert.Equal(h.Split(0).DescArea, h.Transport.GetQueue(0)!.DescArea.Value);
        Assert.Contains("while the queue is ready", h.LastError.Message);
    }

    [Fact]
    public void QueueReadyZero_StopsTheQueue()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        SplitRing ring = h.Split(0);
        h.Write(VirtioMmio.QueueSel, 0);

        h.Write(VirtioMmio.QueueReady, 0);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Kick(0);

        Assert.Null(h.Transport.GetQueue(0));
        Assert.Equal(0, ring.UsedIdx);
    }

    [Fact]
    public void Registers_RejectMisalignedOffsets()
    {
        VirtioHarness h = Unstarted();

        Assert.Throws<ArgumentOutOfRangeException>(() => h.Read(0x71));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Write(-4, 0));
    }
}
