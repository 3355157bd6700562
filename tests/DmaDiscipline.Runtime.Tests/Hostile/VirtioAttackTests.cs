using System.Buffers.Binary;
using CsCheck;
using DmaDiscipline.Runtime.Tests.Virtio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime.Virtio.Net;
using static DmaDiscipline.Runtime.Tests.Hostile.Hostile;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// A driver that drives the virtio-mmio registers and the rings wrong on purpose: register values
/// outside every range, queues that do not exist, rings that lie, and an interrupt handler that
/// resets or unplugs the device while it is working. The device answers with DEVICE_NEEDS_RESET,
/// a device error or a refusal — never an exception out of the device, never a hang — and a reset
/// always brings it back.
/// </summary>
public sealed class VirtioAttackTests
{
    private static void BlkRequestCompletes(VirtioHarness h)
    {
        SplitRing ring = h.Split(0);
        ushort head = Requests.Blk(h, ring, 0, VirtioBlkReq.TypeOut, 1, 512, dataWritable: false);
        ushort used = ring.UsedIdx;
        ring.Offer(head);
        h.Kick(0);
        Assert.Equal((ushort)(used + 1), ring.UsedIdx);
        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
    }

    private static void Restart(VirtioHarness h, ulong features = VirtioHarness.Modern)
    {
        Assert.True(h.Negotiate(features), h.Transport.FeaturesRejectedReason);
        h.Rings.Clear();
        h.SetupQueues();
        h.DriverOk();
        Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(63u)]
    [InlineData(64u)]
    [InlineData(0x8000u)]
    [InlineData(0xffffu)]
    [InlineData(0x1_0000u)]
    [InlineData(uint.MaxValue)]
    [InlineData(0x8000_0000u)]
    public void ANotifyOfAQueueThatDoesNotExist_IsIgnored(uint queue)
    {
        var h = new VirtioHarness(new VirtioBlkDevice());

        NeverInternal(() => h.Write(VirtioMmio.QueueNotify, queue), Type.EmptyTypes);

        Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
        BlkRequestCompletes(h);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(64u)]
    [InlineData(uint.MaxValue)]
    [InlineData(0x8000_0000u)]
    public void SelectingAQueueThatDoesNotExist_ReadsZeroes_AndReadyingItIsRefusedByTheDevice(uint queue)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), start: false);
        Assert.True(h.Negotiate(VirtioHarness.Modern));

        NeverInternal(() =>
        {
            h.Write(VirtioMmio.QueueSel, queue);
            Assert.Equal(0u, h.Read(VirtioMmio.QueueNumMax));
            Assert.Equal(0u, h.Read(VirtioMmio.QueueReady));
            h.Write(VirtioMmio.QueueNum, 8);
            h.Write(VirtioMmio.QueueDescLow, 0x1000);
            h.Write(VirtioMmio.QueueReady, 1);
            Assert.Equal(0u, h.Read(VirtioMmio.QueueReady));
        }, Type.EmptyTypes);

        Assert.Null(h.Transport.GetQueue(unchecked((int)queue)));
        h.SetupQueues();
        h.DriverOk();
        Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
        BlkRequestCompletes(h);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(257u)]
    [InlineData(0x8000u)]
    [InlineData(0x1_0000u)]
    [InlineData(uint.MaxValue)]
    public void AnAbsurdQueueSize_MakesQueueReadyFail_WithAReason_NeverAnException(uint size)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), start: false);
        Assert.True(h.Negotiate(VirtioHarness.Modern));
        var ring = new SplitRing(h.Device, 8);

        NeverInternal(() =>
        {
            h.Write(VirtioMmio.QueueSel, 0);
            h.Write(VirtioMmio.QueueNum, size);
            h.Write(VirtioMmio.QueueDescLow, (uint)ring.DescArea);
            h.Write(VirtioMmio.QueueDescHigh, (uint)(ring.DescArea >> 32));
            h.Write(VirtioMmio.QueueDriverLow, (uint)ring.DriverArea);
            h.Write(VirtioMmio.QueueDriverHigh, (uint)(ring.DriverArea >> 32));
            h.Write(VirtioMmio.QueueDeviceLow, (uint)ring.DeviceArea);
            h.Write(VirtioMmio.QueueDeviceHigh, (uint)(ring.DeviceArea >> 32));
            h.Write(VirtioMmio.QueueReady, 1);
        }, Type.EmptyTypes);

        Assert.Null(h.Transport.GetQueue(0));
        Assert.True(h.NeedsReset || h.Read(VirtioMmio.QueueReady) == 0);
        if (h.NeedsReset)
        {
            Assert.False(string.IsNullOrEmpty(h.Transport.NeedsResetReason));
        }

        Restart(h);
        BlkRequestCompletes(h);
    }

    [Theory]
    [InlineData(ulong.MaxValue & ~0xfUL)]
    [InlineData(0xffff_ffff_ffff_f000UL)]
    [InlineData(0UL)]
    [InlineData(1UL << 63)]
    public void RingAreasAtAbsurdAddresses_BreakTheQueue_NeverTheDevice(ulong area)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), start: false);
        Assert.True(h.Negotiate(VirtioHarness.Modern));

        NeverInternal(() =>
        {
            h.Write(VirtioMmio.QueueSel, 0);
            h.Write(VirtioMmio.QueueNum, 256);
            h.Transport.SetQueueDesc(area);
            h.Transport.SetQueueDriver(area);
            h.Transport.SetQueueDevice(area);
            h.Write(VirtioMmio.QueueReady, 1);
            h.DriverOk();
            h.Kick(0);
        }, Type.EmptyTypes);

        Assert.True(h.NeedsReset || h.Transport.GetQueue(0) is null or { IsBroken: true }, "a ring no mapping covers was serviced");
        Restart(h);
        BlkRequestCompletes(h);
    }

    [Fact]
    public void ConfigurationSpaceAccesses_OutsideTheSpace_AreRefusedWithoutOverflow()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        var four = new byte[4];

        foreach (int offset in new[] { int.MaxValue, int.MaxValue - 2, VirtioBlkConfig.Size, VirtioBlkConfig.Size - 3, -1, int.MinValue })
        {
            Refuses<ArgumentOutOfRangeException>(() => h.Transport.ReadConfig(offset, four));
            Refuses<ArgumentOutOfRangeException>(() => h.Transport.WriteConfig(offset, four));
        }

        Refuses<ArgumentOutOfRangeException>(() => h.Transport.ReadConfig(0, new byte[VirtioBlkConfig.Size + 1]));
        foreach (int offset in new[] { int.MaxValue - 3, 0x7fff_fffc, 0x1000, 0x10_0000 })
        {
            NeverInternal(() => _ = h.Transport.Read(offset), typeof(ArgumentOutOfRangeException));
            NeverInternal(() => h.Transport.Write(offset, 0xffff_ffff), typeof(ArgumentOutOfRangeException));
        }

        Assert.True(h.Transport.IsLive);
        BlkRequestCompletes(h);
    }

    /// <summary>One register write of a hostile driver: a register of the window (or just past it) and a value.</summary>
    public sealed record RegisterWrite(int Offset, uint Value)
    {
        public override string ToString() => $"[0x{Offset:x3}] = 0x{Value:x}";
    }

    private static readonly int[] Registers =
    [
        VirtioMmio.DeviceFeaturesSel, VirtioMmio.DriverFeatures, VirtioMmio.DriverFeaturesSel, VirtioMmio.QueueSel,
        VirtioMmio.QueueNum, VirtioMmio.QueueReady, VirtioMmio.QueueNotify, VirtioMmio.InterruptAck, VirtioMmio.Status,
        VirtioMmio.QueueDescLow, VirtioMmio.QueueDescHigh, VirtioMmio.QueueDriverLow, VirtioMmio.QueueDriverHigh,
        VirtioMmio.QueueDeviceLow, VirtioMmio.QueueDeviceHigh, VirtioMmio.ConfigGeneration, VirtioMmio.MagicValue,
        VirtioMmio.ConfigOffset, VirtioMmio.ConfigOffset + 4, VirtioMmio.ConfigOffset + 32, VirtioMmio.ConfigOffset + 0x100, 0x1fc, 0x0a8, 0x0ac, 0x0b0,
    ];

    private static Gen<T> Pick<T>(T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static readonly Gen<RegisterWrite> Writes = Gen.Select(
        Pick(Registers),
        Gen.Frequency(
            (4, Gen.UInt[0, 16]),
            (2, Pick(new[] { 0u, 1u, 2u, 3u, 4u, 7u, 8u, 0x0fu, 0x40u, 0x80u, 0xffu, 0x100u, 0x8000u, 0xffffu, 0x1_0000u, 0x7fff_ffffu, 0x8000_0000u, uint.MaxValue })),
            (1, Gen.UInt)),
        (offset, value) => new RegisterWrite(offset, value));

    [Fact]
    public void RandomRegisterWrites_NeverThrowOutOfTheDevice_AndAResetAlwaysBringsItBack()
    {
        Finishes(() => Gen.Select(Gen.Bool, Writes.Array[1, 40]).Sample(c =>
        {
            (bool net, RegisterWrite[] writes) = c;
            var h = new VirtioHarness(net ? new VirtioNetDevice() : new VirtioBlkDevice());
            foreach (RegisterWrite write in writes)
            {
                h.Write(write.Offset, write.Value);
                _ = h.Read(write.Offset);
            }

            if (!net)
            {
                Restart(h);
                BlkRequestCompletes(h);
            }
            else
            {
                Restart(h);
            }
        }, iterations: 150, stream: 15), "random register writes", seconds: 600); // a bound only to turn a hang into a failure
    }

    [Fact]
    public void AnInterruptHandlerThatResetsTheDevice_WhileItIsWorking_LeavesItResettable()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        int resets = 0;
        h.Transport.Interrupt += _ =>
        {
            if (resets++ == 0)
            {
                h.Write(VirtioMmio.Status, 0);
            }
        };
        SplitRing ring = h.Split(0);
        for (int slot = 0; slot < 2; slot++)
        {
            ring.Offer(Requests.Blk(h, ring, slot, VirtioBlkReq.TypeOut, (ulong)slot, 512, dataWritable: false));
        }

        Finishes(() => h.Kick(0), "a notify whose interrupt handler resets the device");

        Assert.Equal(VirtioStatus.None, h.Transport.Status);
        Restart(h);
        BlkRequestCompletes(h);
    }

    [Fact]
    public void AnInterruptHandlerThatUnplugsTheDevice_EndsItsWorkWithoutAnInternalException()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        h.Transport.Interrupt += _ =>
        {
            if (!h.Device.IsRemoved)
            {
                h.Machine.RemoveDevice(h.Device);
            }
        };
        SplitRing ring = h.Split(0);
        for (int slot = 0; slot < 3; slot++)
        {
            ring.Offer(Requests.Blk(h, ring, slot, VirtioBlkReq.TypeOut, (ulong)slot, 512, dataWritable: false));
        }

        Exception? error = null;
        Finishes(() => error = NeverInternal(() => h.Kick(0), typeof(InvalidOperationException), typeof(ObjectDisposedException)), "a notify whose interrupt handler unplugs the device");
        NeverInternal(() => h.Kick(0), typeof(InvalidOperationException), typeof(ObjectDisposedException));
        NeverInternal(() => h.Write(VirtioMmio.Status, 0), typeof(InvalidOperationException), typeof(ObjectDisposedException));

        Assert.True(h.Device.IsRemoved);
        StillWorks(h.Machine, h.Machine.AddDevice(Machines.Nic));
    }

    [Fact]
    public void AZeroLengthIndirectTable_IsRefused()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        SplitRing ring = h.Split(0);
        ring.SetDesc(0, h.At(8192), 0, VirtqDescFlags.Indirect);

        ring.Offer(0);
        Finishes(() => h.Kick(0), "a zero-length indirect table");

        Assert.True(h.NeedsReset);
        Assert.Contains(h.LastError.Kind, new[] { VirtioErrorKind.BadIndirect, VirtioErrorKind.LengthOutOfRange });
        Restart(h, VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        BlkRequestCompletes(h);
    }

    [Theory]
    [InlineData(0xffff_fff0u)]
    [InlineData(16u * 65536)]
    [InlineData(16u * 9)]
    public void AnIndirectTableLongerThanTheQueue_IsRefused_WithoutReadingIt(uint length)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        SplitRing ring = h.Split(0);
        ring.SetDesc(0, h.At(8192), length, VirtqDescFlags.Indirect);

        ring.Offer(0);
        Finishes(() => h.Kick(0), "an indirect table longer than the queue");

        Assert.True(h.NeedsReset);
        Assert.Contains(h.LastError.Kind, new[] { VirtioErrorKind.ChainTooLong, VirtioErrorKind.BadIndirect, VirtioErrorKind.LengthOutOfRange });
        Restart(h, VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        BlkRequestCompletes(h);
    }

    [Fact]
    public void AnIndirectTableAtAnAddressThatWraps_IsRefused()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        SplitRing ring = h.Split(0);
        ring.SetDesc(0, ulong.MaxValue - 15, 32, VirtqDescFlags.Indirect);

        ring.Offer(0);
        Finishes(() => h.Kick(0), "an indirect table that wraps the bus");

        Assert.True(h.NeedsReset);
        Restart(h, VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        BlkRequestCompletes(h);
    }

    [Fact]
    public void ZeroLengthDescriptors_InARequest_AreAnsweredNotThrown()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        SplitRing ring = h.Split(0);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeIn, 0);
        ring.SetDesc(0, h.At(Requests.HeaderAt), VirtioBlkReq.HeaderSize, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, h.At(Requests.DataAt), 0, VirtqDescFlags.Next | VirtqDescFlags.Write, 2);
        ring.SetDesc(2, h.At(Requests.DataAt), 0, VirtqDescFlags.Next | VirtqDescFlags.Write, 3);
        ring.SetDesc(3, h.At(Requests.StatusAt), 1, VirtqDescFlags.Write);

        ring.Offer(0);
        Finishes(() => h.Kick(0), "zero-length descriptors");

        if (!h.NeedsReset)
        {
            Assert.Equal(1, ring.UsedIdx);
        }

        Restart(h);
        BlkRequestCompletes(h);
    }

    [Fact]
    public void AvailIdxJumpingBackwards_IsNotAFlood_OfOldRequests()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        SplitRing ring = h.Split(0);
        BlkRequestCompletes(h);
        long popped = h.Transport.GetQueue(0)!.Popped;

        ring.PublishAvailIdx(0); // behind the device's last_avail_idx: 65535 entries "ahead", more than a queue
        Finishes(() => h.Kick(0), "avail.idx moving backwards");

        Assert.True(h.NeedsReset);
        Assert.Equal(popped, h.Transport.GetQueue(0)!.Popped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PackedDescriptorsWithWrongWrapBits_AreNotAvailable_AndNothingHangs(bool usedToo)
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.RingPacked);
        PackedRing ring = h.Packed(0);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeFlush, 0);
        for (int i = 0; i < ring.Size; i++)
        {
            // Wrap counter starts at 1: a driver that writes AVAIL=0 (or AVAIL=USED=1) made nothing available.
            VirtqDescFlags flags = VirtqDescFlags.Next | (usedToo ? VirtqDescFlags.Avail | VirtqDescFlags.Used : VirtqDescFlags.Used);
            ring.SetDesc(i, new PvirtqDesc(h.At(0), 16, (ushort)i, flags));
        }

        Finishes(() => h.Kick(0), "a packed ring with wrong wrap bits");

        Assert.Equal(0, h.Transport.GetQueue(0)!.Popped);
        Assert.False(h.NeedsReset);
    }

    [Fact]
    public void APackedRingWhollyAvailable_WithNextOnEveryDescriptor_IsAChainTooLong_NotALoopForever()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), features: VirtioHarness.Modern | VirtioFeatures.RingPacked);
        PackedRing ring = h.Packed(0);
        for (int i = 0; i < ring.Size; i++)
        {
            ring.SetDesc(i, new PvirtqDesc(h.At(0), 16, (ushort)i, VirtqDescFlags.Next | PvirtqDesc.AvailFlags(true)));
        }

        Finishes(() => h.Kick(0), "a packed ring of one endless chain");

        Assert.True(h.NeedsReset);
        Restart(h, VirtioHarness.Modern | VirtioFeatures.RingPacked);
    }

    [Fact]
    public void DevicePushes_AreCheckedEvenWhenTheModelIsDrivenByHand()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        var other = new VirtioHarness(new VirtioBlkDevice());
        DeviceVirtqueue queue = h.Transport.GetQueue(0)!;
        DeviceVirtqueue otherQueue = other.Transport.GetQueue(0)!;
        SplitRing ring = other.Split(0);
        Requests.WriteBlkHeader(other, 0, VirtioBlkReq.TypeFlush, 0);
        ring.SetDesc(0, other.At(0), 16, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, other.At(32), 1, VirtqDescFlags.Write);
        ring.Offer(0); // offered but not kicked: the test pops it itself
        Assert.Equal(VirtqPopResult.Chain, otherQueue.TryPop(out VirtqChain chain));

        Refuses<ArgumentException>(() => queue.Push(chain, 0), "chain");
        Refuses<ArgumentOutOfRangeException>(() => otherQueue.Push(chain, uint.MaxValue), "written");
        Refuses<ArgumentOutOfRangeException>(() => otherQueue.Push(chain, 2), "written");
        Refuses<ArgumentOutOfRangeException>(() => chain.TryRead(long.MaxValue, new byte[1]));
        Refuses<ArgumentOutOfRangeException>(() => chain.TryRead(long.MinValue, new byte[1]));
        Refuses<ArgumentOutOfRangeException>(() => chain.TryWrite(long.MaxValue, new byte[1]));
        Refuses<ArgumentOutOfRangeException>(() => chain.TryRead(1, new byte[16]));
        Assert.True(otherQueue.Push(chain, 1));
        Refuses<InvalidOperationException>(() => otherQueue.Push(chain, 1));
        Assert.Equal(1, ring.UsedIdx);
    }

    [Fact]
    public void NetControlCommands_WithAbsurdPairCounts_AreAnsweredWithAnError()
    {
        var h = new VirtioHarness(new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 2 }),
            features: VirtioHarness.Modern | VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq);
        int control = VirtioNetConfig.ControlQueueOf(2);
        SplitRing ring = h.Split(control);
        foreach (ushort pairs in new ushort[] { 0, 3, 0x8000, 0xffff })
        {
            Span<byte> command = h.Data.Span;
            command[VirtioNetCtrl.ClassOffset] = VirtioNetCtrl.ClassMq;
            command[VirtioNetCtrl.CommandOffset] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(command[VirtioNetCtrl.HeaderSize..], pairs);
            command[64] = 0xee;
            ring.SetDesc(0, h.At(0), VirtioNetCtrl.HeaderSize + 2, VirtqDescFlags.Next, 1);
            ring.SetDesc(1, h.At(64), 1, VirtqDescFlags.Write);
            ring.Offer(0);
            Finishes(() => h.Kick(control), "a control command");
            Assert.Equal(VirtioNetCtrl.Err, h.Data.Span[64]);
        }

        Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
    }
    [Fact]
    public void AnInterruptHandlerThatThrows_DoesNotWedgeTheQueue()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        int raised = 0;
        h.Transport.Interrupt += _ =>
        {
            if (Interlocked.Increment(ref raised) == 1)
            {
                throw new InvalidOperationException("the driver's interrupt handler failed");
            }
        };
        SplitRing ring = h.Split(0);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeOut, 0, 512, dataWritable: false));

        Finishes(() => Record.Exception(() => h.Kick(0)), "a notify whose interrupt handler throws");

        Assert.Equal(1, ring.UsedIdx);
        Finishes(() => BlkRequestCompletes(h), "the next request after a throwing interrupt handler");
        Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
    }

    [Fact]
    public void AFaultListenerThatThrows_NeitherBreaksTheDeviceNorHangsALaterStrictUnmap()
    {
        var h = new VirtioHarness(new VirtioBlkDevice(), machine: Machines.With(debug: DmaDebugMode.Collect));
        h.Machine.Faults.FaultRaised += _ => throw new InvalidOperationException("a listener failed");
        SplitRing ring = h.Split(0);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeOut, 0);
        ring.SetDesc(0, h.At(Requests.HeaderAt), VirtioBlkReq.HeaderSize, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, 0x7000_0000, 512, VirtqDescFlags.Next, 2); // no mapping there: the data read faults
        ring.SetDesc(2, h.At(Requests.StatusAt), 1, VirtqDescFlags.Write);
        ring.Offer(0);

        Finishes(() => Record.Exception(() => h.Kick(0)), "a notify whose fault listener throws");
        Finishes(() => Record.Exception(() => h.Device.Bus.TryRead(new DmaAddr(0x7000_0000), new byte[8])), "a faulting read whose listener throws");

        // The device's transactions in flight must have been counted down: a strict unmap from another thread drains them.
        Finishes(() => StillWorks(h.Machine, h.Device), "a strict map/unmap cycle after throwing fault listeners");
        Finishes(() => BlkRequestCompletes(h), "a request after throwing fault listeners");
    }

    [Fact]
    public void InThrowMode_ADeviceAccessViolation_ThrowsAtTheNotify_AndLeavesTheQueueWorking()
    {
        // Throw mode throws at the first violation, a device's too; what it must not do is wedge the queue the request was on.
        Machine machine = Machines.With(DomainKind.Identity, debug: DmaDebugMode.Throw);
        var h = new VirtioHarness(new VirtioBlkDevice(), machine: machine);
        KBuffer unmapped = machine.Memory.Allocate(4096);
        SplitRing ring = h.Split(0);
        Requests.WriteBlkHeader(h, 1, VirtioBlkReq.TypeOut, 0);
        int slot = Requests.Slot(1);
        ring.SetDesc(3, h.At(slot + Requests.HeaderAt), VirtioBlkReq.HeaderSize, VirtqDescFlags.Next, 4);
        ring.SetDesc(4, unmapped.PhysicalAddress.Value, 512, VirtqDescFlags.Next, 5); // a raw physical address: DMA001
        ring.SetDesc(5, h.At(slot + Requests.StatusAt), 1, VirtqDescFlags.Write);
        ring.Offer(3);

        Exception? error = null;
        Finishes(() => error = Record.Exception(() => h.Kick(0)), "a notify whose request breaks a debug rule");

        Assert.True(error is null or DmaDebugException, error?.ToString());
        Assert.Contains(machine.Debug.Violations, v => v.RuleId == RuleIds.RawPhysicalAddress);
        machine.Debug.ClearViolations();
        Finishes(() => BlkRequestCompletes(h), "the next request on the queue");
        Assert.Equal(2, ring.UsedIdx);
    }
    [Fact]
    public void AQueueKeptAcrossAReset_IsStale_AndUsingItChangesNothing()
    {
        var h = new VirtioHarness(new VirtioBlkDevice());
        DeviceVirtqueue stale = h.Transport.GetQueue(0)!;
        SplitRing ring = h.Split(0);
        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
        h.Write(VirtioMmio.Status, 0);

        Exception? pop = NeverInternal(() => stale.TryPop(out _), typeof(InvalidOperationException));
        NeverInternal(() => stale.Push(stale.LastPopped, 0), typeof(InvalidOperationException), typeof(ArgumentException));

        Assert.Equal(0, ring.UsedIdx); // the reset device wrote nothing into the old ring
        _ = pop;
        Restart(h);
        BlkRequestCompletes(h);
    }
    [Theory]
    [InlineData(InvalidationMode.Strict, false)]
    [InlineData(InvalidationMode.Strict, true)]
    [InlineData(InvalidationMode.Lazy, true)]
    public void AFaultListenerThatUnplugsTheFaultingDevice_MidRequest_NeitherHangsNorThrowsInside(InvalidationMode mode, bool ats)
    {
        Machine machine = Machines.With(invalidation: mode, debug: DmaDebugMode.Collect);
        var h = new VirtioHarness(new VirtioBlkDevice(), machine: machine, deviceOptions: new DeviceOptions { Ats = ats });
        machine.Faults.FaultRaised += fault =>
        {
            if (machine.Find(fault.Device) is { } device)
            {
                machine.RemoveDevice(device);
            }
        };
        SplitRing ring = h.Split(0);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeOut, 0);
        ring.SetDesc(0, h.At(Requests.HeaderAt), VirtioBlkReq.HeaderSize, VirtqDescFlags.Next, 1);
        ring.SetDesc(1, 0x7000_0000, 512, VirtqDescFlags.Next, 2); // faults: the listener unplugs the device under its own request
        ring.SetDesc(2, h.At(Requests.StatusAt), 1, VirtqDescFlags.Write);
        ring.Offer(0);

        Finishes(() => NeverInternal(() => h.Kick(0), typeof(InvalidOperationException), typeof(ObjectDisposedException)), "a request whose fault listener unplugs its device");

        Assert.True(h.Device.IsRemoved);
        // The forged address (DMA001) and the ring and data area the driver still held (DMA002); the device's own
        // status write after its removal is blocked without blaming the driver.
        Assert.All(machine.Debug.Violations, v => Assert.True(v.RuleId == RuleIds.Leak || v.Address.Value == 0x7000_0000, v.ToString()));
        Assert.Contains(machine.Faults.Records, f => f.Reason == FaultReason.Blocked && f.Access == DmaAccess.Write);
        StillWorks(machine, machine.AddDevice(Machines.Disk));
    }
}
