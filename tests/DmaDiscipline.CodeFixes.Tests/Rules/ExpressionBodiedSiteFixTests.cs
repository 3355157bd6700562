using V1 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;
using V4 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MismatchedUnmapOrSyncFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>
/// A site in an expression-bodied member: fixes that insert statements give the member a block body first
/// (<c>{ expression; }</c>, or <c>{ return expression; }</c> where it returns a value), then fix it as any other
/// site; a fix that edits the site in place leaves the expression body alone.
/// </summary>
public sealed class ExpressionBodiedSiteFixTests
{
    [Fact]
    public Task A_void_method_gets_a_block_then_the_map() => V1.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Setup(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public void Give(KBuffer buffer) => _ring.Post({|#0:buffer.PhysicalAddress.Value|}, 64);
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Setup(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public void Give(KBuffer buffer)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, 64, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(dmaAddress.Value, 64);
            }
        }
        """,
        V1.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_method_with_a_value_returns_it_from_the_block() => V1.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Setup(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public bool Give(KBuffer buffer) => Post({|#0:buffer.PhysicalAddress.Value|});

            private bool Post([BusAddress(DeviceReads = true)] ulong address) { _ring.Post(address, 64); return true; }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;

            public Setup(DmaApi dma, Ring ring) { _dma = dma; _ring = ring; }

            public bool Give(KBuffer buffer)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                return Post(dmaAddress.Value);
            }

            private bool Post([BusAddress(DeviceReads = true)] ulong address) { _ring.Post(address, 64); return true; }
        }
        """,
        V1.Diagnostic("DMA001").WithLocation(0));

    // A site the fixes cannot reach even in a block (a property's getter) leaves its member as it was, also in Fix All.
    [Fact]
    public Task A_property_whose_site_gets_no_fix_keeps_its_expression_body() => V1.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly KBuffer _buffer;

            public Setup(DmaApi dma, KBuffer buffer) { _dma = dma; _buffer = buffer; }

            public bool Kicked => Post({|#0:_buffer.PhysicalAddress.Value|});

            private static bool Post([BusAddress(DeviceReads = true)] ulong address) => true;
        }
        """,
        V1.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task Fix_all_leaves_a_property_whose_site_gets_no_fix_as_it_was() => V1.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;
            private readonly KBuffer _buffer;

            public Setup(DmaApi dma, Ring ring, KBuffer buffer) { _dma = dma; _ring = ring; _buffer = buffer; }

            public bool Kicked => Post({|#0:_buffer.PhysicalAddress.Value|});

            public void Give(KBuffer buffer) => _ring.Post({|#1:buffer.PhysicalAddress.Value|}, 64);

            private static bool Post([BusAddress(DeviceReads = true)] ulong address) => true;
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Setup
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring;
            private readonly KBuffer _buffer;

            public Setup(DmaApi dma, Ring ring, KBuffer buffer) { _dma = dma; _ring = ring; _buffer = buffer; }

            public bool Kicked => Post({|#0:_buffer.PhysicalAddress.Value|});

            public void Give(KBuffer buffer)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, 64, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(dmaAddress.Value, 64);
            }

            private static bool Post([BusAddress(DeviceReads = true)] ulong address) => true;
        }
        """,
        new[] { V1.Diagnostic("DMA001").WithLocation(0), V1.Diagnostic("DMA001").WithLocation(1) },
        new[] { V1.Diagnostic("DMA001").WithLocation(0) },
        codeActionEquivalenceKey: null);

    // The look-alike: a fix that edits the site in place keeps the expression body.
    [Fact]
    public Task An_in_place_fix_keeps_the_expression_body() => V4.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Done
        {
            private readonly DmaApi _dma;

            public Done(DmaApi dma) => _dma = dma;

            public void Complete(DmaAddr address) => _dma.UnmapSingle(address, 64, DmaDirection.FromDevice);

            public void Send(KBuffer buffer, Ring ring)
            {
                var address = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(address))
                {
                    return;
                }

                ring.Post(address.Value, 64);
                _dma.UnmapSingle(address, 64, {|#0:DmaDirection.FromDevice|});
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Done
        {
            private readonly DmaApi _dma;

            public Done(DmaApi dma) => _dma = dma;

            public void Complete(DmaAddr address) => _dma.UnmapSingle(address, 64, DmaDirection.FromDevice);

            public void Send(KBuffer buffer, Ring ring)
            {
                var address = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(address))
                {
                    return;
                }

                ring.Post(address.Value, 64);
                _dma.UnmapSingle(address, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V4.Diagnostic("DMA004").WithLocation(0));
}
