using DmaDiscipline.Runtime;

namespace MiniHal;

/// <summary>Which way a pinned buffer's bytes go.</summary>
public enum PinDirection { ToDevice, FromDevice }

/// <summary>A device-visible address as this framework hands it out.</summary>
public readonly struct BusHandle
{
    public BusHandle(ulong bus) { Bus = bus; }

    public ulong Bus { get; }
}

/// <summary>
/// A vendor's small DMA layer over the platform (a separate library, configured for the analyzers by
/// Hal/DmaDiscipline.txt): pin, unpin, a failure test and the two ownership hand-overs.
/// </summary>
public sealed class Pinner
{
    private readonly DmaApi _dma;

    public Pinner(Device device) { _dma = device.Dma; }

    public BusHandle Pin(KBuffer buffer, int length, PinDirection direction) => new(_dma.MapSingle(buffer, 0, length, Way(direction)).Value);

    public void Unpin(BusHandle handle, int length, PinDirection direction) => _dma.UnmapSingle(new DmaAddr(handle.Bus), length, Way(direction));

    public bool Failed(BusHandle handle) => _dma.MappingError(new DmaAddr(handle.Bus));

    public void ForCpu(BusHandle handle, int length, PinDirection direction) => _dma.SyncForCpu(new DmaAddr(handle.Bus), length, Way(direction));

    public void ForDevice(BusHandle handle, int length, PinDirection direction) => _dma.SyncForDevice(new DmaAddr(handle.Bus), length, Way(direction));

    private static DmaDirection Way(PinDirection direction) => direction == PinDirection.ToDevice ? DmaDirection.ToDevice : DmaDirection.FromDevice;
}
