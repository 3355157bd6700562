using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA001 on a loop posting a list of buffers → one scatter-gather map where the rewrite is clear, else a map per buffer.</summary>
public sealed class RawPhysicalAddressFixerScatterGatherTests
{
    [Fact]
    public Task A_list_posted_as_consecutive_descriptors_is_mapped_with_MapSg_over_the_mapped_count() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly Device _device;

            public Reader(Device device) => _device = device;

            public int ReadAll(Ring ring, KBuffer[] pages, byte[] into)
            {
                for (int i = 0; i < pages.Length; i++)
                {
                    ring.WriteDesc(i, {|#0:pages[i].PhysicalAddress.Value|}, pages[i].Length, i + 1 < pages.Length ? DescFlags.Write | DescFlags.Next : DescFlags.Write);
                }

                while (!ring.Completed(0))
                {
                }

                pages[0].Span.CopyTo(into);
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly Device _device;

            public Reader(Device device) => _device = device;

            public int ReadAll(Ring ring, KBuffer[] pages, byte[] into)
            {
                var dmaList = new ScatterList(pages.Length);
                for (int i = 0; i < pages.Length; i++)
                {
                    dmaList.Add(pages[i], 0, pages[i].Length);
                }

                DmaDirection dmaDirection = DmaDirection.FromDevice;
                int dmaCount = _device.Dma.MapSg(dmaList, dmaDirection);
                if (dmaCount == 0)
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                for (int i = 0; i < dmaCount; i++)
                {
                    ring.WriteDesc(i, dmaList.DmaAddress(i).Value, dmaList.DmaLength(i), i + 1 < dmaCount ? DescFlags.Write | DescFlags.Next : DescFlags.Write);
                }

                while (!ring.Completed(0))
                {
                }

                _device.Dma.UnmapSg(dmaList, dmaDirection);
                pages[0].Span.CopyTo(into);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_later_loop_over_the_buffers_themselves_does_not_count_descriptors() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly Device _device;

            public Reader(Device device) => _device = device;

            public bool ReadAll(Ring ring, KBuffer[] pages, byte[] into)
            {
                for (int i = 0; i < pages.Length; i++)
                {
                    ring.WriteDesc(i, {|#0:pages[i].PhysicalAddress.Value|}, pages[i].Length, DescFlags.Write);
                }

                bool done = ring.Completed(0);
                for (int k = 0; k < pages.Length; k++)
                {
                    pages[k].Span.CopyTo(into.AsSpan(k * 512));
                }

                return done;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly Device _device;

            public Reader(Device device) => _device = device;

            public bool ReadAll(Ring ring, KBuffer[] pages, byte[] into)
            {
                var dmaList = new ScatterList(pages.Length);
                for (int i = 0; i < pages.Length; i++)
                {
                    dmaList.Add(pages[i], 0, pages[i].Length);
                }

                DmaDirection dmaDirection = DmaDirection.FromDevice;
                int dmaCount = _device.Dma.MapSg(dmaList, dmaDirection);
                if (dmaCount == 0)
                {
                    return false;
                }

                for (int i = 0; i < dmaCount; i++)
                {
                    ring.WriteDesc(i, dmaList.DmaAddress(i).Value, dmaList.DmaLength(i), DescFlags.Write);
                }

                bool done = ring.Completed(0);
                _device.Dma.UnmapSg(dmaList, dmaDirection);
                for (int k = 0; k < pages.Length; k++)
                {
                    pages[k].Span.CopyTo(into.AsSpan(k * 512));
                }

                return done;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_list_whose_length_also_counts_descriptors_after_the_loop_is_mapped_buffer_by_buffer() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Writer
        {
            private readonly Device _device;

            public Writer(Device device) => _device = device;

            public int Used { get; private set; }

            public bool Post(Ring ring, KBuffer[] pages)
            {
                for (int i = 0; i < pages.Length; i++)
                {
                    ring.WriteDesc(i, {|#0:pages[i].PhysicalAddress.Value|}, pages[i].Length, DescFlags.None);
                }

                Used += pages.Length;
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Writer
        {
            private readonly Device _device;

            public Writer(Device device) => _device = device;

            public int Used { get; private set; }

            public bool Post(Ring ring, KBuffer[] pages)
            {
                for (int i = 0; i < pages.Length; i++)
                {
                    DmaDirection dmaDirection = DmaDirection.ToDevice;
                    DmaAddr dmaAddress = _device.Dma.MapSingle(pages[i], 0, pages[i].Length, dmaDirection);
                    if (_device.Dma.MappingError(dmaAddress))
                    {
                        return false;
                    }

                    ring.WriteDesc(i, dmaAddress.Value, pages[i].Length, DescFlags.None);
                }

                Used += pages.Length;
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        codeActionEquivalenceKey: null,
        title: "Map through the DMA API (ToDevice: the device only reads it) and check it (unmap not arranged: unmap it on completion)");
}
