using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>
/// DMA001 where the physical address is kept in a local first (<c>ulong pa = b.PhysicalAddress.Value; … ring.Post(pa, len);</c>):
/// the buffer is mapped before the local's declaration and the local holds the bus address; the sink still gives the length
/// and the direction. Only a local read at the sink alone: another reader would change with it.
/// </summary>
public sealed class RawPhysicalAddressFixerLocalTests
{
    [Fact]
    public Task The_map_goes_before_the_local_that_keeps_the_address() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public bool Send(Ring ring, KBuffer frame, int off, int len)
            {
                var pa = frame.PhysicalAddress.Value + (ulong)off;
                var words = (len + 7) / 8;
                ring.Post({|#0:pa|}, len);
                return words > 0;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public bool Send(Ring ring, KBuffer frame, int off, int len)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(frame, off, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                var pa = dmaAddress.Value;
                var words = (len + 7) / 8;
                ring.Post(pa, len);
                return words > 0;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task No_fix_when_the_local_is_read_elsewhere_too() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public void Send(Ring ring, KBuffer frame, int len)
            {
                ulong pa = frame.PhysicalAddress.Value;
                System.Console.WriteLine(pa);
                ring.Post({|#0:pa|}, len);
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task No_fix_when_the_local_is_written_again() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public void Send(Ring ring, KBuffer frame, KBuffer other, bool second, int len)
            {
                ulong pa = frame.PhysicalAddress.Value;
                if (second)
                {
                    pa = 0;
                }

                ring.Post({|#0:pa|}, len);
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));
}
