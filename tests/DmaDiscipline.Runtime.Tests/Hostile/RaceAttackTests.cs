using System.Collections.Concurrent;
using DmaDiscipline.Runtime.Tests.Virtio;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;
using static DmaDiscipline.Runtime.Tests.Hostile.Hostile;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// Threads that race where a careful driver never would: a device unplugged under its own driver,
/// a container closed under a mapping call, overlapping VFIO maps from many threads, a reset under a
/// notify, Throw-mode violations from several threads at once. Nothing but documented exceptions
/// escapes, nothing hangs (bounded joins detect it; nothing is timed), and once everything is
/// released the machine holds what it held before.
/// </summary>
public sealed class RaceAttackTests
{
    private const int Page = PhysicalMemory.PageSize;

    /// <summary>Runs bodies on threads released together; fails with every unexpected exception; a join that never returns is a hang.</summary>
    private static void Race(params Action[] bodies)
    {
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(bodies.Length);
        var threads = bodies.Select(body => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body();
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        }) { IsBackground = true }).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a racing thread never finished: a hang");
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} thread(s) failed:\n{string.Join("\n---\n", failures.Take(3))}");
    }

    public static TheoryData<string, DmaDebugMode> PlatformsAndModes()
    {
        var data = new TheoryData<string, DmaDebugMode>();
        foreach (string platform in new[] { "strict", "lazy", "confidential", "no-iommu" })
        {
            data.Add(platform, DmaDebugMode.Off);
            data.Add(platform, DmaDebugMode.Collect);
        }

        data.Add("strict", DmaDebugMode.Throw);
        data.Add("confidential", DmaDebugMode.Throw);
        return data;
    }

    private static Machine Platform(string platform, DmaDebugMode debug) => platform switch
    {
        "strict" => Machines.With(debug: debug),
        "lazy" => Machines.With(invalidation: InvalidationMode.Lazy, debug: debug, flushBatch: 8),
        "confidential" => Machines.Confidential(debug),
        _ => Machines.WithoutIommu(debug),
    };

    [Theory]
    [MemberData(nameof(PlatformsAndModes))]
    public void ADeviceUnpluggedUnderItsDriver_StopsItWithObjectDisposed_AndLeavesNothingHeld(string platform, DmaDebugMode debug)
    {
        for (int round = 0; round < 4; round++)
        {
            Machine machine = Platform(platform, debug);
            Device bystander = machine.AddDevice(Machines.Disk);
            Device device = machine.AddDevice(Machines.Nic);
            Held before = Held.Of(machine);
            var buffers = Enumerable.Range(0, 4).Select(i => machine.Buffer(Machines.Pattern(2 * Page, (byte)i))).ToArray();
            int unplugAfter = 20 + (round * 53);
            int done = 0;

            Race(
                () =>
                {
                    var rng = new Random(round);
                    try
                    {
                        for (int i = 0; ; i++)
                        {
                            KBuffer buffer = buffers[i % buffers.Length];
                            int length = 1 + rng.Next(2 * Page - 1);
                            DmaAddr address = device.Dma.MapSingle(buffer, 0, length, DmaDirection.Bidirectional);
                            if (device.Dma.MappingError(address))
                            {
                                continue;
                            }

                            device.Dma.SyncForCpu(address, length, DmaDirection.Bidirectional);
                            device.Dma.SyncForDevice(address, length, DmaDirection.Bidirectional);
                            device.Dma.UnmapSingle(address, length, DmaDirection.Bidirectional);
                            CoherentBuffer coherent = device.Dma.AllocCoherent(1 + rng.Next(3 * Page));
                            device.Dma.FreeCoherent(coherent);
                            Volatile.Write(ref done, i);
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // the device is gone: the only answer a call on its DMA API may get
                    }
                },
                () =>
                {
                    while (Volatile.Read(ref done) < unplugAfter)
                    {
                        Thread.Yield();
                    }

                    try
                    {
                        machine.RemoveDevice(device);
                    }
                    catch (DmaDebugException) when (debug == DmaDebugMode.Throw)
                    {
                    }
                },
                () => Cycle(machine, bystander));

            foreach (KBuffer buffer in buffers)
            {
                machine.Memory.Free(buffer); // nothing of the removed device's pins it any more
            }

            Assert.Equal(before, Held.Of(machine));
            Assert.Equal(0, machine.Debug.LiveMappings(Machines.Nic)); // nothing of the removed device stays tracked, a map racing the removal included
            StillWorks(machine, bystander);

            // What was reported is the driver's leak at the removal and its calls after it, never a double unmap or a
            // use after unmap that the removal's own release caused under a call in flight.
            Assert.All(machine.Debug.Violations, v => Assert.True(v.RuleId == RuleIds.Leak || v.Message.Contains("removed"), v.ToString()));
        }
    }

    [Fact]
    public void OverlappingVfioMapsFromManyThreads_NeverHoldOneIovaPageTwice()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        using var container = new VfioContainer(machine);
        container.AddDevice(new VirtioMmioTransport(machine.AddDevice(Machines.Disk), new VirtioBlkDevice()));
        KBuffer memory = machine.Memory.Allocate(8 * Page);
        const ulong Base = 0x10_0000;
        var owner = new int[16];
        int overlaps = 0;
        container.MapDma(memory, 7 * Page, 0x4000_0000, Page, VfioDmaFlags.Read); // keeps the memory pinned throughout

        void Body(int me)
        {
            var rng = new Random(me);
            for (int i = 0; i < 400; i++)
            {
                int first = rng.Next(12);
                int pages = 1 + rng.Next(4);
                ulong iova = Base + (ulong)(first * Page);
                try
                {
                    container.MapDma(memory, rng.Next(4) * Page, iova, pages * Page, VfioDmaFlags.ReadWrite);
                }
                catch (ArgumentException)
                {
                    continue; // overlaps a live mapping: refused
                }

                for (int p = first; p < first + pages; p++)
                {
                    if (Interlocked.CompareExchange(ref owner[p], me, 0) != 0)
                    {
                        Interlocked.Increment(ref overlaps);
                    }
                }

                for (int p = first; p < first + pages; p++)
                {
                    Interlocked.CompareExchange(ref owner[p], 0, me);
                }

                container.UnmapDma(iova, pages * Page);
            }
        }

        Race(() => Body(1), () => Body(2), () => Body(3), () =>
        {
            for (int i = 0; i < 200; i++)
            {
                NeverInternal(() => machine.Memory.Free(memory), typeof(InvalidOperationException));
                if (memory.IsFreed)
                {
                    throw new InvalidOperationException("a buffer under live VFIO mappings was freed");
                }
            }
        });

        Assert.Equal(0, overlaps);
        container.UnmapDma(0x4000_0000, Page);
        Assert.Empty(container.Mappings);
        Assert.Equal(0, container.Domain!.PresentPages);
        container.Dispose();
        machine.Memory.Free(memory);
        Assert.All(machine.Debug.Violations, v => Assert.Equal(RuleIds.Leak, v.RuleId)); // the refused frees, reported as dma-debug would
    }

    [Fact]
    public void AContainerClosedUnderAMappingCall_LeavesNothingMappedOrPinned()
    {
        for (int round = 0; round < 20; round++)
        {
            Machine machine = Machines.With();
            var container = new VfioContainer(machine);
            container.AddDevice(new VirtioMmioTransport(machine.AddDevice(Machines.Disk), new VirtioBlkDevice()));
            int allocations = machine.Memory.LiveAllocations;
            KBuffer memory = machine.Memory.Allocate(4 * Page);
            IommuDomain domain = container.Domain!;

            Race(
                () =>
                {
                    for (int i = 0; i < 200; i++)
                    {
                        ulong iova = 0x10_0000 + (ulong)(i * 4 * Page);
                        try
                        {
                            container.MapDma(memory, 0, iova, 4 * Page, VfioDmaFlags.Read);
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                    }
                },
                () =>
                {
                    Thread.SpinWait(round * 500);
                    container.Dispose();
                });

            Assert.Equal(0, domain.PresentPages);
            machine.Memory.Free(memory);
            Assert.Equal(allocations, machine.Memory.LiveAllocations);
        }
    }

    [Fact]
    public void AResetUnderANotifyFromAnotherThread_NeitherThrowsNorHangs_AndTheDeviceComesBack()
    {
        for (int round = 0; round < 10; round++)
        {
            var h = new VirtioHarness(new VirtioBlkDevice(), queueSize: 64);
            SplitRing ring = h.Split(0);
            for (int slot = 0; slot < 3; slot++)
            {
                _ = Requests.Blk(h, ring, slot, VirtioBlkReq.TypeOut, (ulong)slot, 512, dataWritable: false);
            }

            int kicks = 0;
            Race(
                () =>
                {
                    for (int i = 0; i < 300; i++)
                    {
                        ring.Offer((ushort)(3 * (i % 3)));
                        h.Kick(0);
                        Volatile.Write(ref kicks, i);
                    }
                },
                () =>
                {
                    while (Volatile.Read(ref kicks) < round * 20)
                    {
                        Thread.Yield();
                    }

                    h.Write(VirtioMmio.Status, 0);
                });

            Assert.True(h.Negotiate(VirtioHarness.Modern));
            h.Rings.Clear();
            h.SetupQueues();
            h.DriverOk();
            Assert.True(h.Transport.IsLive, h.Transport.NeedsResetReason);
            SplitRing fresh = h.Split(0);
            fresh.Offer(Requests.Blk(h, fresh, 0, VirtioBlkReq.TypeOut, 0, 512, dataWritable: false));
            h.Kick(0);
            Assert.Equal(1, fresh.UsedIdx);
        }
    }

    [Fact]
    public void ThrowModeViolationsFromSeveralThreads_EachCompleteOrChangeNothing_AndTheCountsAgree()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Throw);
        Device device = machine.AddDevice(Machines.Nic);
        Held before = Held.Of(machine, device);
        int thrown = 0;

        void Body(int me)
        {
            var rng = new Random(me);
            KBuffer buffer = machine.Memory.Allocate(4 * Page);
            for (int i = 0; i < 300; i++)
            {
                DmaAddr address = device.Dma.MapSingle(buffer, 0, Page, DmaDirection.FromDevice);
                Assert.False(device.Dma.MappingError(address));
                try
                {
                    switch (rng.Next(5))
                    {
                        case 0: // an overlapping device-writable mapping: refused before anything is mapped
                            device.Dma.MapSingle(buffer, 64, 64, DmaDirection.FromDevice);
                            break;
                        case 1: // a sync past the end: refused, changes nothing
                            device.Dma.SyncForCpu(address, 2 * Page, DmaDirection.FromDevice);
                            break;
                        case 2: // the CPU touching a device-owned buffer
                            _ = buffer.Span;
                            break;
                        case 3: // a sync with the wrong direction: ownership passes, then it throws
                            device.Dma.SyncForCpu(address, Page, DmaDirection.ToDevice);
                            break;
                        default:
                            break;
                    }
                }
                catch (DmaDebugException)
                {
                    Interlocked.Increment(ref thrown);
                }

                try
                {
                    // an unmap with the wrong length: completes in both layers, then throws
                    device.Dma.UnmapSingle(address, rng.Next(2) == 0 ? Page : Page - 1, DmaDirection.FromDevice);
                }
                catch (DmaDebugException)
                {
                    Interlocked.Increment(ref thrown);
                }

                try
                {
                    device.Dma.UnmapSingle(address, Page, DmaDirection.FromDevice); // a double unmap: refused
                }
                catch (DmaDebugException)
                {
                    Interlocked.Increment(ref thrown);
                }
            }

            machine.Memory.Free(buffer);
        }

        Race(() => Body(1), () => Body(2), () => Body(3));

        Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
        Assert.Equal(thrown, machine.Debug.Violations.Count + machine.Debug.Dropped);
        Assert.Equal(before, Held.Of(machine, device));
        machine.Debug.ClearViolations();
        StillWorks(machine, device);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void DebugLayerControls_RacingViolations_NeverThrow()
    {
        Machine machine = Machines.With(debug: DmaDebugMode.Collect);
        Device device = machine.AddDevice(Machines.Nic);
        Device other = machine.AddDevice(Machines.Disk);
        int stop = 0;

        Race(
            () =>
            {
                for (int i = 0; i < 3000; i++)
                {
                    device.Dma.UnmapSingle(new DmaAddr(0x1000 + (ulong)(i * 64)), 64, DmaDirection.ToDevice);
                    _ = other.Bus.TryRead(new DmaAddr(0x5000_0000 + (ulong)(i << 12)), new byte[8]);
                }

                Volatile.Write(ref stop, 1);
            },
            () =>
            {
                for (int i = 0; Volatile.Read(ref stop) == 0; i++)
                {
                    machine.Debug.SetDeviceFilter(i % 3 == 0 ? null : i % 3 == 1 ? [device.Id] : [device.Id, other.Id]);
                    _ = machine.Debug.Report();
                    _ = machine.Debug.CountOf(RuleIds.UseAfterUnmap);
                    _ = machine.Debug.For(device.Id).Count();
                    if (i % 7 == 0)
                    {
                        machine.Debug.ClearViolations();
                        machine.Faults.Clear();
                    }

                    machine.Debug.StackDepth = 1 + (i % DmaDebug.MaxStackDepth);
                }
            });

        machine.Debug.SetDeviceFilter(null);
        machine.Debug.ClearViolations();
        StillWorks(machine, device);
        Assert.Empty(machine.Debug.Violations);
    }

    [Fact]
    public void DeviceReadsRacingTheUnplugOfTheirDevice_FaultOrComplete_NeverThrow()
    {
        for (int round = 0; round < 10; round++)
        {
            Machine machine = Machines.With(debug: DmaDebugMode.Collect);
            Device device = machine.AddDevice(Machines.Nic, new DeviceOptions { Ats = round % 2 == 0 });
            int live = machine.Memory.LiveAllocations;
            KBuffer buffer = machine.Buffer(Machines.Pattern(Page, 9));
            DmaAddr address = device.MapChecked(buffer, 0, Page, DmaDirection.Bidirectional);
            int reads = 0;

            Race(
                () =>
                {
                    var bytes = new byte[256];
                    for (int i = 0; i < 2000; i++)
                    {
                        if (device.Bus.TryRead(address, bytes))
                        {
                            Assert.Equal(Machines.Pattern(Page, 9).AsSpan(0, 256).ToArray(), bytes);
                        }

                        _ = device.Bus.TryWrite(new DmaAddr(address.Value + 512), bytes);
                        Volatile.Write(ref reads, i);
                    }
                },
                () =>
                {
                    while (Volatile.Read(ref reads) < round * 50)
                    {
                        Thread.Yield();
                    }

                    machine.RemoveDevice(device);
                });

            machine.Memory.Free(buffer);
            Assert.Equal(live, machine.Memory.LiveAllocations);
        }
    }
    [Fact]
    public void TwoThreadsPluggingInOneId_OneGetsTheDevice_TheOtherAClearRefusal()
    {
        for (int round = 0; round < 20; round++)
        {
            Machine machine = Machines.With();
            var added = new ConcurrentQueue<Device>();
            var refused = new ConcurrentQueue<ArgumentException>();
            void Plug()
            {
                try
                {
                    added.Enqueue(machine.AddDevice(Machines.Nic));
                }
                catch (ArgumentException e)
                {
                    refused.Enqueue(e);
                }
            }

            Race(Plug, Plug);

            Device device = Assert.Single(added);
            Assert.Single(refused);
            Assert.Same(device, Assert.Single(machine.Devices));
            StillWorks(machine, device);
        }
    }
    [Fact]
    public void AKernelDriverMappingWhileTheDeviceIsHandedToVfio_NeverKeepsAMappingTheContainerDoesNotKnowOf()
    {
        for (int round = 0; round < 20; round++)
        {
            Machine machine = Machines.With(debug: DmaDebugMode.Collect);
            Device device = machine.AddDevice(Machines.Disk);
            var transport = new VirtioMmioTransport(device, new VirtioBlkDevice());
            var container = new VfioContainer(machine);
            KBuffer buffer = machine.Memory.Allocate(Page);
            int handedOver = 0;
            int mappedAfter = 0;

            Race(
                () =>
                {
                    for (int i = 0; i < 2000; i++)
                    {
                        bool owned = Volatile.Read(ref handedOver) == 1;
                        DmaAddr address;
                        try
                        {
                            address = device.Dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                        }
                        catch (InvalidOperationException)
                        {
                            continue; // the userspace driver owns the device
                        }

                        if (owned)
                        {
                            Interlocked.Increment(ref mappedAfter);
                        }

                        Assert.False(device.Dma.MappingError(address));
                        device.Dma.UnmapSingle(address, 64, DmaDirection.ToDevice);
                    }
                },
                () =>
                {
                    Thread.SpinWait(round * 300);
                    while (true)
                    {
                        try
                        {
                            container.AddDevice(transport);
                            Volatile.Write(ref handedOver, 1);
                            return;
                        }
                        catch (InvalidOperationException)
                        {
                            Thread.Yield(); // the kernel driver held a mapping at that instant: refused, try again
                        }
                    }
                });

            Assert.Equal(0, mappedAfter);
            Assert.Equal(0, machine.Debug.LiveMappings(device.Id));
            container.Dispose();
            machine.Memory.Free(buffer);
            StillWorks(machine, device);
        }
    }

    [Fact]
    public void TwoThreadsFreeingOneBuffer_OneFreesIt_TheOtherIsToldItWasFreed()
    {
        Machine machine = Machines.With();
        int before = machine.Memory.LiveAllocations;
        for (int round = 0; round < 50; round++)
        {
            KBuffer buffer = machine.Memory.Allocate(Page);
            int freed = 0;
            void Free()
            {
                try
                {
                    machine.Memory.Free(buffer);
                    Interlocked.Increment(ref freed);
                }
                catch (InvalidOperationException)
                {
                }
            }

            Race(Free, Free);
            Assert.Equal(1, freed);
        }

        Assert.Equal(before, machine.Memory.LiveAllocations);
    }
}
