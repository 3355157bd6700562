using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MismatchedUnmapOrSyncFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA004 → the unmap/sync takes the map's length and direction.</summary>
public sealed class MismatchedUnmapOrSyncFixerTests
{
    [Fact]
    public Task Unmap_takes_the_maps_direction_and_length() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int HeaderLength = 16;

            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, HeaderLength, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                ring.Post(addr.Value, HeaderLength);
                dma.UnmapSingle(addr, {|#0:32|}, {|#1:DmaDirection.FromDevice|});
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private const int HeaderLength = 16;

            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, HeaderLength, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                ring.Post(addr.Value, HeaderLength);
                dma.UnmapSingle(addr, HeaderLength, DmaDirection.ToDevice);
            }
        }
        """,
        new[] { V.Diagnostic("DMA004").WithLocation(0), V.Diagnostic("DMA004").WithLocation(1) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        iterations: 2);

    [Fact]
    public Task Sync_longer_than_the_mapping_is_cut_to_its_length_by_a_local() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Receive(DmaApi dma, Ring ring, KBuffer buffer)
            {
                int length = 512;
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, length);
                dma.SyncForCpu(addr, {|#0:1024|}, DmaDirection.FromDevice);
                int first = buffer.Span[0];
                dma.UnmapSingle(addr, length, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Receive(DmaApi dma, Ring ring, KBuffer buffer)
            {
                int length = 512;
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, length);
                dma.SyncForCpu(addr, length, DmaDirection.FromDevice);
                int first = buffer.Span[0];
                dma.UnmapSingle(addr, length, DmaDirection.FromDevice);
                return first;
            }
        }
        """,
        V.Diagnostic("DMA004").WithLocation(0));

    [Fact]
    public Task A_length_variable_reassigned_since_the_map_is_kept_in_a_local_that_the_unmap_passes() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                int length = 64;
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                ring.Post(addr.Value, length);
                length = 32;
                dma.UnmapSingle(addr, {|#0:32|}, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                int length = 64;
                int addrLength = length;
                var addr = dma.MapSingle(buffer, 0, addrLength, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                ring.Post(addr.Value, length);
                length = 32;
                dma.UnmapSingle(addr, addrLength, DmaDirection.ToDevice);
            }
        }
        """,
        new[] { V.Diagnostic("DMA004").WithLocation(0) },
        Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Use the map's length (length, kept in 'addrLength')");
}
