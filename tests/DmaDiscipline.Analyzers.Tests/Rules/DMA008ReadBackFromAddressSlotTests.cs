using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA008 for a bus address rebuilt from a descriptor's address slot read back (<c>new DmaAddr(rx[i].Addr)</c>): the
/// device reads that slot, and a write-back descriptor (e1000, ixgbe) rewrites it with status on completion, so what it
/// holds by then is the device's, whatever the driver stored there. Linux drivers keep the mapping in a shadow ring
/// (<c>rx_buffer_info-&gt;dma</c>, virtio's <c>desc_extra</c>) for that reason. The look-alikes keep such a copy, keep the
/// <c>DmaAddr</c> itself, or read the slot without making a bus address of it.
/// </summary>
public sealed class DMA008ReadBackFromAddressSlotTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private static string Driver(string statements) =>
        "struct RxDesc { [BusAddress(DeviceWrites = true)] public ulong Addr; public ushort Status; } "
        + "sealed class NicRegisters { [BusAddress] public ulong RingBase { get; set; } } "
        + "sealed class Rx { private readonly DmaApi _dma; private readonly RxDesc[] _ring = new RxDesc[64]; private readonly ulong[] _shadow = new ulong[64]; "
        + "private readonly DmaAddr[] _maps = new DmaAddr[64]; private readonly NicRegisters _regs = new NicRegisters(); "
        + "Rx(DmaApi dma) => _dma = dma; "
        + "void Fill(int i, KBuffer page) { var a = _dma.MapSingle(page, 0, 2048, DmaDirection.FromDevice); if (_dma.MappingError(a)) return; _ring[i].Addr = a.Value; _shadow[i] = a.Value; _maps[i] = a; } "
        + "void Clean(int i, IRing ring) { " + statements + " } }";

    [Theory]
    [InlineData("_dma.UnmapSingle({|DMA008:new DmaAddr(_ring[i].Addr)|}, 2048, DmaDirection.FromDevice);")]
    [InlineData("var addr = _ring[i].Addr; _dma.SyncForCpu({|DMA008:new DmaAddr(addr)|}, 2048, DmaDirection.FromDevice);")]
    // Through a local of the descriptor, and given back to the device.
    [InlineData("var d = _ring[i]; ring.Post({|DMA008:new DmaAddr(d.Addr)|}, 2048);")]
    // A register property declared as an address slot, read back.
    [InlineData("_dma.UnmapSingle({|DMA008:new DmaAddr(_regs.RingBase)|}, 4096, DmaDirection.Bidirectional);")]
    public Task Reported(string statements) => Check(Driver(statements));

    [Theory]
    // The driver's own copy of what it mapped (a shadow ring of integers, or of the handles themselves).
    [InlineData("_dma.UnmapSingle(new DmaAddr(_shadow[i]), 2048, DmaDirection.FromDevice);")]
    [InlineData("_dma.UnmapSingle(_maps[i], 2048, DmaDirection.FromDevice);")]
    // The slot read for something else than a bus address: a check that the device has not cleared it, a log line.
    [InlineData("if (_ring[i].Addr == 0) return; _dma.UnmapSingle(_maps[i], 2048, DmaDirection.FromDevice);")]
    [InlineData("System.Console.WriteLine(_ring[i].Addr); _dma.UnmapSingle(_maps[i], 2048, DmaDirection.FromDevice);")]
    // Copied from one descriptor into another (a ring resize): still the device's slots, no bus address made.
    [InlineData("_ring[(i + 1) & 63].Addr = _ring[i].Addr;")]
    public Task Not_reported(string statements) => Check(Driver(statements));
}
