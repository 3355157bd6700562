using BenchmarkDotNet.Attributes;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>
/// A device reading or writing 4 KiB through its DMA path: identity, translated with an IOTLB hit,
/// translated with an IOTLB miss (a page walk per access), translated with a hit in the device's own
/// ATS cache, against a plain 4 KiB copy as the floor.
/// The 8-byte reads isolate the per-transaction cost from the copy.
/// </summary>
[MemoryDiagnoser]
public class DeviceAccessBenchmarks
{
    private const int Page = PhysicalMemory.PageSize;
    private const int IoTlbEntries = 256;
    private const int MissPages = 2 * IoTlbEntries; // direct-mapped IOTLB: page i and i+256 evict each other

    private readonly byte[] _data = new byte[Page];
    private readonly byte[] _source = new byte[Page];
    private Device _identity = null!;
    private Device _translated = null!;
    private Device _ats = null!;
    private DmaAddr _atsAddress;
    private DmaAddr _identityAddress;
    private DmaAddr _hitAddress;
    private DmaAddr _missBase;
    private int _missPage;

    [GlobalSetup]
    public void Setup()
    {
        Machine identity = Platforms.Create(Platform.Identity, IoTlbEntries);
        _identity = identity.AddDevice(Platforms.Nic);
        KBuffer identityBuffer = identity.Memory.Allocate(Page);
        _identityAddress = _identity.Dma.MapSingle(identityBuffer, 0, Page, DmaDirection.Bidirectional);

        Machine translated = Platforms.Create(Platform.TranslatedStrict, IoTlbEntries);
        _translated = translated.AddDevice(Platforms.Nic);
        KBuffer hit = translated.Memory.Allocate(Page);
        _hitAddress = _translated.Dma.MapSingle(hit, 0, Page, DmaDirection.Bidirectional);
        KBuffer miss = translated.Memory.Allocate(MissPages * Page);
        _missBase = _translated.Dma.MapSingle(miss, 0, MissPages * Page, DmaDirection.Bidirectional);
        _translated.Bus.TryRead(_hitAddress, _data);

        _ats = translated.AddDevice(new DeviceId(0, 4, 0), new DeviceOptions { Name = "ats-nic", Ats = true });
        KBuffer atsBuffer = translated.Memory.Allocate(Page);
        _atsAddress = _ats.Dma.MapSingle(atsBuffer, 0, Page, DmaDirection.Bidirectional);
        _ats.Bus.TryRead(_atsAddress, _data);
    }

    [Benchmark(Baseline = true, Description = "memcpy 4 KiB (floor)")]
    public void Copy() => _source.AsSpan().CopyTo(_data);

    [Benchmark(Description = "identity read 4 KiB")]
    public bool IdentityRead() => _identity.Bus.TryRead(_identityAddress, _data);

    [Benchmark(Description = "identity write 4 KiB")]
    public bool IdentityWrite() => _identity.Bus.TryWrite(_identityAddress, _data);

    [Benchmark(Description = "translated read 4 KiB, IOTLB hit")]
    public bool TranslatedReadHit() => _translated.Bus.TryRead(_hitAddress, _data);

    [Benchmark(Description = "translated write 4 KiB, IOTLB hit")]
    public bool TranslatedWriteHit() => _translated.Bus.TryWrite(_hitAddress, _data);

    [Benchmark(Description = "translated read 4 KiB, IOTLB miss")]
    public bool TranslatedReadMiss() => _translated.Bus.TryRead(NextMissPage(), _data);

    [Benchmark(Description = "translated write 4 KiB, IOTLB miss")]
    public bool TranslatedWriteMiss() => _translated.Bus.TryWrite(NextMissPage(), _data);

    [Benchmark(Description = "identity read 8 B")]
    public bool IdentityReadSmall() => _identity.Bus.TryRead(_identityAddress, _data.AsSpan(0, 8));

    [Benchmark(Description = "translated read 8 B, IOTLB hit")]
    public bool TranslatedReadSmallHit() => _translated.Bus.TryRead(_hitAddress, _data.AsSpan(0, 8));

    [Benchmark(Description = "translated read 8 B, ATS cache hit")]
    public bool TranslatedReadSmallAtsHit() => _ats.Bus.TryRead(_atsAddress, _data.AsSpan(0, 8));

    [Benchmark(Description = "translate only, IOTLB hit")]
    public ulong TranslateHit()
    {
        _translated.Domain!.TryTranslate(_hitAddress.Value, DmaAccess.Read, out ulong physical, out _);
        return physical;
    }

    private DmaAddr NextMissPage()
    {
        // Stride IoTlbEntries + 1 pages: every access lands in a slot last filled by another page.
        _missPage = (_missPage + IoTlbEntries + 1) % MissPages;
        return new DmaAddr(_missBase.Value + (ulong)_missPage * Page);
    }
}
