using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.ForgedBusAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA008: the replacement written from DMA008's page ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class ForgedBusAddressBlindTests
{
    [Fact]
    public Task Address_forged_from_a_buffer_the_method_mapped_becomes_that_mapping() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sync
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Sync(DmaApi dma) => _dma = dma;

            public void Send(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                _ring.Post({|#0:new DmaAddr(buf.PhysicalAddress.Value)|}, 64);
                _ring.Completed(0);
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Sync
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Sync(DmaApi dma) => _dma = dma;

            public void Send(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                _ring.Post(a, 64);
                _ring.Completed(0);
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """,
        D("DMA008", 0));

    [Fact]
    public Task Address_forged_from_VirtToPhys_at_an_offset_with_nothing_mapped_gets_a_per_request_map() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Legacy
        {
            private readonly PhysicalMemory _mem;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Legacy(PhysicalMemory mem, DmaApi dma)
            {
                _mem = mem;
                _dma = dma;
            }

            public DmaApi Dma => _dma;

            public void Send(KBuffer buf)
            {
                _ring.Post({|#0:new DmaAddr(_mem.VirtToPhys(buf, 32).Value)|}, 64);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Legacy
        {
            private readonly PhysicalMemory _mem;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Legacy(PhysicalMemory mem, DmaApi dma)
            {
                _mem = mem;
                _dma = dma;
            }

            public DmaApi Dma => _dma;

            public void Send(KBuffer buf)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 32, 64, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(dmaAddress, 64);
            }
        }
        """,
        D("DMA008", 0));

    [Fact]
    public Task Unmap_of_a_constant_bus_address_gets_no_fix() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Teardown
        {
            private readonly DmaApi _dma;

            public Teardown(DmaApi dma) => _dma = dma;

            public void Release() => _dma.UnmapSingle({|#0:new DmaAddr(0x1000)|}, 64, DmaDirection.ToDevice);
        }
        """,
        D("DMA008", 0));

    [Fact]
    public Task Default_bus_address_given_to_the_ring_gets_no_fix() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Stub
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Stub(DmaApi dma) => _dma = dma;

            public DmaApi Dma => _dma;

            public void Prime(KBuffer unused) => _ring.Post({|#0:default(DmaAddr)|}, 64);
        }
        """,
        D("DMA008", 0));
}
