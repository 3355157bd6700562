using System.Buffers.Binary;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;

namespace DmaDiscipline.Runtime.Tests.Virtio.Multiqueue;

/// <summary>
/// Driver-side steps for multiqueue tests on a <see cref="VirtioHarness"/>: queue setup one queue at
/// a time, control commands, and a loopback pair driven from one thread with its own slice of the
/// data area.
/// </summary>
internal static class MultiqueueRig
{
    public const ulong NetMq = VirtioHarness.Modern | VirtioNetFeatures.Mq | VirtioNetFeatures.CtrlVq;

    /// <summary>Bytes of the data area each queue pair (or request queue) uses: 16 buffers of 2 KiB.</summary>
    public const int SliceSize = 32 << 10;

    /// <summary>The control command area, after every slice.</summary>
    public static int ControlArea(int slices) => slices * SliceSize;

    /// <summary>Enables one split queue with a fresh ring (the harness's own setup enables every queue the transport has).</summary>
    public static SplitRing SetupQueue(VirtioHarness h, int queue)
    {
        var ring = new SplitRing(h.Device, h.QueueSize);
        h.Write(VirtioMmio.QueueSel, (uint)queue);
        h.Write(VirtioMmio.QueueNum, (uint)h.QueueSize);
        h.Transport.SetQueueDesc(ring.DescArea);
        h.Transport.SetQueueDriver(ring.DriverArea);
        h.Transport.SetQueueDevice(ring.DeviceArea);
        h.Write(VirtioMmio.QueueReady, 1);
        return ring;
    }

    /// <summary>Sends one control command (readable class, command, data; writable ack) and returns the ack byte, or null if the device did not use the chain.</summary>
    public static byte? Control(VirtioHarness h, SplitRing control, int queue, int at, ReadOnlySpan<byte> command, bool withAck = true)
    {
        command.CopyTo(h.Data.Span[at..]);
        h.Data.Span[at + 64] = 0xEE;
        ushort before = control.UsedIdx;
        if (withAck)
        {
            control.SetDesc(0, h.At(at), (uint)command.Length, VirtqDescFlags.Next, 1);
            control.SetDesc(1, h.At(at + 64), 1, VirtqDescFlags.Write);
        }
        else
        {
            control.SetDesc(0, h.At(at), (uint)command.Length);
        }

        control.Offer(0);
        h.Kick(queue);
        return control.UsedIdx == before ? null : h.Data.Span[at + 64];
    }

    /// <summary>VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET with <paramref name="pairs"/>.</summary>
    public static byte[] PairsSet(int pairs)
    {
        var command = new byte[VirtioNetCtrl.HeaderSize + VirtioNetCtrl.MqVqPairsSetDataSize];
        command[VirtioNetCtrl.ClassOffset] = VirtioNetCtrl.ClassMq;
        command[VirtioNetCtrl.CommandOffset] = VirtioNetCtrl.MqVqPairsSet;
        BinaryPrimitives.WriteUInt16LittleEndian(command.AsSpan(VirtioNetCtrl.HeaderSize), (ushort)pairs);
        return command;
    }

    /// <summary>
    /// Loops <paramref name="frames"/> frames through pair <paramref name="pair"/> from the calling thread:
    /// each frame names its pair and sequence, and must come back on the same pair, intact and in order.
    /// Returns the problems found (empty when all is well).
    /// </summary>
    public static List<string> DrivePair(VirtioHarness h, SplitRing rx, SplitRing tx, int pair, int frames)
    {
        var problems = new List<string>();
        int rxQueue = VirtioNetConfig.ReceiveQueueOf(pair);
        int txQueue = VirtioNetConfig.TransmitQueueOf(pair);
        int rxBase = pair * SliceSize;
        int txBase = rxBase + (SliceSize / 2);
        int slots = Math.Min(8, h.QueueSize);
        for (int i = 0; i < frames && problems.Count < 5; i++)
        {
            int slot = i % slots;
            h.Data.Span.Slice(rxBase + (slot * 2048), 2048).Clear();
            rx.SetDesc(slot, h.At(rxBase + (slot * 2048)), 2048, VirtqDescFlags.Write);
            rx.Offer((ushort)slot);
            h.Kick(rxQueue);

            int length = 60 + ((i * 37) % 1400);
            Span<byte> packet = h.Data.Span.Slice(txBase + (slot * 2048), VirtioNetHdr.Size + length);
            packet[..VirtioNetHdr.Size].Clear();
            FillFrame(packet[VirtioNetHdr.Size..], pair, i);
            tx.SetDesc(slot, h.At(txBase + (slot * 2048)), (uint)packet.Length);
            tx.Offer((ushort)slot);
            h.Kick(txQueue);

            if (rx.UsedIdx != (ushort)(i + 1) || tx.UsedIdx != (ushort)(i + 1))
            {
                problems.Add($"pair {pair} frame {i}: rx used.idx {rx.UsedIdx}, tx used.idx {tx.UsedIdx}, expected {(ushort)(i + 1)}");
                continue;
            }

            (uint id, uint len) = rx.Used(i);
            ReadOnlySpan<byte> received = h.Data.Span.Slice(rxBase + (slot * 2048) + VirtioNetHdr.Size, length);
            if (id != slot || len != VirtioNetHdr.Size + length || !IsFrame(received, pair, i))
            {
                problems.Add($"pair {pair} frame {i}: used id {id} len {len}, data {(IsFrame(received, pair, i) ? "intact" : $"not this pair's frame {i} (names pair {received[0]})")}");
            }
        }

        return problems;
    }

    /// <summary>Runs <paramref name="work"/> for each index on its own thread, all released at once.</summary>
    public static List<string> OnThreads(int count, Func<int, List<string>> work)
    {
        var problems = new List<string>[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                problems[i] = work(i);
            }
            catch (Exception e)
            {
                problems[i] = [$"thread {i}: {e}"];
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return problems.SelectMany(p => p).ToList();
    }

    public static void FillFrame(Span<byte> frame, int pair, int sequence)
    {
        frame[0] = (byte)pair;
        BinaryPrimitives.WriteInt32LittleEndian(frame[1..], sequence);
        for (int b = 5; b < frame.Length; b++)
        {
            frame[b] = (byte)((sequence * 13) + (b * 7) + (pair * 101));
        }
    }

    public static bool IsFrame(ReadOnlySpan<byte> frame, int pair, int sequence)
    {
        if (frame[0] != pair || BinaryPrimitives.ReadInt32LittleEndian(frame[1..]) != sequence)
        {
            return false;
        }

        for (int b = 5; b < frame.Length; b++)
        {
            if (frame[b] != (byte)((sequence * 13) + (b * 7) + (pair * 101)))
            {
                return false;
            }
        }

        return true;
    }
}
