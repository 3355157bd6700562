using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio.Multiqueue;

/// <summary>virtio-net with VIRTIO_NET_F_MQ: queue numbering, the control queue's VQ_PAIRS_SET, and pairs driven from several threads at once.</summary>
public sealed class MultiqueueNetTests
{
    private const int Pairs = 4;
    private const int Control = 2 * Pairs;

    private static VirtioHarness Mq(VirtioNetDevice? net = null, Machine? machine = null) =>
        new(net ?? new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs }), features: MultiqueueRig.NetMq, queueSize: 8,
            machine: machine, dataSize: MultiqueueRig.ControlArea(Pairs) + 4096);

    private static byte? PairsSet(VirtioHarness h, int pairs) =>
        MultiqueueRig.Control(h, h.Split(Control), Control, MultiqueueRig.ControlArea(Pairs), MultiqueueRig.PairsSet(pairs));

    [Fact]
    public void MqDevice_OffersMqAndCtrlVq_ReportsMaxVirtqueuePairs_AndHasTheControlQueueLast()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = Mq(net);
        var config = new byte[VirtioNetConfig.Size];

        h.Transport.ReadConfig(0, config);

        Assert.Equal(VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq, h.Transport.DeviceFeatures & (VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq));
        Assert.Equal(Pairs, BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(VirtioNetConfig.MaxVirtqueuePairsOffset)));
        Assert.Equal((2 * Pairs) + 1, h.Transport.QueueCount);
        Assert.Equal(Control, VirtioNetConfig.ControlQueueOf(Pairs));
        Assert.Equal(6, VirtioNetConfig.ReceiveQueueOf(3));
        Assert.Equal(7, VirtioNetConfig.TransmitQueueOf(3));
        Assert.Equal(1, net.ActiveQueuePairs);
    }

    [Fact]
    public void SinglePairDevice_OffersNeitherMqNorCtrlVq_AndKeepsTwoQueues()
    {
        var net = new VirtioNetDevice();

        Assert.Equal(0UL, net.DeviceFeatures & (VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq));
        Assert.Equal(2, net.QueueCount);
    }

    [Fact]
    public void MqWithoutCtrlVq_IsRefusedAtFeaturesOk()
    {
        var h = new VirtioHarness(new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs }), start: false);

        Assert.False(h.Negotiate(VirtioHarness.Modern | VirtioNetFeatures.Mq));
        Assert.Contains("VIRTIO_NET_F_CTRL_VQ", h.Transport.FeaturesRejectedReason);
    }

    [Fact]
    public void PairsSet_EnablesPairs_AndServesWhatWasPostedBeforeIt()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = Mq(net);
        SplitRing rx = h.Split(VirtioNetConfig.ReceiveQueueOf(2));
        SplitRing tx = h.Split(VirtioNetConfig.TransmitQueueOf(2));
        int at = 2 * MultiqueueRig.SliceSize;
        rx.SetDesc(0, h.At(at), 2048, VirtqDescFlags.Write);
        rx.Offer(0);
        h.Kick(VirtioNetConfig.ReceiveQueueOf(2));
        h.Data.Span.Slice(at + 4096, 100).Clear();
        tx.SetDesc(0, h.At(at + 4096), 100);
        tx.Offer(0);
        h.Kick(VirtioNetConfig.TransmitQueueOf(2));

        Assert.Equal(0, tx.UsedIdx); // pair 3 is not enabled yet: its buffers wait
        Assert.Equal(0, rx.UsedIdx);
        Assert.Empty(h.Transport.Errors);

        Assert.Equal(VirtioNetCtrl.Ok, PairsSet(h, 3));

        Assert.Equal(3, net.ActiveQueuePairs);
        Assert.Equal(1, tx.UsedIdx);
        Assert.Equal(1, rx.UsedIdx);
        Assert.Equal((VirtioNetHdr.Size + 88u), rx.Used(0).Len);
        Assert.False(h.NeedsReset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Pairs + 1)]
    [InlineData(0x8000)]
    public void PairsSet_OutsideOneToMax_IsAnsweredErr_AndChangesNothing(int pairs)
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = Mq(net);
        Assert.Equal(VirtioNetCtrl.Ok, PairsSet(h, 2));

        Assert.Equal(VirtioNetCtrl.Err, PairsSet(h, pairs));

        Assert.Equal(2, net.ActiveQueuePairs);
        Assert.Equal(1, net.ControlCommandsFailed);
        Assert.Contains($"virtqueue_pairs {pairs} is not 1 to max_virtqueue_pairs {Pairs}", h.LastError.Message);
        Assert.False(h.NeedsReset);
    }

    public static TheoryData<string, byte[]> MalformedCommands => new()
    {
        { "no class or command", [] },
        { "class only", [VirtioNetCtrl.ClassMq] },
        { "one data byte", [VirtioNetCtrl.ClassMq, VirtioNetCtrl.MqVqPairsSet, 2] },
        { "three data bytes", [VirtioNetCtrl.ClassMq, VirtioNetCtrl.MqVqPairsSet, 2, 0, 0] },
        { "an unknown class", [99, 0, 2, 0] },
        { "an unknown MQ command", [VirtioNetCtrl.ClassMq, 7, 2, 0] },
    };

    [Theory]
    [MemberData(nameof(MalformedCommands))]
    public void MalformedCommand_IsAnsweredErr_WithAClearReason_AndTheDeviceRuns(string what, byte[] command)
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = Mq(net);

        byte? ack = command.Length == 0
            ? AckWithoutReadable(h)
            : MultiqueueRig.Control(h, h.Split(Control), Control, MultiqueueRig.ControlArea(Pairs), command);

        Assert.True(ack == VirtioNetCtrl.Err, what);
        Assert.Equal(1, net.ActiveQueuePairs);
        Assert.Equal(VirtioErrorKind.BadRequest, h.LastError.Kind);
        Assert.Contains("VIRTIO_NET_ERR", h.LastError.Message);
        Assert.False(h.NeedsReset);
        Assert.Equal(VirtioNetCtrl.Ok, PairsSet(h, 2)); // the control queue still works
    }

    [Fact]
    public void Command_WithoutAWritableAckByte_SetsDeviceNeedsReset()
    {
        var h = Mq();

        byte? ack = MultiqueueRig.Control(h, h.Split(Control), Control, MultiqueueRig.ControlArea(Pairs), MultiqueueRig.PairsSet(2), withAck: false);

        Assert.Null(ack);
        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.WriteToReadOnly, h.LastError.Kind);
        Assert.Contains("ack byte", h.Transport.NeedsResetReason);
    }

    [Fact]
    public void WithoutMq_ControlqIsQueueTwo_AndAThirdPairQueueCannotBeEnabled()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = new VirtioHarness(net, start: false, dataSize: MultiqueueRig.ControlArea(Pairs) + 4096);
        Assert.True(h.Negotiate(VirtioHarness.Modern | VirtioNetFeatures.CtrlVq));
        MultiqueueRig.SetupQueue(h, 0);
        MultiqueueRig.SetupQueue(h, 1);
        SplitRing control = MultiqueueRig.SetupQueue(h, 2);
        h.DriverOk();

        byte? ack = MultiqueueRig.Control(h, control, 2, MultiqueueRig.ControlArea(Pairs), MultiqueueRig.PairsSet(2));

        Assert.Equal(VirtioNetCtrl.Err, ack); // a controlq, but no MQ negotiated
        Assert.Contains("without VIRTIO_NET_F_MQ", h.LastError.Message);
        MultiqueueRig.SetupQueue(h, 3);
        Assert.True(h.NeedsReset);
        Assert.Equal(VirtioErrorKind.QueueConfig, h.LastError.Kind);
        Assert.Contains("queue 3 does not exist", h.LastError.Message);
    }

    [Theory]
    [InlineData(DomainKind.Translated)]
    [InlineData(DomainKind.Identity)]
    public void PairsOnTheirOwnThreads_LoopBackEveryFrameIntact_OnTheirOwnPairOnly(DomainKind domains)
    {
        const int frames = 3000;
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = Mq(net, Machines.With(domains));
        Assert.Equal(VirtioNetCtrl.Ok, PairsSet(h, Pairs));

        List<string> problems = MultiqueueRig.OnThreads(Pairs, pair =>
            MultiqueueRig.DrivePair(h, h.Split(VirtioNetConfig.ReceiveQueueOf(pair)), h.Split(VirtioNetConfig.TransmitQueueOf(pair)), pair, frames));

        Assert.Empty(problems);
        Assert.Empty(h.Transport.Errors);
        Assert.Equal(Pairs * frames, net.RxFrames);
        Assert.Equal(Pairs * frames, net.TxFrames);
        Assert.Equal(0, net.RxDropped + net.TxDropped);
        Assert.Empty(h.Machine.Faults.Records);
        Assert.False(h.NeedsReset);
    }

    [Fact]
    public void FatalErrorOnOnePair_StopsTheWholeDevice_WhileAnotherPairRuns()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = 2 });
        var h = new VirtioHarness(net, features: MultiqueueRig.NetMq, queueSize: 8, dataSize: MultiqueueRig.ControlArea(2) + 4096);
        Assert.Equal(VirtioNetCtrl.Ok, MultiqueueRig.Control(h, h.Split(4), 4, MultiqueueRig.ControlArea(2), MultiqueueRig.PairsSet(2)));

        List<string> problems = MultiqueueRig.OnThreads(2, pair =>
        {
            if (pair == 1)
            {
                SplitRing tx = h.Split(VirtioNetConfig.TransmitQueueOf(1));
                tx.SetDesc(0, h.At(MultiqueueRig.SliceSize), 4); // shorter than virtio_net_hdr: fatal
                tx.Offer(0);
                h.Kick(VirtioNetConfig.TransmitQueueOf(1));
                return [];
            }

            MultiqueueRig.DrivePair(h, h.Split(0), h.Split(1), 0, 2000);
            return []; // pair 1 stops the device at some point: pair 0's frames stop coming back, which is right
        });

        Assert.Empty(problems);
        Assert.True(h.NeedsReset);
        Assert.Contains("fewer than the 12-byte virtio_net_hdr", h.Transport.NeedsResetReason);
        Assert.Single(h.Transport.Errors, e => e.NeedsReset);
    }

    private static byte? AckWithoutReadable(VirtioHarness h)
    {
        // A command whose only descriptor is the writable ack byte: no class, no command.
        SplitRing control = h.Split(Control);
        int at = MultiqueueRig.ControlArea(Pairs);
        ushort before = control.UsedIdx;
        control.SetDesc(0, h.At(at + 64), 1, VirtqDescFlags.Write);
        control.Offer(0);
        h.Kick(Control);
        return control.UsedIdx == before ? null : h.Data.Span[at + 64];
    }
}
