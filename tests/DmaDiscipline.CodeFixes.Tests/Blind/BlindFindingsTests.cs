using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using Dma001 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;
using Dma002 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>;
using Dma005 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.CpuAccessWhileDeviceOwnedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// What the blind round found wrong in the fixers, each fix pinned by its own before/after and a look-alike that must
/// keep its old behaviour (docs/fix-blind-round.md).
/// </summary>
public sealed class BlindFindingsTests
{
    [Fact]
    public Task Early_return_before_the_handle_is_posted_is_released_there_and_the_end_after_posting_is_not() => Dma002.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public void Refill(KBuffer page, bool up)
            {
                var a = {|#0:_dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice)|};
                if (_dma.MappingError(a)) return;
                if (!up) return;
                _ring.PostWritable(a.Value, 4096);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public void Refill(KBuffer page, bool up)
            {
                var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return;
                if (!up)
                {
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                    return;
                }

                _ring.PostWritable(a.Value, 4096);
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    public Task Sync_for_a_statement_after_disabled_trace_code_goes_after_the_endif() => Dma005.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int First(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
        #if TRACE_RX
                Console.WriteLine("rx");
        #endif
                int first = {|#0:rx.Span|}[0];
                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int First(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
        #if TRACE_RX
                Console.WriteLine("rx");
        #endif
                _dma.SyncForCpu(a, 64, DmaDirection.FromDevice);
                int first = rx.Span[0];
                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        D("DMA005", 0));

    [Fact]
    public Task A_comment_without_directives_stays_with_its_statement_below_the_inserted_sync() => Dma005.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int First(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                // the first byte is the frame type
                int first = {|#0:rx.Span|}[0];
                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Rx(DmaApi dma) => _dma = dma;

            public int First(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a)) return -1;
                _ring.PostWritable(a.Value, 64);
                _ring.Completed(0);
                _dma.SyncForCpu(a, 64, DmaDirection.FromDevice);
                // the first byte is the frame type
                int first = rx.Span[0];
                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        D("DMA005", 0));

    [Fact]
    public Task Integer_flags_parameter_cast_to_the_layouts_flags_tests_the_WRITE_bit_itself() => Dma001.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, ushort flags)
            {
                _ring.WriteDesc(slot, {|#0:buf.PhysicalAddress.Value|}, len, (DescFlags)flags);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, ushort flags)
            {
                DmaDirection dmaDirection = (flags & 2) != 0 ? DmaDirection.FromDevice : DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.WriteDesc(slot, dmaAddress.Value, len, (DescFlags)flags);
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Flags_parameter_of_an_enum_with_no_WRITE_member_leaves_the_direction_unknown_and_says_so() => Dma001.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        [Flags]
        enum Cmd : ushort { None = 0, Chain = 1, Indirect = 4 }

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, Cmd cmd)
            {
                _ring.WriteDesc(slot, {|#0:buf.PhysicalAddress.Value|}, len, (DescFlags)cmd);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        [Flags]
        enum Cmd : ushort { None = 0, Chain = 1, Indirect = 4 }

        sealed class Vq
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Vq(DmaApi dma) => _dma = dma;

            public void Add(int slot, KBuffer buf, int len, Cmd cmd)
            {
                DmaDirection dmaDirection = DmaDirection.Bidirectional;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 0, len, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.WriteDesc(slot, dmaAddress.Value, len, (DescFlags)cmd);
            }
        }
        """,
        new[] { D("DMA001", 0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Map through the DMA API (Bidirectional: nothing shows which way the device uses it) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task Static_helper_maps_with_the_DmaApi_it_is_given() => Dma001.FixAsync(
        """
        using DmaDiscipline.Runtime;

        static class Tx
        {
            public static void Send(DmaApi dma, Ring ring, KBuffer b)
            {
                ring.Post({|#0:b.PhysicalAddress.Value|}, 64);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        static class Tx
        {
            public static void Send(DmaApi dma, Ring ring, KBuffer b)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = dma.MapSingle(b, 0, 64, dmaDirection);
                if (dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.Post(dmaAddress.Value, 64);
            }
        }
        """,
        D("DMA001", 0));

    [Fact]
    public Task Primary_constructor_parameter_copied_into_a_field_is_used_through_the_field() => Dma001.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class TxPath(Device device, Ring ring)
        {
            private readonly DmaApi _dma = device.Dma;

            public DmaApi Dma => _dma;

            public void Send(KBuffer frame, int length)
            {
                ring.Post({|#0:frame.PhysicalAddress.Value|}, length);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class TxPath(Device device, Ring ring)
        {
            private readonly DmaApi _dma = device.Dma;

            public DmaApi Dma => _dma;

            public void Send(KBuffer frame, int length)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(frame, 0, length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.Post(dmaAddress.Value, length);
            }
        }
        """,
        D("DMA001", 0));
    [Fact]
    public Task Static_local_function_gets_no_map_with_a_DmaApi_it_cannot_capture() => Dma001.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        static class Tx
        {
            public static void Send(DmaApi dma, KBuffer b)
            {
                Give(new Ring(), b);

                static void Give(Ring ring, KBuffer x)
                {
                    ring.Post({|#0:x.PhysicalAddress.Value|}, 64);
                }
            }
        }
        """,
        D("DMA001", 0));
}
