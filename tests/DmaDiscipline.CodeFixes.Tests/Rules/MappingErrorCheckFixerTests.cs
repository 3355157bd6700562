using DmaDiscipline.CodeFixes.Rules;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingErrorCheckFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA003 → the mapping-error check is inserted after the map, failing the way the method fails.</summary>
public sealed class MappingErrorCheckFixerTests
{
    [Fact]
    public Task Int_method_returns_its_files_out_of_memory_code_not_another_code_it_returns() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int ENOMEM = 12;
            private const int EINVAL = 22;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer buffer)
            {
                if (buffer.Length == 0)
                {
                    return -EINVAL;
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
            private const int ENOMEM = 12;
            private const int EINVAL = 22;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer buffer)
            {
                if (buffer.Length == 0)
                {
                    return -EINVAL;
                }

                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                {
                    return -ENOMEM;
                }

                _ring.Post(addr.Value, 64);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Int_method_without_an_out_of_memory_code_throws_rather_than_copy_another_code() => V.FixAsync(
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
        using System;
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
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(addr.Value, 64);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Bool_method_returns_false() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public bool Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                DmaAddr addr;
                addr = dma.MapSingle(buffer, 0, 64, DmaDirection.FromDevice);
                ring.PostWritable({|#0:addr.Value|}, 64);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public bool Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                DmaAddr addr;
                addr = dma.MapSingle(buffer, 0, 64, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return false;
                }

                ring.PostWritable(addr.Value, 64);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Void_method_throws_and_gets_its_using() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var pending = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                ring.Post({|#0:pending.Value|}, 64);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var pending = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(pending))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.Post(pending.Value, 64);
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Fix_all_checks_each_mapping_once_in_every_document() => V.FixAllAsync(
        new[]
        {
            """
            using DmaDiscipline.Runtime;

            sealed class Tx
            {
                public int Send(DmaApi dma, Ring ring, KBuffer header, KBuffer payload)
                {
                    var h = dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                    var p = dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice);
                    ring.Post({|#0:h.Value|}, 16);
                    ring.Post({|#1:p.Value|}, 512);
                    dma.SyncForDevice(p, 512, DmaDirection.ToDevice);
                    return 0;
                }
            }
            """,
            """
            using DmaDiscipline.Runtime;

            sealed class Rx
            {
                public bool Post(DmaApi dma, Ring ring, KBuffer buffer)
                {
                    var addr = dma.MapSingle(buffer, 0, 2048, DmaDirection.FromDevice);
                    ring.PostWritable({|#3:addr.Value|}, 2048);
                    return true;
                }
            }
            """,
        },
        new[]
        {
            """
            using System;
            using DmaDiscipline.Runtime;

            sealed class Tx
            {
                public int Send(DmaApi dma, Ring ring, KBuffer header, KBuffer payload)
                {
                    var h = dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                    if (dma.MappingError(h))
                    {
                        throw new InvalidOperationException("DMA mapping failed");
                    }

                    var p = dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice);
                    if (dma.MappingError(p))
                    {
                        dma.UnmapSingle(h, 16, DmaDirection.ToDevice);
                        throw new InvalidOperationException("DMA mapping failed");
                    }

                    ring.Post(h.Value, 16);
                    ring.Post(p.Value, 512);
                    dma.SyncForDevice(p, 512, DmaDirection.ToDevice);
                    return 0;
                }
            }
            """,
            """
            using DmaDiscipline.Runtime;

            sealed class Rx
            {
                public bool Post(DmaApi dma, Ring ring, KBuffer buffer)
                {
                    var addr = dma.MapSingle(buffer, 0, 2048, DmaDirection.FromDevice);
                    if (dma.MappingError(addr))
                    {
                        return false;
                    }

                    ring.PostWritable(addr.Value, 2048);
                    return true;
                }
            }
            """,
        },
        new[]
        {
            V.Diagnostic("DMA003").WithLocation(0),
            V.Diagnostic("DMA003").WithLocation(1),
            V.Diagnostic("DMA003").WithLocation(3),
        },
        iterations: 3,
        documentIterations: 2);

    [Fact]
    public Task Async_method_fails_as_its_tasks_result() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async Task<bool> SubmitAsync(KBuffer buffer, Task completion)
            {
                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:addr.Value|}, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async Task<bool> SubmitAsync(KBuffer buffer, Task completion)
            {
                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                {
                    return false;
                }

                _ring.Post(addr.Value, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Async_error_code_method_returns_its_out_of_memory_code() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int ENOMEM = 12;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async ValueTask<int> SubmitAsync(KBuffer buffer, Task completion)
            {
                if (buffer.Length == 0)
                {
                    return -22;
                }

                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:addr.Value|}, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                return 0;
            }
        }
        """,
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int ENOMEM = 12;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async ValueTask<int> SubmitAsync(KBuffer buffer, Task completion)
            {
                if (buffer.Length == 0)
                {
                    return -22;
                }

                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                {
                    return -ENOMEM;
                }

                _ring.Post(addr.Value, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task Async_method_with_no_result_throws() => V.FixAsync(
        """
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async Task SubmitAsync(KBuffer buffer, Task completion)
            {
                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                _ring.Post({|#0:addr.Value|}, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using System;
        using System.Threading.Tasks;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public async Task SubmitAsync(KBuffer buffer, Task completion)
            {
                var addr = _dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                _ring.Post(addr.Value, 64);
                await completion;
                _dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0));

    [Fact]
    public Task No_fix_when_the_check_exists_but_its_failure_is_ignored() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = {|#1:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    ring.Post({|#0:addr.Value|}, 64);
                }
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0),
        V.Diagnostic("DMA002").WithLocation(1));

    [Fact]
    public Task A_driver_helper_named_MappingError_is_not_taken_for_the_check() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        static class Trace
        {
            public static bool MappingError(DmaAddr addr) => addr.Value == ulong.MaxValue;
        }

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                Trace.MappingError({|#1:addr|});
                ring.Post({|#0:addr.Value|}, 64);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        static class Trace
        {
            public static bool MappingError(DmaAddr addr) => addr.Value == ulong.MaxValue;
        }

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                Trace.MappingError(addr);
                ring.Post(addr.Value, 64);
            }
        }
        """,
        V.Diagnostic("DMA003").WithLocation(0),
        V.Diagnostic("DMA003").WithLocation(1));

    [Fact]
    public Task The_failure_path_also_releases_what_the_methods_own_later_failure_path_releases() => V.FixAsync(
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int ENOMEM = 12;
            private const int ENOSPC = 28;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Stack<int> _slots = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer header, KBuffer data)
            {
                if (!_slots.TryPop(out int slot))
                {
                    return -ENOSPC;
                }

                var cmd = _dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(cmd))
                {
                    _slots.Push(slot);
                    return -ENOMEM;
                }

                var payload = _dma.MapSingle(data, 0, 512, DmaDirection.FromDevice);
                _ring.Post(cmd.Value, 16);
                _ring.PostWritable({|#0:payload.Value|}, 512);
                if (!_ring.Completed(slot))
                {
                    _dma.UnmapSingle(payload, 512, DmaDirection.FromDevice);
                    _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                    _slots.Push(slot);
                    return -ENOSPC;
                }

                _dma.UnmapSingle(payload, 512, DmaDirection.FromDevice);
                _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                _slots.Push(slot);
                return 0;
            }
        }
        """,
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int ENOMEM = 12;
            private const int ENOSPC = 28;
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Stack<int> _slots = new();

            public Driver(DmaApi dma) => _dma = dma;

            public int Submit(KBuffer header, KBuffer data)
            {
                if (!_slots.TryPop(out int slot))
                {
                    return -ENOSPC;
                }

                var cmd = _dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(cmd))
                {
                    _slots.Push(slot);
                    return -ENOMEM;
                }

                var payload = _dma.MapSingle(data, 0, 512, DmaDirection.FromDevice);
                if (_dma.MappingError(payload))
                {
                    _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                    _slots.Push(slot);
                    return -ENOMEM;
                }

                _ring.Post(cmd.Value, 16);
                _ring.PostWritable(payload.Value, 512);
                if (!_ring.Completed(slot))
                {
                    _dma.UnmapSingle(payload, 512, DmaDirection.FromDevice);
                    _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                    _slots.Push(slot);
                    return -ENOSPC;
                }

                _dma.UnmapSingle(payload, 512, DmaDirection.FromDevice);
                _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                _slots.Push(slot);
                return 0;
            }
        }
        """,
        new[] { V.Diagnostic("DMA003").WithLocation(0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Check the mapping with MappingError (on failure, also release what the failure path at line 31 releases)");

    [Fact]
    public Task With_no_failure_path_to_learn_from_the_title_says_what_else_is_not_released() => V.FixAsync(
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Stack<int> _slots = new();
            private readonly DmaAddr[] _inflight = new DmaAddr[8];

            public Driver(DmaApi dma) => _dma = dma;

            public bool Submit(KBuffer data)
            {
                int slot = _slots.Pop();
                var payload = _dma.MapSingle(data, 0, 512, DmaDirection.ToDevice);
                _ring.Post({|#0:payload.Value|}, 512);
                _inflight[slot] = payload;
                return true;
            }
        }
        """,
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();
            private readonly Stack<int> _slots = new();
            private readonly DmaAddr[] _inflight = new DmaAddr[8];

            public Driver(DmaApi dma) => _dma = dma;

            public bool Submit(KBuffer data)
            {
                int slot = _slots.Pop();
                var payload = _dma.MapSingle(data, 0, 512, DmaDirection.ToDevice);
                if (_dma.MappingError(payload))
                {
                    return false;
                }

                _ring.Post(payload.Value, 512);
                _inflight[slot] = payload;
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA003").WithLocation(0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Check the mapping with MappingError (on failure, anything else the method took before the map is not released)");

    [Fact]
    public Task A_mapping_made_in_a_block_around_the_map_is_unmapped_on_its_failure_path() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly Ring _ring = new();

            public Driver(DmaApi dma) => _dma = dma;

            public bool Submit(KBuffer header, KBuffer data, bool withData)
            {
                var cmd = _dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(cmd))
                {
                    return false;
                }

                _ring.Post(cmd.Value, 16);
                if (withData)
                {
                    var payload = _dma.MapSingle(data, 0, 512, DmaDirection.ToDevice);
                    _ring.Post({|#0:payload.Value|}, 512);
                }

                return true;
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

            public bool Submit(KBuffer header, KBuffer data, bool withData)
            {
                var cmd = _dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                if (_dma.MappingError(cmd))
                {
                    return false;
                }

                _ring.Post(cmd.Value, 16);
                if (withData)
                {
                    var payload = _dma.MapSingle(data, 0, 512, DmaDirection.ToDevice);
                    if (_dma.MappingError(payload))
                    {
                        _dma.UnmapSingle(cmd, 16, DmaDirection.ToDevice);
                        return false;
                    }

                    _ring.Post(payload.Value, 512);
                }

                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA003").WithLocation(0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Check the mapping with MappingError");
}
