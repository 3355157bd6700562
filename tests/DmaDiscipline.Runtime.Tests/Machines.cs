namespace DmaDiscipline.Runtime.Tests;

/// <summary>Small builders for the platform scenarios the tests use, so each test states only what matters to it.</summary>
internal static class Machines
{
    public static readonly DeviceId Nic = new(0, 3, 0);
    public static readonly DeviceId Disk = new(0, 4, 0);
    public static readonly DeviceId Gpu = new(0, 5, 0);

    /// <summary>A machine whose devices get <paramref name="kind"/> domains (debug off unless asked).</summary>
    public static Machine With(
        DomainKind kind = DomainKind.Translated,
        InvalidationMode invalidation = InvalidationMode.Strict,
        DmaDebugMode debug = DmaDebugMode.Off,
        int ioTlbEntries = 256,
        int flushBatch = 256,
        int bouncePool = 256 << 10) =>
        new(new MachineOptions
        {
            Iommu = new IommuOptions { DefaultDomain = kind, Invalidation = invalidation, IoTlbEntries = ioTlbEntries, FlushBatchSize = flushBatch },
            Debug = debug,
            BouncePoolSize = bouncePool,
        });

    /// <summary>A machine without IOMMU: every device does direct DMA.</summary>
    public static Machine WithoutIommu(DmaDebugMode debug = DmaDebugMode.Off, int bouncePool = 256 << 10) =>
        new(new MachineOptions { IommuPresent = false, Debug = debug, BouncePoolSize = bouncePool });

    /// <summary>A confidential guest: every streaming mapping bounces.</summary>
    public static Machine Confidential(DmaDebugMode debug = DmaDebugMode.Off, int bouncePool = 256 << 10) =>
        new(new MachineOptions { Confidential = true, Debug = debug, BouncePoolSize = bouncePool });

    /// <summary>Fills a buffer's bytes with a recognisable pattern (bypassing the debug layer's ownership check).</summary>
    public static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + i * 7);
        }

        return bytes;
    }

    /// <summary>Allocates a buffer and writes <paramref name="contents"/> at its start (CPU side).</summary>
    public static KBuffer Buffer(this Machine machine, byte[] contents, MemoryPlacement placement = MemoryPlacement.Default)
    {
        KBuffer buffer = machine.Memory.Allocate(contents.Length, placement);
        contents.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Maps and asserts the mapping succeeded (checking MappingError, as a driver must).</summary>
    public static DmaAddr MapChecked(this Device device, KBuffer buffer, int offset, int length, DmaDirection direction)
    {
        DmaAddr address = device.Dma.MapSingle(buffer, offset, length, direction);
        Assert.False(device.Dma.MappingError(address), $"mapping {length} bytes {direction} failed on {device}");
        return address;
    }

    /// <summary>What the device reads at an address, or null on a fault.</summary>
    public static byte[]? DeviceRead(this Device device, DmaAddr address, int length)
    {
        var bytes = new byte[length];
        return device.Bus.TryRead(address, bytes) ? bytes : null;
    }
}
