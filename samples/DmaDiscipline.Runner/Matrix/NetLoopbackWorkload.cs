using DmaDiscipline.Runtime.Virtio.Net;
using System.Buffers.Binary;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Sends numbered frames of varying size through a loopback virtio-net device in bursts and checks
/// every frame that comes back byte for byte and in order. Gives up after a few bursts with no
/// progress (a faulting device returns nothing), counting the rest as lost.
/// </summary>
internal static class NetLoopbackWorkload
{
    private const int Burst = 32;
    private const int MaxIdleBursts = 4;

    // Bytes after the 4-byte sequence number: (seq + 7 * i) mod 256.
    private static readonly Pattern Payload = new(2048, i => (byte)(7 * i));

    /// <summary>Runs <paramref name="packets"/> frames through one queue pair of a driver (the driver itself for its first).</summary>
    public static void Run(INetQueue driver, int packets, WorkloadResult result)
    {
        Span<byte> tx = stackalloc byte[driver.MaxFrameLength];
        Span<byte> rx = stackalloc byte[driver.MaxFrameLength];
        int sent = 0;
        int expected = 0;
        int idle = 0;
        while (sent < packets && idle < MaxIdleBursts)
        {
            int burst = Math.Min(Burst, packets - sent);
            for (int i = 0; i < burst; i++)
            {
                int length = FrameLength(sent, driver.MaxFrameLength);
                Fill(tx[..length], sent);
                result.Attempted++;
                if (!driver.TrySend(tx[..length]))
                {
                    result.DataErrors++; // never happens to a healthy driver: the TX ring is larger than a burst
                }

                sent++;
            }

            driver.Poll();
            int received = 0;
            int length2;
            while ((length2 = driver.Receive(rx)) >= 0)
            {
                received++;
                if (length2 >= 4 && length2 <= rx.Length)
                {
                    int seq = BinaryPrimitives.ReadInt32LittleEndian(rx);
                    if (seq >= expected && seq < sent)
                    {
                        result.DataErrors += seq - expected; // frames skipped were lost
                        expected = seq + 1;
                        if (length2 == FrameLength(seq, driver.MaxFrameLength) && Matches(rx[..length2], seq))
                        {
                            result.Completed++;
                            continue;
                        }
                    }
                }

                result.DataErrors++;
            }

            driver.Poll();
            idle = received == 0 ? idle + 1 : 0;
        }

        result.DataErrors += Math.Max(0, sent - expected);
        result.Attempted += packets - sent;
        result.DataErrors += packets - sent;
    }

    private static int FrameLength(int seq, int max) => Math.Min(max, 60 + (int)((uint)(seq * 97) % 1455));

    private static void Fill(Span<byte> frame, int seq)
    {
        Payload.Fill(frame[4..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(frame, seq);
    }

    private static bool Matches(ReadOnlySpan<byte> frame, int seq) => Payload.Matches(frame[4..], seq);
}
