using BenchmarkDotNet.Attributes;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>
/// The same map + MappingError check + unmap of a 1500-byte buffer as <see cref="MapUnmapBenchmarks"/>,
/// from two threads at once: on one shared device (they meet in its live-mapping record, its domain
/// and the machine's bounce pool) or each on its own device (they meet only in the bounce pool and
/// physical memory). The time is per operation over both threads, so with no contention and two free
/// cores it is about half the single-thread figure.
/// </summary>
[MemoryDiagnoser]
public class ConcurrentMapUnmapBenchmarks
{
    private const int OperationsPerThread = 20_000;
    private const int Threads = 2;

    private readonly Device[] _devices = new Device[Threads];
    private readonly KBuffer[] _buffers = new KBuffer[Threads];

    [Params(Platform.Identity, Platform.TranslatedStrict, Platform.TranslatedLazy, Platform.Bounce)]
    public Platform Platform { get; set; }

    [Params(true, false)]
    public bool SharedDevice { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Machine machine = Platforms.Create(Platform);
        Device first = machine.AddDevice(Platforms.Nic);
        for (int t = 0; t < Threads; t++)
        {
            _devices[t] = SharedDevice || t == 0 ? first : machine.AddDevice(new DeviceId(0, (byte)(4 + t), 0));
            _buffers[t] = machine.Memory.Allocate(1500);
        }

        // Warm up every CPU's IOVA cache, the flush queue and the page table's inner levels.
        Run();
    }

    [Benchmark(OperationsPerInvoke = Threads * OperationsPerThread)]
    public void MapUnmapOnTwoThreads() => Run();

    private void Run() => Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
    {
        Device device = _devices[t];
        KBuffer buffer = _buffers[t];
        for (int i = 0; i < OperationsPerThread; i++)
        {
            DmaAddr address = device.Dma.MapSingle(buffer, 0, 1500, DmaDirection.ToDevice);
            if (!device.Dma.MappingError(address))
            {
                device.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
            }
        }
    });
}
