using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>virtio-net loopback and generator over split rings.</summary>
public sealed class NetDeviceTests
{
    private const int Rx = VirtioNetConfig.ReceiveQueue;
    private const int Tx = VirtioNetConfig.TransmitQueue;
    private const int RxBuffers = 0;
    private const int TxBuffers = 32 << 10;

    private static void PostReceive(VirtioHarness h, int index, int size = 2048)
    {
        SplitRing rx = h.Split(Rx);
        rx.SetDesc(index, h.At(RxBuffers + index * 2048), (uint)size, VirtqDescFlags.Write);
        rx.Offer((ushort)index);
        h.Kick(Rx);
    }

    private static void Transmit(VirtioHarness h, int index, byte[] frame)
    {
        SplitRing tx = h.Split(Tx);
        int at = TxBuffers + index * 2048;
        h.Data.Span.Slice(at, VirtioNetHdr.Size).Clear();
        frame.CopyTo(h.Data.Span[(at + VirtioNetHdr.Size)..]);
        tx.SetDesc(index, h.At(at), VirtioNetHdr.Size, VirtqDescFlags.Next, (ushort)(index + 4)); // header and frame in two descriptors
        tx.SetDesc(index + 4, h.At(at + VirtioNetHdr.Size), (uint)frame.Length, VirtqDescFlags.None);
        tx.Offer((ushort)index);
        h.Kick(Tx);
    }

    [Fact]
    public void ConfigSpace_HasTheMacAndLinkUp()
    {
        var h = new VirtioHarness(new VirtioNetDevice(), features: VirtioHarness.Modern | VirtioNetFeatures.Mac | VirtioNetFeatures.Status);
        var config = new byte[VirtioNetConfig.Size];

        h.Transport.ReadConfig(0, config);

        Assert.Equal(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, config[..6]);
        Assert.Equal(VirtioNetConfig.StatusLinkUp, BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(6)));
        Assert.Equal((uint)VirtioDeviceType.Net, h.Read(VirtioMmio.DeviceId));
    }

    [Fact]
    public void Loopback_WhatIsSentComesBack_WithATwelveByteHeader()
    {
        var net = new VirtioNetDevice();
        var h = new VirtioHarness(net);
        byte[] frame = Machines.Pattern(60, 0x70);
        PostReceive(h, 0);
        h.Data.Span.Slice(RxBuffers, 2048).Fill(0xCC);

        Transmit(h, 0, frame);

        SplitRing rx = h.Split(Rx);
        Assert.Equal(1, rx.UsedIdx);
        Assert.Equal((0u, (uint)(VirtioNetHdr.Size + 60)), rx.Used(0));
        Span<byte> header = h.Data.Span.Slice(RxBuffers, VirtioNetHdr.Size);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(header[VirtioNetHdr.NumBuffersOffset..]));
        Assert.True(header[..VirtioNetHdr.NumBuffersOffset].ToArray().All(b => b == 0));
        Assert.Equal(frame, h.Data.Span.Slice(RxBuffers + VirtioNetHdr.Size, 60).ToArray());
        Assert.Equal(0xCC, h.Data.Span[RxBuffers + VirtioNetHdr.Size + 60]); // nothing past the frame
        Assert.Equal(1, h.Split(Tx).UsedIdx);
        Assert.Equal((1, 60, 1, 60), (net.TxFrames, net.TxBytes, net.RxFrames, net.RxBytes));
    }

    [Fact]
    public void Loopback_WithoutAReceiveBuffer_HoldsTheTransmitBuffer_UntilOneIsPosted()
    {
        var h = new VirtioHarness(new VirtioNetDevice());
        byte[] frame = Machines.Pattern(100, 1);

        Transmit(h, 0, frame);
        ushort txUsedBefore = h.Split(Tx).UsedIdx;
        PostReceive(h, 0);

        Assert.Equal(0, txUsedBefore);
        Assert.Equal(1, h.Split(Tx).UsedIdx);
        Assert.Equal(frame, h.Data.Span.Slice(RxBuffers + VirtioNetHdr.Size, 100).ToArray());
    }

    [Fact]
    public void Loopback_ReceiveBufferTooSmall_DropsTheFrame()
    {
        var net = new VirtioNetDevice();
        var h = new VirtioHarness(net);
        PostReceive(h, 0, size: 40);

        Transmit(h, 0, Machines.Pattern(100, 1));

        Assert.Equal(1, net.RxDropped);
        Assert.Equal((0u, 0u), h.Split(Rx).Used(0));
        Assert.False(h.NeedsReset);
    }

    [Fact]
    public void Transmit_ShorterThanTheHeader_NeedsReset()
    {
        var h = new VirtioHarness(new VirtioNetDevice());
        SplitRing tx = h.Split(Tx);
        tx.SetDesc(0, h.At(TxBuffers), 8, VirtqDescFlags.None);

        tx.Offer(0);
        h.Kick(Tx);

        Assert.True(h.NeedsReset);
        Assert.Contains("virtio_net_hdr", h.Transport.NeedsResetReason);
    }

    [Fact]
    public void Generator_FillsEveryPostedBuffer_WithVerifiableFrames()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Generator, GeneratorFrameSize = 1000 });
        var h = new VirtioHarness(net);

        for (int i = 0; i < 4; i++)
        {
            PostReceive(h, i);
        }

        Assert.Equal(4, h.Split(Rx).UsedIdx);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal((uint)i, h.Split(Rx).Used(i).Id);
            Assert.Equal((uint)(VirtioNetHdr.Size + 1000), h.Split(Rx).Used(i).Len);
            Assert.True(VirtioNetGenerator.Verify(h.Data.Span.Slice(RxBuffers + i * 2048 + VirtioNetHdr.Size, 1000), out long sequence));
            Assert.Equal(i, sequence);
        }

        Assert.Equal(4000, net.RxBytes);
    }

    [Fact]
    public void Generator_StopsAfterItsFrameCount()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Generator, GeneratorFrames = 2 });
        var h = new VirtioHarness(net);

        for (int i = 0; i < 4; i++)
        {
            PostReceive(h, i);
        }

        Assert.Equal(2, h.Split(Rx).UsedIdx);
        Assert.Equal(2, net.RxFrames);
    }

    [Fact]
    public void InterruptHandler_ThatRefillsAndKicks_IsServedIteratively()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Generator, GeneratorFrames = 5000, GeneratorFrameSize = 64 });
        var h = new VirtioHarness(net, queueSize: 4);
        SplitRing rx = h.Split(Rx);
        ushort seen = 0;
        int depth = 0;
        int deepest = 0;
        h.Transport.Interrupt += bits =>
        {
            depth++;
            deepest = Math.Max(deepest, depth);
            for (; seen != rx.UsedIdx; seen++)
            {
                ushort id = (ushort)rx.Used(seen).Id;
                Assert.True(VirtioNetGenerator.Verify(h.Data.Span.Slice(RxBuffers + id * 2048 + VirtioNetHdr.Size, 64), out _));
                rx.Offer(id); // the driver's NAPI poll: give the buffer back and kick
                h.Kick(Rx);
            }

            depth--;
        };

        for (int i = 0; i < 4; i++)
        {
            PostReceive(h, i);
        }

        Assert.Equal(5000, net.RxFrames);
        Assert.True(deepest <= 2, $"interrupt handlers nested {deepest} deep");
    }

    [Fact]
    public void GeneratorVerify_RejectsACorruptedFrame()
    {
        var frame = new byte[200];
        VirtioNetGenerator.Fill(frame, 7, new byte[6]);
        Assert.True(VirtioNetGenerator.Verify(frame, out _));

        frame[150] ^= 1;

        Assert.False(VirtioNetGenerator.Verify(frame, out long sequence));
        Assert.Equal(-1, sequence);
    }

    [Fact]
    public void Generator_ConsumesTransmittedFrames()
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { Mode = VirtioNetMode.Generator });
        var h = new VirtioHarness(net);

        Transmit(h, 0, Machines.Pattern(64, 3));

        Assert.Equal(1, h.Split(Tx).UsedIdx);
        Assert.Equal(1, net.TxFrames);
    }
}
