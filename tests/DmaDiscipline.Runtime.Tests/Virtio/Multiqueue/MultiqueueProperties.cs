using CsCheck;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio.Multiqueue;

/// <summary>
/// Random sequences of VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (valid and not) and loopback traffic on random
/// pairs, checked against a model: a pair's frames come back on that pair only, in order and intact,
/// exactly while the pair is enabled; what was posted to a disabled pair waits and is delivered when
/// the pair is enabled; a count outside 1..max is answered VIRTIO_NET_ERR and changes nothing.
/// </summary>
public sealed class MultiqueueProperties
{
    private const int Pairs = 4;
    private const int Slots = 8;
    private const int Control = 2 * Pairs;

    /// <summary>Kind 0: VQ_PAIRS_SET of <c>Value % 6</c> (0 and 5 are out of range); otherwise a frame on pair <c>Pair % 4</c>.</summary>
    public readonly record struct Step(int Kind, int Pair, int Value)
    {
        public override string ToString() => $"({Kind},{Pair},{Value})";
    }

    private static readonly Gen<Step[]> Steps =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 100], Gen.Int[0, 100], (k, p, v) => new Step(k, p, v)).Array[1, 80];

    [Fact]
    public void FramesComeBackOnTheirOwnPair_ExactlyWhileItIsEnabled()
    {
        Steps.Sample(Run, iter: 150);
    }

    private static void Run(Step[] steps)
    {
        var net = new VirtioNetDevice(new VirtioNetOptions { MaxQueuePairs = Pairs });
        var h = new VirtioHarness(net, features: MultiqueueRig.NetMq, queueSize: Slots, dataSize: MultiqueueRig.ControlArea(Pairs) + 4096);
        int active = 1;
        var posted = new int[Pairs];
        var delivered = new int[Pairs];
        foreach (Step step in steps)
        {
            if (step.Kind == 0)
            {
                int pairs = step.Value % 6;
                byte? ack = MultiqueueRig.Control(h, h.Split(Control), Control, MultiqueueRig.ControlArea(Pairs), MultiqueueRig.PairsSet(pairs));
                bool valid = pairs is >= 1 and <= Pairs;
                Assert.Equal(valid ? VirtioNetCtrl.Ok : VirtioNetCtrl.Err, ack);
                active = valid ? pairs : active;
            }
            else
            {
                int pair = step.Pair % Pairs;
                if (posted[pair] - delivered[pair] == Slots)
                {
                    continue; // every slot of the pair waits for it to be enabled: a driver would stop here too
                }

                Post(h, pair, posted[pair]++);
            }

            for (int pair = 0; pair < Pairs; pair++)
            {
                if (pair < active)
                {
                    Check(h, pair, delivered[pair], posted[pair]);
                    delivered[pair] = posted[pair];
                }

                Assert.Equal((ushort)delivered[pair], h.Split(VirtioNetConfig.ReceiveQueueOf(pair)).UsedIdx);
                Assert.Equal((ushort)delivered[pair], h.Split(VirtioNetConfig.TransmitQueueOf(pair)).UsedIdx);
            }

            Assert.Equal(active, net.ActiveQueuePairs);
            Assert.False(h.NeedsReset, h.Transport.NeedsResetReason);
        }

        Assert.All(h.Transport.Errors, e => Assert.Contains("answered VIRTIO_NET_ERR", e.Message));
    }

    /// <summary>Posts a receive buffer and transmits frame <paramref name="sequence"/> on a pair, in slot <c>sequence % 8</c>.</summary>
    private static void Post(VirtioHarness h, int pair, int sequence)
    {
        int slot = sequence % Slots;
        int rxAt = (pair * MultiqueueRig.SliceSize) + (slot * 2048);
        int txAt = rxAt + (MultiqueueRig.SliceSize / 2);
        SplitRing rx = h.Split(VirtioNetConfig.ReceiveQueueOf(pair));
        SplitRing tx = h.Split(VirtioNetConfig.TransmitQueueOf(pair));
        h.Data.Span.Slice(rxAt, 2048).Clear();
        rx.SetDesc(slot, h.At(rxAt), 2048, VirtqDescFlags.Write);
        rx.Offer((ushort)slot);
        h.Kick(VirtioNetConfig.ReceiveQueueOf(pair));
        int length = Length(sequence);
        h.Data.Span.Slice(txAt, VirtioNetHdr.Size).Clear();
        MultiqueueRig.FillFrame(h.Data.Span.Slice(txAt + VirtioNetHdr.Size, length), pair, sequence);
        tx.SetDesc(slot, h.At(txAt), (uint)(VirtioNetHdr.Size + length));
        tx.Offer((ushort)slot);
        h.Kick(VirtioNetConfig.TransmitQueueOf(pair));
    }

    /// <summary>Frames <paramref name="from"/> to <paramref name="to"/> − 1 of a pair came back in their own slots, intact.</summary>
    private static void Check(VirtioHarness h, int pair, int from, int to)
    {
        SplitRing rx = h.Split(VirtioNetConfig.ReceiveQueueOf(pair));
        for (int sequence = from; sequence < to; sequence++)
        {
            int slot = sequence % Slots;
            (uint id, uint len) = rx.Used(sequence);
            Assert.Equal((uint)slot, id);
            Assert.Equal((uint)(VirtioNetHdr.Size + Length(sequence)), len);
            Assert.True(MultiqueueRig.IsFrame(h.Data.Span.Slice((pair * MultiqueueRig.SliceSize) + (slot * 2048) + VirtioNetHdr.Size, Length(sequence)), pair, sequence),
                $"pair {pair} frame {sequence} is not intact or not this pair's");
        }
    }

    private static int Length(int sequence) => 60 + ((sequence * 37) % 200);
}
