namespace DmaDiscipline.Runtime.Tests.Memory;

/// <summary>Physical memory: sparse, page-granular, with clear errors for misuse.</summary>
public sealed class PhysicalMemoryTests
{
    [Fact]
    public void DefaultAddressSpace_Is64GiB_AndCostsNoHostMemoryUntilTouched()
    {
        var memory = new PhysicalMemory();

        Assert.Equal(64UL << 30, memory.Size);
        Assert.Equal(0, memory.BackedPages);
    }

    [Fact]
    public void AddressSpace_CanBeLargerThan64GiB_AndItsTopIsWritable()
    {
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 256UL << 30 });
        var top = new PhysAddr(memory.Size - 8);

        memory.Write(top, [1, 2, 3, 4, 5, 6, 7, 8]);
        var back = new byte[8];
        memory.Read(top, back);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, back);
        Assert.Equal(1, memory.BackedPages);
    }

    [Fact]
    public void EvenTheLargestAddressSpace_CostsLittleHostMemoryUntilTouched()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();

        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 1UL << 48 });
        memory.Write(new PhysAddr((1UL << 48) - 1), [7]);

        // 256 TiB is 2^36 frames; a flat directory of them would cost a gigabyte before any page is used.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.Equal(1, memory.BackedPages);
    }

    [Fact]
    public void UntouchedMemory_ReadsAsZero_WithoutBackingIt()
    {
        var memory = new PhysicalMemory();
        var bytes = Enumerable.Repeat((byte)0xAA, 3 * PhysicalMemory.PageSize).ToArray();

        memory.Read(new PhysAddr(40UL << 30), bytes);

        Assert.All(bytes, b => Assert.Equal(0, b));
        Assert.Equal(0, memory.BackedPages);
    }

    [Fact]
    public void Write_BacksOnlyTheTouchedPages()
    {
        var memory = new PhysicalMemory();

        // 2 bytes straddling a page boundary at 60 GiB, and one byte at 10 GiB.
        memory.Write(new PhysAddr((60UL << 30) + PhysicalMemory.PageSize - 1), [1, 2]);
        memory.Write(new PhysAddr(10UL << 30), [3]);

        Assert.Equal(3, memory.BackedPages);
    }

    [Fact]
    public void Write_ThenRead_RoundTripsAcrossPageBoundaries()
    {
        var memory = new PhysicalMemory();
        byte[] data = Machines.Pattern(3 * PhysicalMemory.PageSize + 100, 9);
        var at = new PhysAddr((5UL << 30) + 1234);

        memory.Write(at, data);
        var back = new byte[data.Length];
        memory.Read(at, back);

        Assert.Equal(data, back);
    }

    [Fact]
    public void Allocate_ReturnsZeroedPageAlignedBuffer_BelowFourGiB_ByDefault()
    {
        var memory = new PhysicalMemory();

        KBuffer buffer = memory.Allocate(10_000);

        Assert.Equal(10_000, buffer.Length);
        Assert.Equal(0, buffer.PhysicalAddress.PageOffset);
        Assert.True(buffer.PhysicalAddress.Value + (ulong)buffer.Length <= PhysicalMemory.FourGiB);
        Assert.True(buffer.PhysicalAddress.Value >= memory.Options.FirstAllocatable, "physical address 0 and low firmware memory are never handed out");
        Assert.All(buffer.Span.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(3, memory.BackedPages);
    }

    [Fact]
    public void Allocate_Above4G_OnRequest()
    {
        var memory = new PhysicalMemory();

        KBuffer buffer = memory.Allocate(100, MemoryPlacement.Above4G);

        Assert.True(buffer.PhysicalAddress.Value >= PhysicalMemory.FourGiB);
    }

    [Fact]
    public void Allocate_Above4G_ByPolicy()
    {
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { DefaultPlacement = MemoryPlacement.Above4G });

        KBuffer byDefault = memory.Allocate(100);
        KBuffer dma32 = memory.Allocate(100, MemoryPlacement.Below4G);

        Assert.True(byDefault.PhysicalAddress.Value >= PhysicalMemory.FourGiB);
        Assert.True(dma32.PhysicalAddress.Value < PhysicalMemory.FourGiB);
    }

    [Fact]
    public void Allocate_Above4G_OnAMachineWithoutHighMemory_ThrowsInsufficientMemory()
    {
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 64UL << 20 });

        Assert.Throws<InsufficientMemoryException>(() => memory.Allocate(100, MemoryPlacement.Above4G));
    }

    [Fact]
    public void CpuSpan_AndPhysicalAddress_NameTheSameBytes()
    {
        var memory = new PhysicalMemory();
        KBuffer buffer = memory.Allocate(2 * PhysicalMemory.PageSize);

        buffer.Span[PhysicalMemory.PageSize + 5] = 0x5A;
        var viaPhysical = new byte[1];
        memory.Read(memory.VirtToPhys(buffer, PhysicalMemory.PageSize + 5), viaPhysical);
        memory.Write(memory.VirtToPhys(buffer, 7), [0xC3]);

        Assert.Equal(0x5A, viaPhysical[0]);
        Assert.Equal(0xC3, buffer.Span[7]);
    }

    [Fact]
    public void Allocations_NeverOverlap()
    {
        var memory = new PhysicalMemory();
        var buffers = Enumerable.Range(1, 50).Select(i => memory.Allocate(i * 999)).ToList();

        var ranges = buffers.Select(b => (Start: b.PhysicalAddress.Value, End: b.PhysicalAddress.Value + (ulong)b.Length)).OrderBy(r => r.Start).ToList();
        for (int i = 1; i < ranges.Count; i++)
        {
            Assert.True(ranges[i - 1].End <= ranges[i].Start, $"{ranges[i - 1]} overlaps {ranges[i]}");
        }

        Assert.Equal(50, memory.LiveAllocations);
    }

    [Fact]
    public void FreedNeighbours_Coalesce_SoALargerAllocationFitsWhereTheyWere()
    {
        // 16 MiB with 1 MiB reserved leaves 15 MiB: three 4 MiB buffers and change.
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 16UL << 20 });
        KBuffer a = memory.Allocate(2 << 20);
        KBuffer b = memory.Allocate(2 << 20);
        KBuffer rest = memory.Allocate(PhysicalMemory.MaxAllocation);
        KBuffer rest2 = memory.Allocate(PhysicalMemory.MaxAllocation);

        memory.Free(b);
        memory.Free(a);
        KBuffer large = memory.Allocate(PhysicalMemory.MaxAllocation);

        Assert.Equal(a.Physical, large.PhysicalAddress);
        Assert.NotEqual(rest.PhysicalAddress, rest2.PhysicalAddress);
    }

    [Fact]
    public void ReusedFrames_AreZeroedForTheNewOwner()
    {
        var memory = new PhysicalMemory();
        KBuffer first = memory.Allocate(PhysicalMemory.PageSize);
        first.Span.Fill(0xEE);
        memory.Free(first);

        KBuffer second = memory.Allocate(PhysicalMemory.PageSize);
        var viaPhysical = new byte[PhysicalMemory.PageSize];
        memory.Read(second.PhysicalAddress, viaPhysical);

        Assert.Equal(first.Physical, second.PhysicalAddress);
        Assert.All(second.Span.ToArray(), b => Assert.Equal(0, b));
        Assert.All(viaPhysical, b => Assert.Equal(0, b));
    }

    [Fact]
    public void DoubleFree_ThrowsAClearException_AndCorruptsNothing()
    {
        var memory = new PhysicalMemory();
        KBuffer buffer = memory.Allocate(100);
        KBuffer neighbour = memory.Allocate(100);
        memory.Free(buffer);

        var error = Assert.Throws<InvalidOperationException>(() => memory.Free(buffer));

        Assert.Contains("Double free", error.Message);
        Assert.Equal(1, memory.LiveAllocations);
        // The frame was returned once: the next two allocations get distinct frames.
        KBuffer x = memory.Allocate(100);
        KBuffer y = memory.Allocate(100);
        Assert.NotEqual(x.PhysicalAddress, y.PhysicalAddress);
        Assert.NotEqual(neighbour.PhysicalAddress, x.PhysicalAddress);
        Assert.NotEqual(neighbour.PhysicalAddress, y.PhysicalAddress);
    }

    [Fact]
    public void UseAfterFree_ThrowsOnSpanPhysicalAddressAndVirtToPhys()
    {
        var memory = new PhysicalMemory();
        KBuffer buffer = memory.Allocate(100);
        memory.Free(buffer);

        Assert.True(buffer.IsFreed);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.PhysicalAddress);
        Assert.Throws<ObjectDisposedException>(() => memory.VirtToPhys(buffer));
    }

    [Fact]
    public void Free_OfAnotherMachinesBuffer_Throws_AndLeavesItAllocated()
    {
        var mine = new PhysicalMemory();
        var theirs = new PhysicalMemory();
        KBuffer buffer = theirs.Allocate(100);

        Assert.Throws<ArgumentException>(() => mine.Free(buffer));
        Assert.False(buffer.IsFreed);
        Assert.Equal(1, theirs.LiveAllocations);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100)]
    [InlineData(101)]
    public void VirtToPhys_WithAnOffsetOutsideTheBuffer_Throws(int offset)
    {
        var memory = new PhysicalMemory();
        KBuffer buffer = memory.Allocate(100);

        Assert.Throws<ArgumentOutOfRangeException>(() => memory.VirtToPhys(buffer, offset));
    }

    [Fact]
    public void VirtToPhys_IsTheBufferBasePlusTheOffset()
    {
        var memory = new PhysicalMemory();
        KBuffer buffer = memory.Allocate(100);

        Assert.Equal(buffer.PhysicalAddress.Value + 99, memory.VirtToPhys(buffer, 99).Value);
    }

    [Fact]
    public void AccessBeyondTheAddressSpace_Throws_AndWritesNothing()
    {
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 64UL << 20 });
        var nearEnd = new PhysAddr(memory.Size - 4);

        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(nearEnd, new byte[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(new PhysAddr(memory.Size), new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(new PhysAddr(ulong.MaxValue - 2), new byte[8]));
        Assert.Equal(0, memory.BackedPages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(PhysicalMemory.MaxAllocation + 1)]
    public void Allocate_WithAnInvalidLength_Throws(int length)
    {
        var memory = new PhysicalMemory();

        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Allocate(length));
        Assert.Equal(0, memory.LiveAllocations);
    }

    [Theory]
    [InlineData(1UL << 20)]          // below 16 MiB
    [InlineData((64UL << 20) + 1)]   // not page-aligned
    [InlineData((1UL << 48) + 4096)] // beyond 2^48
    public void Constructor_RejectsUnreasonableSizes(ulong size)
    {
        Assert.Throws<ArgumentException>(() => new PhysicalMemory(new PhysicalMemoryOptions { Size = size }));
    }

    [Fact]
    public void ExhaustedZone_ThrowsInsufficientMemory_AndFreeingMakesRoomAgain()
    {
        var memory = new PhysicalMemory(new PhysicalMemoryOptions { Size = 16UL << 20 });
        var buffers = new List<KBuffer>();
        while (true)
        {
            try
            {
                buffers.Add(memory.Allocate(1 << 20));
            }
            catch (InsufficientMemoryException)
            {
                break;
            }
        }

        Assert.Equal(15, buffers.Count);
        memory.Free(buffers[7]);
        Assert.Equal(buffers[7].Physical, memory.Allocate(1 << 20).PhysicalAddress);
    }
}
