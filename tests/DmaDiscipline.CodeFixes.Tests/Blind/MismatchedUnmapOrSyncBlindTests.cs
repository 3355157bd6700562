using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MismatchedUnmapOrSyncFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA004: the aligned unmap/sync written from DMA004's page ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class MismatchedUnmapOrSyncBlindTests
{
    [Fact]
    public Task Unmap_in_finally_with_using_static_directions_takes_the_maps_constant_and_direction() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;
        using static DmaDiscipline.Runtime.DmaDirection;

        sealed class Rx
        {
            private const int FrameLen = 1514;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int Receive(KBuffer frame)
            {
                var a = _dma.MapSingle(frame, 0, FrameLen, FromDevice);
                if (_dma.MappingError(a)) return -1;
                try
                {
                    _ring.PostWritable(a.Value, FrameLen);
                    _ring.Completed(0);
                }
                finally
                {
                    _dma.UnmapSingle(a, {|#0:1500|}, {|#1:ToDevice|});
                }

                return frame.Span[0];
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;
        using static DmaDiscipline.Runtime.DmaDirection;

        sealed class Rx
        {
            private const int FrameLen = 1514;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int Receive(KBuffer frame)
            {
                var a = _dma.MapSingle(frame, 0, FrameLen, FromDevice);
                if (_dma.MappingError(a)) return -1;
                try
                {
                    _ring.PostWritable(a.Value, FrameLen);
                    _ring.Completed(0);
                }
                finally
                {
                    _dma.UnmapSingle(a, FrameLen, FromDevice);
                }

                return frame.Span[0];
            }
        }
        """,
        D("DMA004", 0),
        D("DMA004", 1));

    [Fact]
    public Task Oversized_sync_in_a_primary_constructor_class_takes_the_maps_length() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class RxPoll(DmaApi dma, Ring ring)
        {
            public byte Poll(KBuffer rx)
            {
                var a = dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (dma.MappingError(a)) return 0;
                ring.PostWritable(a.Value, 2048);
                dma.SyncForCpu(a, {|#0:4096|}, DmaDirection.FromDevice);
                byte b = rx.Span[0];
                dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return b;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class RxPoll(DmaApi dma, Ring ring)
        {
            public byte Poll(KBuffer rx)
            {
                var a = dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (dma.MappingError(a)) return 0;
                ring.PostWritable(a.Value, 2048);
                dma.SyncForCpu(a, 2048, DmaDirection.FromDevice);
                byte b = rx.Span[0];
                dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return b;
            }
        }
        """,
        D("DMA004", 0));

    [Fact]
    public Task Direction_from_a_const_local_replaces_the_argument_and_keeps_its_comment_in_a_CRLF_file() => V.FixAsync(
        Crlf("""
        using DmaDiscipline.Runtime;

        sealed class Ctl
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Ctl(DmaApi dma) => _dma = dma;

            public void Status(KBuffer b)
            {
                const DmaDirection dir = DmaDirection.FromDevice;
                var a = _dma.MapSingle(b, 0, 64, dir);
                if (_dma.MappingError(a)) return;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                _dma.UnmapSingle(a, 64, /* status block */ {|#0:DmaDirection.Bidirectional|});
            }
        }
        """),
        Crlf("""
        using DmaDiscipline.Runtime;

        sealed class Ctl
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Ctl(DmaApi dma) => _dma = dma;

            public void Status(KBuffer b)
            {
                const DmaDirection dir = DmaDirection.FromDevice;
                var a = _dma.MapSingle(b, 0, 64, dir);
                if (_dma.MappingError(a)) return;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                _dma.UnmapSingle(a, 64, /* status block */ dir);
            }
        }
        """),
        D("DMA004", 0));
    [Fact]
    public Task Length_local_shrunk_after_the_map_is_kept_for_the_unmap_in_a_local_of_its_own() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Ftgmac
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Ftgmac(DmaApi dma) => _dma = dma;

            public int Recv(KBuffer rx)
            {
                int frame = 1536;
                var a = _dma.MapSingle(rx, 0, frame, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, frame);
                _ring.Completed(0);
                frame -= 1494;
                _dma.UnmapSingle(a, {|#0:frame|}, DmaDirection.FromDevice);
                return rx.Span[0] + frame;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Ftgmac
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Ftgmac(DmaApi dma) => _dma = dma;

            public int Recv(KBuffer rx)
            {
                int frame = 1536;
                int aLength = frame;
                var a = _dma.MapSingle(rx, 0, aLength, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, frame);
                _ring.Completed(0);
                frame -= 1494;
                _dma.UnmapSingle(a, aLength, DmaDirection.FromDevice);
                return rx.Span[0] + frame;
            }
        }
        """,
        D("DMA004", 0));
}
