using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.ForgedBusAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA008 → a bus address rebuilt from the buffer's physical address becomes the mapping of that buffer.</summary>
public sealed class ForgedBusAddressFixerTests
{
    [Fact]
    public Task Sync_of_a_forged_address_uses_the_mapping_in_scope() => V.FixAsync(
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

                dma.SyncForDevice({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64, DmaDirection.ToDevice);
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
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
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    /// <remarks>
    /// <c>Ring.Post(DmaAddr)</c> gives <c>address.Value</c> to <c>Post(ulong)</c>, declared <c>DeviceReads</c>: the declaration
    /// decides (ToDevice), as it does for DMA001's <c>ring.Post(reply.PhysicalAddress.Value, 64)</c>. Until the blind round the
    /// wrapper's <c>.Value</c> was not seen through and the CPU's read after completion gave FromDevice instead.
    /// </remarks>
    [Fact]
    public Task An_address_given_to_the_device_with_no_mapping_in_scope_is_mapped_as_DMA001_maps_it() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public int Exchange(Ring ring, KBuffer reply)
            {
                ring.Post({|#0:new DmaAddr(reply.PhysicalAddress.Value)|}, 64);
                while (!ring.Completed(0))
                {
                }

                return reply.Span[0];
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;

            public Driver(DmaApi dma) => _dma = dma;

            public int Exchange(Ring ring, KBuffer reply)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(reply, 0, 64, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.Post(dmaAddress, 64);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(dmaAddress, 64, dmaDirection);
                return reply.Span[0];
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task Of_two_mappings_of_the_buffer_the_latest_is_used() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var first = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(first))
                {
                    return;
                }

                ring.Post(first, 64);
                dma.UnmapSingle(first, 64, DmaDirection.ToDevice);
                var again = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(again))
                {
                    return;
                }

                ring.Post({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64);
                dma.UnmapSingle(again, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var first = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(first))
                {
                    return;
                }

                ring.Post(first, 64);
                dma.UnmapSingle(first, 64, DmaDirection.ToDevice);
                var again = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(again))
                {
                    return;
                }

                ring.Post(again, 64);
                dma.UnmapSingle(again, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task Of_a_header_and_a_payload_mapping_of_one_buffer_the_one_at_the_forged_offset_is_used() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer, int len)
            {
                var header = dma.MapSingle(buffer, 0, 16, DmaDirection.ToDevice);
                if (dma.MappingError(header))
                {
                    return;
                }

                var payload = dma.MapSingle(buffer, 16, len, DmaDirection.ToDevice);
                if (dma.MappingError(payload))
                {
                    dma.UnmapSingle(header, 16, DmaDirection.ToDevice);
                    return;
                }

                ring.Post({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 16);
                ring.Post(payload, len);
                dma.UnmapSingle(payload, len, DmaDirection.ToDevice);
                dma.UnmapSingle(header, 16, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer, int len)
            {
                var header = dma.MapSingle(buffer, 0, 16, DmaDirection.ToDevice);
                if (dma.MappingError(header))
                {
                    return;
                }

                var payload = dma.MapSingle(buffer, 16, len, DmaDirection.ToDevice);
                if (dma.MappingError(payload))
                {
                    dma.UnmapSingle(header, 16, DmaDirection.ToDevice);
                    return;
                }

                ring.Post(header, 16);
                ring.Post(payload, len);
                dma.UnmapSingle(payload, len, DmaDirection.ToDevice);
                dma.UnmapSingle(header, 16, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task No_fix_when_the_buffer_is_mapped_but_its_handle_dropped() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                // A second mapping of the buffer is never offered (as for DMA001): which one was meant needs a human.
                {|#1:dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice)|};
                ring.Post({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0),
        V.Diagnostic("DMA002").WithLocation(1));

    [Fact]
    public Task No_fix_for_a_forged_address_given_to_unmap_with_no_mapping_in_scope() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Done(DmaApi dma, KBuffer buffer)
            {
                dma.UnmapSingle({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task No_fix_when_the_buffer_is_mapped_at_another_offset() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 16, 48, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                ring.Post({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64);
                dma.UnmapSingle(addr, 48, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task No_fix_for_an_address_forged_from_a_constant() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma)
            {
                dma.SyncForDevice({|#0:new DmaAddr(0x1000)|}, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));
}
