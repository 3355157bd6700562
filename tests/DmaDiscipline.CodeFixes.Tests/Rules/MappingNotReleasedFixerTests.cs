using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA002 → the mapping is released on the path that leaked it; Fix All covers every path.</summary>
public sealed class MappingNotReleasedFixerTests
{
    [Fact]
    public Task Early_return_unmaps_with_the_maps_length_and_direction() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Send(DmaApi dma, Ring ring, KBuffer buffer, int length)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                dma.SyncForDevice(addr, length, DmaDirection.ToDevice);
                if (!ring.Completed(0))
                {
                    return -5;
                }

                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return 0;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Send(DmaApi dma, Ring ring, KBuffer buffer, int length)
            {
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                dma.SyncForDevice(addr, length, DmaDirection.ToDevice);
                if (!ring.Completed(0))
                {
                    dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                    return -5;
                }

                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task Throw_from_an_if_body_gets_a_block_with_the_unmap() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    throw new InvalidOperationException("no mapping");
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                if (!ring.Completed(0))
                    throw new InvalidOperationException("device did not complete");
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    throw new InvalidOperationException("no mapping");
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                if (!ring.Completed(0))
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                    throw new InvalidOperationException("device did not complete");
                }

                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task Bare_return_and_the_end_of_the_method_are_both_released() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return;
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                if (!ring.Completed(1))
                {
                    return;
                }
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                if (!ring.Completed(1))
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                    return;
                }

                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task Coherent_buffer_is_freed_at_the_end_of_the_method() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Probe(DmaApi dma, Ring ring)
            {
                var ringMemory = {|#0:dma.AllocCoherent(4096)|};
                ringMemory.Span.Clear();
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Probe(DmaApi dma, Ring ring)
            {
                var ringMemory = dma.AllocCoherent(4096);
                ringMemory.Span.Clear();
                dma.FreeCoherent(ringMemory);
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task No_fix_for_the_earlier_passes_of_a_partial_unwind() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly KBuffer[] _bufs = new KBuffer[8];
            private readonly DmaAddr[] _addrs = new DmaAddr[8];

            public bool Refill(DmaApi dma, Ring ring, int n)
            {
                for (int i = 0; i < n; i++)
                {
                    var a = {|#0:dma.MapSingle(_bufs[i], 0, 64, DmaDirection.FromDevice)|};
                    if (dma.MappingError(a))
                    {
                        if (i > 0) dma.UnmapSingle(_addrs[i - 1], 64, DmaDirection.FromDevice);
                        return false;
                    }

                    _addrs[i] = a;
                    ring.Post(a, 64);
                }

                return true;
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0).WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations)
            .WithArguments("streaming mapping", "line 16 on a later pass of the loop"));

    [Fact]
    public Task No_fix_when_the_handle_is_not_kept() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, KBuffer buffer)
            {
                {|#0:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
            }
        }
        """,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task Try_finally_releases_on_every_path_at_once() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    throw new InvalidOperationException("no mapping");
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                if (!ring.Completed(0))
                    throw new InvalidOperationException("device did not complete");
                Console.WriteLine("sent");
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    throw new InvalidOperationException("no mapping");
                }

                try
                {
                    dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                    if (!ring.Completed(0))
                        throw new InvalidOperationException("device did not complete");
                    Console.WriteLine("sent");
                }
                finally
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                }
            }
        }
        """,
        new[] { V.Diagnostic("DMA002").WithLocation(0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey);

    [Fact]
    public Task A_synchronous_send_moves_its_own_unmap_into_finally_and_keeps_what_is_read_after_it() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return false;
                }

                if (large)
                {
                    return false;
                }

                _ring.Post(addr.Value, length);
                bool done = _ring.Completed(0);
                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return done;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return false;
                }

                bool done;
                try
                {
                    if (large)
                    {
                        return false;
                    }

                    _ring.Post(addr.Value, length);
                    done = _ring.Completed(0);
                }
                finally
                {
                    dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                }

                return done;
            }
        }
        """,
        new[] { V.Diagnostic("DMA002").WithLocation(0).WithArguments("streaming mapping", "line 17") },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        title: "Unmap in a finally block instead of at line 22");

    [Fact]
    public Task No_finally_when_the_handle_outlives_the_method() => V.NotOfferedAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();
            private DmaAddr _inFlight;

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return false;
                }

                if (large)
                {
                    return false;
                }

                _inFlight = addr;
                _ring.Post(addr.Value, length);
                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        V.Diagnostic("DMA002").WithLocation(0));

    [Fact]
    public Task No_finally_when_a_local_function_declared_before_the_unmap_is_called_after_it() => V.NotOfferedAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return false;
                }

                if (large)
                {
                    return false;
                }

                bool Wait() => _ring.Completed(0);
                _ring.Post(addr.Value, length);
                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return Wait();
            }
        }
        """,
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        V.Diagnostic("DMA002").WithLocation(0));

    private const string SendThroughDescriptors = """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = {|#0:dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice)|};
                if (dma.MappingError(addr))
                {
                    return false;
                }

                if (large)
                {
                    return false;
                }

                DESCRIPTORS
                bool done = Transmit(d);
                dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                return done;
            }

            TRANSMIT
        }
        """;

    [Fact]
    // A span of descriptors holding the address read from the handle: the callee cannot keep the span, only give the address to the device.
    public Task A_descriptor_span_passed_to_a_synchronous_transmit_keeps_the_finally() => V.FixAsync(
        SendThroughDescriptors.Replace("DESCRIPTORS", SpanOfAddresses, StringComparison.Ordinal).Replace("TRANSMIT", TransmitSpan, StringComparison.Ordinal),
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly Ring _ring = new Ring();

            public bool Send(DmaApi dma, KBuffer buffer, int length, bool large)
            {
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return false;
                }

                bool done;
                try
                {
                    if (large)
                    {
                        return false;
                    }

                    Span<ulong> d = stackalloc ulong[1];
                    d[0] = addr.Value;
                    done = Transmit(d);
                }
                finally
                {
                    dma.UnmapSingle(addr, length, DmaDirection.ToDevice);
                }

                return done;
            }

            private bool Transmit(Span<ulong> d) { _ring.Post(d[0], 64); return _ring.Completed(0); }
        }
        """,
        new[] { V.Diagnostic("DMA002").WithLocation(0).WithArguments("streaming mapping", "line 18") },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        title: "Unmap in a finally block instead of at line 24");

    private const string SpanOfAddresses = "Span<ulong> d = stackalloc ulong[1];\n        d[0] = addr.Value;";
    private const string TransmitSpan = "private bool Transmit(Span<ulong> d) { _ring.Post(d[0], 64); return _ring.Completed(0); }";

    [Theory]
    // An array passed whole may be kept by the callee, with the address in it.
    [InlineData("var d = new ulong[1];\n        d[0] = addr.Value;", "private ulong[] _kept = Array.Empty<ulong>(); private bool Transmit(ulong[] d) { _kept = d; _ring.Post(d[0], 64); return _ring.Completed(0); }")]
    // A span holding the handle itself: the callee can copy the handle out, to unmap it later.
    [InlineData("Span<DmaAddr> d = stackalloc DmaAddr[1];\n        d[0] = addr;", "private DmaAddr _kept; private bool Transmit(Span<DmaAddr> d) { _kept = d[0]; _ring.Post(d[0], 64); return _ring.Completed(0); }")]
    public Task No_finally_when_a_container_holding_the_handle_is_handed_on_whole(string descriptors, string transmit) => V.NotOfferedAsync(
        SendThroughDescriptors.Replace("DESCRIPTORS", descriptors, StringComparison.Ordinal).Replace("TRANSMIT", transmit, StringComparison.Ordinal),
        DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer.TryFinallyKey,
        V.Diagnostic("DMA002").WithLocation(0));
}
