using BenchmarkDotNet.Attributes;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>Map + unmap of a 16-segment scatter-gather list (16 separate 4 KiB buffers), per platform.</summary>
[MemoryDiagnoser]
public class ScatterGatherBenchmarks
{
    private const int Segments = 16;
    private const int Page = PhysicalMemory.PageSize;

    private Device _device = null!;
    private ScatterList _list = null!;

    [Params(Platform.Identity, Platform.TranslatedStrict, Platform.TranslatedLazy, Platform.Bounce)]
    public Platform Platform { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Machine machine = Platforms.Create(Platform);
        _device = machine.AddDevice(Platforms.Nic);
        _list = new ScatterList(Segments);
        for (int i = 0; i < Segments; i++)
        {
            _list.Add(machine.Memory.Allocate(Page), 0, Page);
        }

        for (int i = 0; i < 1024; i++)
        {
            MapUnmapSg();
        }
    }

    [Benchmark]
    public int MapUnmapSg()
    {
        int count = _device.Dma.MapSg(_list, DmaDirection.ToDevice);
        if (count != 0)
        {
            _device.Dma.UnmapSg(_list, DmaDirection.ToDevice);
        }

        return count;
    }
}
