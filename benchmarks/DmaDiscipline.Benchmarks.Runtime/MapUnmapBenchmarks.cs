using BenchmarkDotNet.Attributes;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>One streaming map + MappingError check + unmap of a 1500-byte packet buffer, per platform.</summary>
[MemoryDiagnoser]
public class MapUnmapBenchmarks
{
    private Device _device = null!;
    private KBuffer _buffer = null!;

    [Params(Platform.Identity, Platform.TranslatedStrict, Platform.TranslatedLazy, Platform.Bounce)]
    public Platform Platform { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Machine machine = Platforms.Create(Platform);
        _device = machine.AddDevice(Platforms.Nic);
        _buffer = machine.Memory.Allocate(1500);

        // Warm up: the IOVA rcache, the flush queue and the page table's inner levels reach steady state.
        for (int i = 0; i < 4096; i++)
        {
            MapUnmap();
        }
    }

    [Benchmark]
    public bool MapUnmap()
    {
        DmaAddr address = _device.Dma.MapSingle(_buffer, 0, 1500, DmaDirection.ToDevice);
        if (_device.Dma.MappingError(address))
        {
            return false;
        }

        _device.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
        return true;
    }
}
