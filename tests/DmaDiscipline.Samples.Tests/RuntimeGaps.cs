using DmaDiscipline.Runtime;

namespace DmaDiscipline.Samples.Tests;

/// <summary>
/// Known gaps of the runtime (not of the drivers), probed at test time so the tests tighten by
/// themselves when the runtime is fixed.
/// </summary>
internal static class RuntimeGaps
{
    /// <summary>
    /// Whether a device with a 32-bit coherent mask gets coherent memory on a machine whose memory
    /// defaults to above 4 GiB. (DirectDmaOps.TryAllocCoherent only falls back to low memory for
    /// masks strictly below 0xFFFF_FFFF, so a 32-bit mask is refused.)
    /// </summary>
    public static bool CoherentBelow4GWorks { get; } = Probe();

    /// <summary>Whether a cell's failure is exactly that gap.</summary>
    public static bool IsCoherentGap(string scenario, string? error) =>
        !CoherentBelow4GWorks && scenario == "dma32" && error is not null && error.StartsWith("AllocCoherent(", StringComparison.Ordinal);

    private static bool Probe()
    {
        var machine = new Machine(new MachineOptions { IommuPresent = false, Memory = new PhysicalMemoryOptions { DefaultPlacement = MemoryPlacement.Above4G } });
        Device device = machine.AddDevice(new DeviceId(0, 1, 0), new DeviceOptions { DmaMask = 0xFFFF_FFFF });
        if (!device.Dma.TryAllocCoherent(4096, out CoherentBuffer? buffer))
        {
            return false;
        }

        device.Dma.FreeCoherent(buffer);
        return true;
    }
}
