using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA002: the release written from DMA002's page ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class MappingNotReleasedBlindTests
{
    [Fact]
    public Task Early_return_under_a_negated_property_pattern_becomes_a_block_that_unmaps_first() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Probe
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Probe(DmaApi dma) => _dma = dma;

            public bool Run(KBuffer buf, object? cookie)
            {
                var a = {|#0:_dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (_dma.MappingError(a)) return false;
                if (cookie is not string { Length: > 0 } tag) return false;
                _ring.Post(a, tag.Length);
                return true;
            }
        }
        """,
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Probe
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Probe(DmaApi dma) => _dma = dma;

            public bool Run(KBuffer buf, object? cookie)
            {
                var a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return false;
                if (cookie is not string { Length: > 0 } tag)
                {
                    _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                    return false;
                }

                _ring.Post(a, tag.Length);
                return true;
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    public Task Method_falling_off_its_end_unmaps_after_its_last_statement_and_not_in_the_failed_mapping_branch() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Trace : IDisposable
        {
            public void Dispose() { }
        }

        sealed class SelfTest
        {
            private readonly DmaApi _dma;

            public SelfTest(DmaApi dma) => _dma = dma;

            public void Run(KBuffer scratch)
            {
                using var trace = new Trace();
                var probe = {|#0:_dma.MapSingle(scratch, 0, 256, DmaDirection.Bidirectional)|};
                if (_dma.MappingError(probe))
                {
                    return;
                }

                Console.WriteLine("self-test mapped"); // visible in dmesg
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Trace : IDisposable
        {
            public void Dispose() { }
        }

        sealed class SelfTest
        {
            private readonly DmaApi _dma;

            public SelfTest(DmaApi dma) => _dma = dma;

            public void Run(KBuffer scratch)
            {
                using var trace = new Trace();
                var probe = _dma.MapSingle(scratch, 0, 256, DmaDirection.Bidirectional);
                if (_dma.MappingError(probe))
                {
                    return;
                }

                Console.WriteLine("self-test mapped"); // visible in dmesg
                _dma.UnmapSingle(probe, 256, DmaDirection.Bidirectional);
            }
        }
        """,
        D("DMA002", 0));

    private const string ThrowInASwitchExpressionArm = """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sized
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Sized(DmaApi dma) => _dma = dma;

            public void Send(KBuffer buf, int kind)
            {
                var a = {|#0:_dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)|};
                if (_dma.MappingError(a)) return;
                int n = kind switch
                {
                    0 => 32,
                    1 => 64,
                    _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                };
                _ring.Post(a.Value, n);
                _ring.Completed(0);
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
            }
        }
        """;

    [Fact]
    public Task Throw_in_a_switch_expression_arm_gets_no_release_before_it() =>
        V.NotOfferedAsync(ThrowInASwitchExpressionArm, "DMA002.ReleaseOnPath", D("DMA002", 0));

    [Fact]
    public Task Throw_in_a_switch_expression_arm_is_covered_by_try_finally_the_preferred_fix_there() => V.FixAsync(
        ThrowInASwitchExpressionArm,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sized
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Sized(DmaApi dma) => _dma = dma;

            public void Send(KBuffer buf, int kind)
            {
                var a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) return;
                try
                {
                    int n = kind switch
                    {
                        0 => 32,
                        1 => 64,
                        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
                    };
                    _ring.Post(a.Value, n);
                    _ring.Completed(0);
                }
                finally
                {
                    _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    public Task Tab_indented_CRLF_errno_method_releases_before_the_return_inside_a_region() => V.FixAsync(
        Crlf(Tabs("""
        using DmaDiscipline.Runtime;

        sealed class Blk
        {
            private const int EIO = 5;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Blk(DmaApi dma) => _dma = dma;

            public int Flush(KBuffer cmd, bool ready)
            {
                var h = {|#0:_dma.MapSingle(cmd, 0, 16, DmaDirection.ToDevice)|};
                if (_dma.MappingError(h))
                    return -EIO;
                #region device state
                if (!ready)
                    return -EIO;
                #endregion
                _ring.Post(h, 16);
                return 0;
            }
        }
        """)),
        Crlf(Tabs("""
        using DmaDiscipline.Runtime;

        sealed class Blk
        {
            private const int EIO = 5;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Blk(DmaApi dma) => _dma = dma;

            public int Flush(KBuffer cmd, bool ready)
            {
                var h = _dma.MapSingle(cmd, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(h))
                    return -EIO;
                #region device state
                if (!ready)
                {
                    _dma.UnmapSingle(h, 16, DmaDirection.ToDevice);
                    return -EIO;
                }
                #endregion
                _ring.Post(h, 16);
                return 0;
            }
        }
        """)),
        D("DMA002", 0));

    [Fact]
    public Task Return_after_an_awaited_readiness_check_releases_first() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Hw
        {
            public Task<bool> WaitReadyAsync() => Task.FromResult(true);
        }

        sealed class Resetter
        {
            private readonly DmaApi _dma;
            private readonly Hw _hw = new();
            private readonly Ring _ring = new();

            public Resetter(DmaApi dma) => _dma = dma;

            public async Task<bool> ResetAsync(KBuffer cmd)
            {
                var c = {|#0:_dma.MapSingle(cmd, 0, 64, DmaDirection.ToDevice)|};
                if (_dma.MappingError(c))
                    return false;
                if (!await _hw.WaitReadyAsync())
                    return false;
                _ring.Post(c, 64);
                return true;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Hw
        {
            public Task<bool> WaitReadyAsync() => Task.FromResult(true);
        }

        sealed class Resetter
        {
            private readonly DmaApi _dma;
            private readonly Hw _hw = new();
            private readonly Ring _ring = new();

            public Resetter(DmaApi dma) => _dma = dma;

            public async Task<bool> ResetAsync(KBuffer cmd)
            {
                var c = _dma.MapSingle(cmd, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(c))
                    return false;
                if (!await _hw.WaitReadyAsync())
                {
                    _dma.UnmapSingle(c, 64, DmaDirection.ToDevice);
                    return false;
                }

                _ring.Post(c, 64);
                return true;
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    public Task Computed_map_length_is_kept_in_a_local_the_map_and_the_release_share() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Peeker
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly int _mtu = 1500;

            public Peeker(DmaApi dma) => _dma = dma;

            public void Peek(KBuffer rx, int len)
            {
                var m = {|#0:_dma.MapSingle(rx, 0, Math.Min(len, _mtu), DmaDirection.FromDevice)|};
                if (_dma.MappingError(m)) return;
                if (len == 0) return;
                _ring.PostWritable(m.Value, len);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Peeker
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly int _mtu = 1500;

            public Peeker(DmaApi dma) => _dma = dma;

            public void Peek(KBuffer rx, int len)
            {
                int mLength = Math.Min(len, _mtu);
                var m = _dma.MapSingle(rx, 0, mLength, DmaDirection.FromDevice);
                if (_dma.MappingError(m)) return;
                if (len == 0)
                {
                    _dma.UnmapSingle(m, mLength, DmaDirection.FromDevice);
                    return;
                }

                _ring.PostWritable(m.Value, len);
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    public Task Coherent_ring_abandoned_on_a_return_null_is_freed_there() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class RingSetup
        {
            private readonly DmaApi _dma;
            private readonly int _max = 256;

            public RingSetup(DmaApi dma) => _dma = dma;

            public CoherentBuffer? Setup(int entries)
            {
                var ring = {|#0:_dma.AllocCoherent(entries * 16)|};
                if (entries > _max)
                {
                    return null;
                }

                return ring;
            }
        }
        """,
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class RingSetup
        {
            private readonly DmaApi _dma;
            private readonly int _max = 256;

            public RingSetup(DmaApi dma) => _dma = dma;

            public CoherentBuffer? Setup(int entries)
            {
                var ring = _dma.AllocCoherent(entries * 16);
                if (entries > _max)
                {
                    _dma.FreeCoherent(ring);
                    return null;
                }

                return ring;
            }
        }
        """,
        D("DMA002", 0));

    [Fact]
    // A program of top-level statements: the early return inside an if block releases the mapping, as in a method.
    public Task Top_level_program_releases_before_its_early_return() => TopLevel<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var buf = machine.Memory.Allocate(512);
        var a = {|#0:dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice)|};
        if (dma.MappingError(a))
        {
            return;
        }

        if (args.Length > 0)
        {
            return;
        }

        dma.UnmapSingle(a, 512, DmaDirection.ToDevice);
        """,
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        if (dma.MappingError(a))
        {
            return;
        }

        if (args.Length > 0)
        {
            dma.UnmapSingle(a, 512, DmaDirection.ToDevice);
            return;
        }

        dma.UnmapSingle(a, 512, DmaDirection.ToDevice);
        """,
        D("DMA002", 0));

    [Fact]
    // A top-level return set off by a blank line: the release goes before it, the blank line before the release.
    public Task Top_level_program_releases_before_its_final_return() => TopLevel<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var buf = machine.Memory.Allocate(512);
        var a = {|#0:dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice)|};
        if (dma.MappingError(a))
        {
            return 1;
        }

        return 0;
        """,
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        if (dma.MappingError(a))
        {
            return 1;
        }

        dma.UnmapSingle(a, 512, DmaDirection.ToDevice);
        return 0;
        """,
        D("DMA002", 0));
}
