using DmaDiscipline.CodeFixes.Rules;
using static DmaDiscipline.CodeFixes.Tests.Blind.Blind;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingErrorCheckFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Blind;

/// <summary>
/// Blind round, DMA003: the check written from DMA003's page ("Code fix") before the fixer's source was read.
/// </summary>
public sealed class MappingErrorCheckBlindTests
{
    [Fact]
    public Task Method_returning_a_nullable_record_that_already_returns_null_fails_with_null() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed record Request(DmaAddr Addr, int Len);

        sealed class Submitter
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Submitter(DmaApi dma) => _dma = dma;

            public Request? Submit(KBuffer b)
            {
                if (b.Length < 64) return null;
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:a.Value|}, 64);
                return new Request(a, 64);
            }
        }
        """,
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed record Request(DmaAddr Addr, int Len);

        sealed class Submitter
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Submitter(DmaApi dma) => _dma = dma;

            public Request? Submit(KBuffer b)
            {
                if (b.Length < 64) return null;
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return null;
                }

                _ring.Post(a.Value, 64);
                return new Request(a, 64);
            }
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Map_in_a_local_function_fails_the_way_the_local_function_fails() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Refill
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Refill(DmaApi dma) => _dma = dma;

            public int Fill(KBuffer[] pages)
            {
                int posted = 0;
                foreach (var p in pages)
                {
                    if (Give(p)) posted++;
                }

                return posted;

                bool Give(KBuffer page)
                {
                    var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                    _ring.PostWritable({|#0:a.Value|}, 4096);
                    return true;
                }
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Refill
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Refill(DmaApi dma) => _dma = dma;

            public int Fill(KBuffer[] pages)
            {
                int posted = 0;
                foreach (var p in pages)
                {
                    if (Give(p)) posted++;
                }

                return posted;

                bool Give(KBuffer page)
                {
                    var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                    if (_dma.MappingError(a))
                    {
                        return false;
                    }

                    _ring.PostWritable(a.Value, 4096);
                    return true;
                }
            }
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Map_in_a_switch_section_gets_its_check_in_that_section() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        enum Kind { Tx, Rx }

        sealed class Queues
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Queues(DmaApi dma) => _dma = dma;

            public void Queue(Kind kind, KBuffer b)
            {
                switch (kind)
                {
                    case Kind.Tx:
                        var t = _dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice);
                        _ring.Post({|#0:t.Value|}, b.Length);
                        break;
                    case Kind.Rx:
                        _ring.Completed(0);
                        break;
                }
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        enum Kind { Tx, Rx }

        sealed class Queues
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Queues(DmaApi dma) => _dma = dma;

            public void Queue(Kind kind, KBuffer b)
            {
                switch (kind)
                {
                    case Kind.Tx:
                        var t = _dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice);
                        if (_dma.MappingError(t))
                        {
                            throw new InvalidOperationException("DMA mapping failed");
                        }

                        _ring.Post(t.Value, b.Length);
                        break;
                    case Kind.Rx:
                        _ring.Completed(0);
                        break;
                }
            }
        }
        """,
        D("DMA003", 0));

    [Fact]
    // A program of top-level statements fails as a void method does: it throws (the process ends with an error).
    public Task Top_level_program_throws_when_the_mapping_fails() => TopLevel<MappingErrorCheckFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        ring.Post({|#0:a.Value|}, 512);
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        if (dma.MappingError(a))
        {
            throw new InvalidOperationException("DMA mapping failed");
        }

        ring.Post(a.Value, 512);
        """,
        D("DMA003", 0));

    [Fact]
    // The header mapped before the payload is released on the payload's failure path, as in a method.
    public Task Top_level_program_releases_the_earlier_mapping_when_the_next_fails() => TopLevel<MappingErrorCheckFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        var hdr = machine.Memory.Allocate(16);
        var payload = machine.Memory.Allocate(512);
        var h = dma.MapSingle(hdr, 0, 16, DmaDirection.ToDevice);
        if (dma.MappingError(h))
        {
            return;
        }

        var p = dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice);
        ring.Post(h.Value, 16);
        ring.Post({|#0:p.Value|}, 512);
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        var hdr = machine.Memory.Allocate(16);
        var payload = machine.Memory.Allocate(512);
        var h = dma.MapSingle(hdr, 0, 16, DmaDirection.ToDevice);
        if (dma.MappingError(h))
        {
            return;
        }

        var p = dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice);
        if (dma.MappingError(p))
        {
            dma.UnmapSingle(h, 16, DmaDirection.ToDevice);
            throw new InvalidOperationException("DMA mapping failed");
        }

        ring.Post(h.Value, 16);
        ring.Post(p.Value, 512);
        """,
        D("DMA003", 0));

    [Fact]
    // A program that returns an exit code still throws: no code of its own says "out of memory".
    public Task Top_level_program_with_exit_codes_throws_when_the_mapping_fails() => TopLevel<MappingErrorCheckFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        if (args.Length > 0)
        {
            return 2;
        }

        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        ring.Post({|#0:a.Value|}, 512);
        return 0;
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        if (args.Length > 0)
        {
            return 2;
        }

        var buf = machine.Memory.Allocate(512);
        var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
        if (dma.MappingError(a))
        {
            throw new InvalidOperationException("DMA mapping failed");
        }

        ring.Post(a.Value, 512);
        return 0;
        """,
        D("DMA003", 0));

    [Fact]
    // A map in a top-level program's local function is that function's: checked, failing as it fails.
    public Task Local_function_of_a_top_level_program_returns_false() => TopLevel<MappingErrorCheckFixer>.FixAsync(
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        Send(machine.Memory.Allocate(512));

        bool Send(KBuffer buf)
        {
            var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
            ring.Post({|#0:a.Value|}, 512);
            return true;
        }
        """,
        """
        using DmaDiscipline.Runtime;

        var machine = new Machine(new MachineOptions());
        DmaApi dma = machine.AddDevice(DeviceId.Parse("00:04.0")).Dma;
        var ring = new Ring();
        Send(machine.Memory.Allocate(512));

        bool Send(KBuffer buf)
        {
            var a = dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
            if (dma.MappingError(a))
            {
                return false;
            }

            ring.Post(a.Value, 512);
            return true;
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Failure_of_the_payload_map_releases_the_header_mapped_before_it() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class HdrTx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public HdrTx(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer hdr, KBuffer payload)
            {
                var h = _dma.MapSingle(hdr, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(h)) return false;
                var p = _dma.MapSingle(payload, 0, payload.Length, DmaDirection.ToDevice);
                _ring.Post(h.Value, 16);
                _ring.Post({|#0:p.Value|}, payload.Length);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class HdrTx
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public HdrTx(DmaApi dma) => _dma = dma;

            public bool Send(KBuffer hdr, KBuffer payload)
            {
                var h = _dma.MapSingle(hdr, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(h)) return false;
                var p = _dma.MapSingle(payload, 0, payload.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(p))
                {
                    _dma.UnmapSingle(h, 16, DmaDirection.ToDevice);
                    return false;
                }

                _ring.Post(h.Value, 16);
                _ring.Post(p.Value, payload.Length);
                return true;
            }
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Async_ValueTask_of_int_that_returns_error_codes_fails_with_its_out_of_memory_code() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class AsyncBlk
        {
            private const int ENOMEM = 12;
            private const int EINVAL = 22;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public AsyncBlk(DmaApi dma) => _dma = dma;

            public async ValueTask<int> QueueAsync(KBuffer b)
            {
                if (b.Length == 0) return -EINVAL;
                await Task.Yield();
                var a = _dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice);
                _ring.Post({|#0:a.Value|}, b.Length);
                return 0;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class AsyncBlk
        {
            private const int ENOMEM = 12;
            private const int EINVAL = 22;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public AsyncBlk(DmaApi dma) => _dma = dma;

            public async ValueTask<int> QueueAsync(KBuffer b)
            {
                if (b.Length == 0) return -EINVAL;
                await Task.Yield();
                var a = _dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return -ENOMEM;
                }

                _ring.Post(a.Value, b.Length);
                return 0;
            }
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Map_inside_a_lambda_gets_no_check_inserted() => V.NoFixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Factory
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Factory(DmaApi dma) => _dma = dma;

            public Func<KBuffer, bool> Poster() => b =>
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:a.Value|}, 64);
                return true;
            };
        }
        """,
        D("DMA003", 0));

    [Fact]
    public Task Check_whose_failure_is_only_logged_gets_no_fix() => V.NoFixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sloppy
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Sloppy(DmaApi dma) => _dma = dma;

            public void Send(KBuffer b)
            {
                var a = _dma.MapSingle(b, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a)) Console.WriteLine("map failed");
                _ring.Post({|#0:a.Value|}, 64);
            }
        }
        """,
        D("DMA003", 0));
}
