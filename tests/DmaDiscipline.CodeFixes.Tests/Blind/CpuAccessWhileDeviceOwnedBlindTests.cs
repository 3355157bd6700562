using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.CpuAccessWhileDeviceOwnedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA005: the syncs written from DMA005's page ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class CpuAccessWhileDeviceOwnedBlindTests
{
    [Fact]
    public Task Switch_expression_over_a_received_byte_syncs_for_the_cpu_and_leaves_the_hand_back_to_the_unmap() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Classifier
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Classifier(DmaApi dma) => _dma = dma;

            public int Classify(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 1514, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 1514);
                _ring.Completed(0);
                var kind = {|#0:rx.Span|}[12] switch { 0x08 => 4, 0x86 => 6, _ => 0 };
                _dma.UnmapSingle(a, 1514, DmaDirection.FromDevice);
                return kind;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Classifier
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Classifier(DmaApi dma) => _dma = dma;

            public int Classify(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 1514, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 1514);
                _ring.Completed(0);
                _dma.SyncForCpu(a, 1514, DmaDirection.FromDevice);
                var kind = rx.Span[12] switch { 0x08 => 4, 0x86 => 6, _ => 0 };
                _dma.UnmapSingle(a, 1514, DmaDirection.FromDevice);
                return kind;
            }
        }
        """,
        D("DMA005", 0));

    [Fact]
    public Task Cpu_write_to_a_mapped_tx_frame_is_bracketed_and_keeps_its_comment() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Stamper
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Stamper(DmaApi dma) => _dma = dma;

            public void Stamp(KBuffer frame, byte seq)
            {
                var a = _dma.MapSingle(frame, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                {|#0:frame.Span|}[0] = seq;   // sequence number
                _ring.Post(a, 64);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Stamper
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Stamper(DmaApi dma) => _dma = dma;

            public void Stamp(KBuffer frame, byte seq)
            {
                var a = _dma.MapSingle(frame, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                _dma.SyncForCpu(a, 64, DmaDirection.ToDevice);
                frame.Span[0] = seq;   // sequence number
                _dma.SyncForDevice(a, 64, DmaDirection.ToDevice);
                _ring.Post(a, 64);
            }
        }
        """,
        D("DMA005", 0));

    [Fact]
    public Task Read_in_a_return_with_an_or_pattern_syncs_for_the_cpu_only() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Peek
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Peek(DmaApi dma) => _dma = dma;

            public bool IsIp(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 256, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return false;
                _ring.PostWritable(a.Value, 256);
                return {|#0:rx.Span|}[0] is 0x45 or 0x60;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Peek
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Peek(DmaApi dma) => _dma = dma;

            public bool IsIp(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 256, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return false;
                _ring.PostWritable(a.Value, 256);
                _dma.SyncForCpu(a, 256, DmaDirection.FromDevice);
                return rx.Span[0] is 0x45 or 0x60;
            }
        }
        """,
        D("DMA005", 0));

    [Fact]
    public Task Two_reads_in_one_if_condition_are_one_defect_with_one_sync() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Counter
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private int _ipv4;

            public Counter(DmaApi dma) => _dma = dma;

            public int Ipv4 => _ipv4;

            public void Count(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                if ({|#0:rx.Span|}[12] == 0x08 && rx.Span[13] == 0x00)
                {
                    _ipv4++;
                }

                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Counter
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private int _ipv4;

            public Counter(DmaApi dma) => _dma = dma;

            public int Ipv4 => _ipv4;

            public void Count(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                _dma.SyncForCpu(a, 64, DmaDirection.FromDevice);
                if (rx.Span[12] == 0x08 && rx.Span[13] == 0x00)
                {
                    _ipv4++;
                }

                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
            }
        }
        """,
        D("DMA005", 0));
}
