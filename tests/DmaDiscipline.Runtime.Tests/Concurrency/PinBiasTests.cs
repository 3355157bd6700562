using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// A buffer's pin count has two plain-counting owners (the first two threads to pin it: the probing
/// thread and a queue's) and an atomic count for every other thread; only the sum means anything.
/// A mapping made on one thread and released on another keeps the sum exact, and a free racing the
/// three kinds of pinner either frees a buffer nothing pins or is refused — never both.
/// </summary>
public sealed class PinBiasTests
{
    [Fact]
    public void PinsMadeByTheOwnerTheSecondOwnerAndAThirdThread_ReleasedEachOnAnotherThread_SumToNothing()
    {
        var machine = new Machine();
        KBuffer buffer = machine.Memory.Allocate(64);
        buffer.Pin(Environment.CurrentManagedThreadId); // the owner
        Threads.Run(2, t =>
        {
            if (t == 1)
            {
                Thread.Sleep(50); // the second owner is thread 0, thread 1 counts atomically
            }

            buffer.Pin(Environment.CurrentManagedThreadId);
        });

        Assert.Equal(3, buffer.Pins);
        Assert.Contains("still pins it", Assert.Throws<InvalidOperationException>(() => machine.Memory.Free(buffer)).Message);

        // Released on three other threads, as a mapping made on one CPU may be released on another.
        Threads.Run(3, _ => buffer.Unpin(Environment.CurrentManagedThreadId));
        Assert.Equal(0, buffer.Pins);
        machine.Memory.Free(buffer);
        Assert.True(buffer.IsFreed);
    }

    [Fact]
    public void AFreeRacingTheOwnerTheSecondOwnerAndAThirdPinner_EitherFreesAnUnpinnedBuffer_OrIsRefused()
    {
        Gen.Select(Gen.Int[1, 60], Gen.Int[1, 60], Gen.Int[1, 60], Gen.Int[0, 400], (a, b, c, delay) => (a, b, c, delay))
            .Sample(run => Race(run.a, run.b, run.c, run.delay), iter: 40);
    }

    /// <summary>
    /// The probing thread maps the buffer once (it owns the count), then three threads map and unmap it
    /// <paramref name="a"/>, <paramref name="b"/> and <paramref name="c"/> times while a fourth frees it
    /// after <paramref name="delay"/> spins, retrying while it is refused.
    /// </summary>
    private static void Race(int a, int b, int c, int delay)
    {
        Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic);
        KBuffer buffer = machine.Memory.Allocate(1500);
        nic.Dma.UnmapSingle(nic.MapChecked(buffer, 0, 1500, DmaDirection.ToDevice), 1500, DmaDirection.ToDevice);
        int[] rounds = { a, b, c };
        bool freed = false;
        int mappedWhileFreed = 0;

        Threads.Run(4, t =>
        {
            if (t < 3)
            {
                for (int i = 0; i < rounds[t]; i++)
                {
                    DmaAddr address;
                    try
                    {
                        address = nic.Dma.MapSingle(buffer, 0, 1500, DmaDirection.ToDevice);
                    }
                    catch (ObjectDisposedException)
                    {
                        return; // freed: refused, as it must be
                    }

                    if (buffer.IsFreed)
                    {
                        Interlocked.Increment(ref mappedWhileFreed);
                    }

                    nic.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
                }

                return;
            }

            Thread.SpinWait(delay);
            while (true)
            {
                try
                {
                    machine.Memory.Free(buffer);
                    freed = true;
                    return;
                }
                catch (InvalidOperationException e) when (e.Message.Contains("still pins it"))
                {
                    Thread.Yield();
                }
            }
        });

        Assert.True(freed, "the buffer was never freed");
        Assert.Equal(0, mappedWhileFreed);
        Assert.Equal(0, buffer.Pins);
        Assert.Equal(0, nic.Domain!.PresentPages);
    }
}
