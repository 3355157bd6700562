using DmaDiscipline.CodeFixes.Rules;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingErrorCheckFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA003 → the mapping-error check is inserted after the map, failing the way the method fails.</summary>
public sealed class MappingErrorCheckFixerTests
{
    [Fact]
    public Task Int_method_returns_its_own_error_code() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer buffer)
            {
                if (buffer.Length == 0)
                {
                    return -22;
                }

                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:addr.Value|}, 64);
                return 0;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer buffer)
            {
                if (buffer.Length == 0)
                {
                    return -22;
                }

                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                {
                    return -22;
                }

                _ring.Post(addr.Value, 64);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));
}
