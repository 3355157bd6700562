using System.Buffers.Binary;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The device on its own thread, racing the driver: the driver maps a fresh buffer, publishes its bus
/// address, unmaps it, frees it, and at once allocates memory — which gets the freed frame — and fills
/// it with a secret. The device keeps reading the last published address. In strict mode — with or without the
/// device's own ATS cache — a read either faults or returns a driver stamp: never the secret, which
/// it could only see through a translation that outlived its strict unmap into a reused frame.
/// (Lazy mode is left out on purpose: that window is real, modelled, and measured elsewhere.)
/// </summary>
public sealed class DeviceRacesUnmapTests
{
    private const long Secret = 0x5EC2_E75E_C2E7_5EC2;

    // The driver keeps racing past its rounds until the device has read this often: on a loaded host
    // the device's thread may not run at all while the driver does its rounds, and the race is then
    // not exercised. The deadline turns a device that never runs into a failure, not a hang.
    private const long ReadsWanted = 64;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private static bool KeepRacing(int round, int rounds, ref long reads, System.Diagnostics.Stopwatch clock) =>
        round < rounds || (Volatile.Read(ref reads) < ReadsWanted && clock.Elapsed < Deadline);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void StrictUnmap_ThenFree_ADeviceRacingIt_NeverReadsTheNextOwnersBytes(bool ats, bool perThreadThroughout)
    {
        // perThreadThroughout: the domain never goes shared by its drains (those that need a barrier are not
        // counted down), so every unmap drains the device's partition by its marks, barrier and marker. It can
        // still go shared when the two threads draw the same cache partition index; such a run raced the shared
        // mode instead, so the race is run again on a fresh machine (a few times at most) until it raced the other.
        for (int attempt = 1; ; attempt++)
        {
            bool perThread = RaceOnce(ats, perThreadThroughout);
            if (!perThreadThroughout || perThread)
            {
                return;
            }

            Assert.True(attempt < 5, "the domain went shared in every attempt: the per-thread drains were never what raced");
        }
    }

    /// <returns>Whether the domain was still in the per-thread mode at the end.</returns>
    private static bool RaceOnce(bool ats, bool perThreadThroughout)
    {
        int rounds = Threads.OpsPerThread(8_000);
        Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = ats, AtcEntries = 4 });
        if (perThreadThroughout)
        {
            nic.Domain!.Transactions.CrossDrainsBeforeShared = int.MaxValue;
        }

        long published = 0; // bus address of the latest mapping (0: none yet)
        int done = 0;
        long reads = 0;

        Threads.Run(2, t =>
        {
            switch (t)
            {
                case 0: // the driver
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    for (int i = 0; KeepRacing(i, rounds, ref reads, clock); i++)
                    {
                        KBuffer buffer = machine.Memory.Allocate(64);
                        BinaryPrimitives.WriteInt64LittleEndian(buffer.Span, i + 1);
                        DmaAddr address = nic.MapChecked(buffer, 0, 64, DmaDirection.ToDevice);
                        Volatile.Write(ref published, (long)address.Value);
                        Thread.SpinWait(200); // the device gets to read it (a yield would cost a whole time slice on a loaded host)
                        nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);
                        machine.Memory.Free(buffer);

                        // Another owner now: first fit hands it the frame just freed.
                        KBuffer secret = machine.Memory.Allocate(64);
                        BinaryPrimitives.WriteInt64LittleEndian(secret.Span, Secret);
                        Thread.SpinWait(200);
                        machine.Memory.Free(secret);
                    }

                    Volatile.Write(ref done, 1);
                    break;
                default: // the device
                    var bytes = new byte[8];
                    while (Volatile.Read(ref done) == 0)
                    {
                        long address = Volatile.Read(ref published);
                        if (address != 0 && nic.Bus.TryRead(new DmaAddr((ulong)address), bytes))
                        {
                            Assert.NotEqual(Secret, BinaryPrimitives.ReadInt64LittleEndian(bytes));
                            Volatile.Write(ref reads, reads + 1);
                        }
                    }

                    break;
            }
        });

        Assert.True(reads > 0, "the device never read a live mapping: the race was not exercised");
        Assert.Equal(0, nic.Domain!.PresentPages);
        return nic.Domain.Transactions.IsPerThread;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StrictUnmapsOfOtherPages_NearALiveMapping_NeverMakeAReadOfItFault_OrReadOtherBytes(bool ats)
    {
        // Reads are checked against the invalidations of their 64 KiB granule and made again when one
        // overtook them: the driver's unmaps of neighbouring IOVAs (its own IOVA cache hands them out
        // from the same granules) may send the device's reads round again, never into a fault.
        int rounds = Threads.OpsPerThread(20_000);
        Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = ats, AtcEntries = 4 });
        KBuffer live = machine.Memory.Allocate(64);
        BinaryPrimitives.WriteInt64LittleEndian(live.Span, Secret ^ 1);
        KBuffer other = machine.Memory.Allocate(64);
        long liveAddress = 0;
        int done = 0;
        long reads = 0;

        Threads.Run(2, t =>
        {
            if (t == 0)
            {
                // The live mapping and the churn from one thread's IOVA cache: the same granules.
                Volatile.Write(ref liveAddress, (long)nic.MapChecked(live, 0, 64, DmaDirection.ToDevice).Value);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; KeepRacing(i, rounds, ref reads, clock); i++)
                {
                    DmaAddr address = nic.MapChecked(other, 0, 64, DmaDirection.ToDevice);
                    nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);
                }

                Volatile.Write(ref done, 1);
                return;
            }

            var bytes = new byte[8];
            while (Volatile.Read(ref done) == 0)
            {
                long address = Volatile.Read(ref liveAddress);
                if (address == 0)
                {
                    continue;
                }

                Assert.True(nic.Bus.TryRead(new DmaAddr((ulong)address), bytes), "a read of a live mapping failed while other pages were unmapped");
                Assert.Equal(Secret ^ 1, BinaryPrimitives.ReadInt64LittleEndian(bytes));
                Volatile.Write(ref reads, reads + 1);
            }
        });

        Assert.True(reads > 0, "the device never read: the race was not exercised");
        Assert.Equal(0, nic.Bus.Faults);
        nic.Dma.UnmapSingle(new DmaAddr((ulong)liveAddress), 64, DmaDirection.ToDevice);
    }

    [Fact]
    public void AThreadsFirstTranslation_RacingAStrictUnmap_NeverOutlivesIt()
    {
        // The IOTLB and the device's cache keep a cache per translating thread, made at its first fill:
        // an invalidation reaches every cache made before it starts, and a fill into a cache made
        // after that is vouched for against the cleared entry. Each round a fresh device (fresh caches)
        // and a fresh device thread whose first read races the driver's strict unmap; once the unmap
        // has returned and the frame holds another owner's secret, the thread reads again.
        int rounds = Threads.OpsPerThread(300);
        for (int round = 0; round < rounds; round++)
        {
            Machine machine = Machines.With(DomainKind.Translated, InvalidationMode.Strict);
            Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = true, AtcEntries = 4 });
            KBuffer buffer = machine.Memory.Allocate(64);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.Span, round + 1);
            DmaAddr address = nic.MapChecked(buffer, 0, 64, DmaDirection.ToDevice);
            int unmapped = 0;

            Threads.Run(2, t =>
            {
                var bytes = new byte[8];
                if (t == 0)
                {
                    nic.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);
                    machine.Memory.Free(buffer);
                    KBuffer secret = machine.Memory.Allocate(64); // first fit: the frame just freed
                    BinaryPrimitives.WriteInt64LittleEndian(secret.Span, Secret);
                    Volatile.Write(ref unmapped, 1);
                    return;
                }

                if (nic.Bus.TryRead(address, bytes))
                {
                    Assert.NotEqual(Secret, BinaryPrimitives.ReadInt64LittleEndian(bytes));
                }

                SpinWait.SpinUntil(() => Volatile.Read(ref unmapped) == 1);
                Assert.False(nic.Bus.TryRead(address, bytes), $"round {round}: a read after the strict unmap returned was translated");
            });

            Assert.Equal(0, nic.Domain!.PresentPages);
        }
    }
}
