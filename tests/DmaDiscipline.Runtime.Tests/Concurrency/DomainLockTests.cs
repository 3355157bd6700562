namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// Two queues of one device on two threads — maps, device writes and reads through the IOMMU (ATS
/// misses and hits, IOTLB fills), strict invalidations or lazy flushes, unmaps — never take the
/// domain's lock: it stays with the thread that set the device up. Before, each packet took it about
/// six times, so the two queues' every operation went through one line.
/// </summary>
public sealed class DomainLockTests
{
    [Theory]
    [InlineData(InvalidationMode.Strict, true)]
    [InlineData(InvalidationMode.Strict, false)]
    [InlineData(InvalidationMode.Lazy, true)]
    [InlineData(InvalidationMode.Lazy, false)]
    public void TwoQueueThreads_MapTranslateAndUnmap_WithoutTheDomainLock(InvalidationMode mode, bool ats)
    {
        Machine machine = Machines.With(DomainKind.Translated, mode, flushBatch: 8);
        Device nic = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = ats });

        // Set up on this thread, as a driver's probe: a first mapping the device reads.
        KBuffer ring = machine.Memory.Allocate(4096);
        DmaAddr ringAddress = nic.MapChecked(ring, 0, 4096, DmaDirection.Bidirectional);
        Assert.True(nic.Bus.TryRead(ringAddress, new byte[8]));
        long moved = 0;

        Threads.Run(2, t =>
        {
            KBuffer buffer = machine.Memory.Allocate(1500);
            var bytes = new byte[64];
            for (int i = 0; i < 2_000; i++)
            {
                DmaAddr address = nic.MapChecked(buffer, 0, 1500, DmaDirection.Bidirectional);
                bytes[0] = (byte)i;
                Assert.True(nic.Bus.TryWrite(address, bytes));
                Assert.True(nic.Bus.TryRead(new DmaAddr(address.Value + 1024), bytes));
                nic.Dma.UnmapSingle(address, 1500, DmaDirection.Bidirectional);
                Interlocked.Increment(ref moved);
            }
        });

        Assert.Equal(4_000, moved);
        Assert.False(nic.Domain!.LockShared, "a queue thread took the domain's lock");
        nic.Dma.UnmapSingle(ringAddress, 4096, DmaDirection.Bidirectional);
        nic.Domain.Flush();
        Assert.Equal(0, nic.Domain.PresentPages);
    }
}
