using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA001's direction comes from what the device does with the buffer — the descriptor's WRITE bit, the sink's declaration — never from a name.</summary>
public sealed class RawPhysicalAddressFixerDirectionTests
{
    /// <summary>A posting helper whose <c>bool</c> parameter chooses the split descriptor's WRITE bit.</summary>
    private const string Poster = """
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        sealed class Poster
        {
            private VirtqDesc _desc;

            public void Post([BusAddress] ulong addr, int len, bool deviceWrites) =>
                _desc = new VirtqDesc(addr, (uint)len, deviceWrites ? VirtqDescFlags.Write : VirtqDescFlags.None, 0);

            public void PostIgnoringIt([BusAddress] ulong addr, int len, bool deviceWrites) =>
                _desc = new VirtqDesc(addr, (uint)len, VirtqDescFlags.None, 0);

            public void PostPacked([BusAddress] ulong addr, int len, ushort id, VirtqDescFlags flags) =>
                _desc = default;
        }

        """;

    [Fact]
    public Task A_bool_argument_that_the_callee_turns_into_WRITE_over_a_filled_buffer_maps_bidirectional() => V.FixAsync(
        Poster + """
        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Exchange(Poster poster, KBuffer buffer)
            {
                buffer.Span.Fill(0x5a);
                poster.Post({|#0:buffer.PhysicalAddress.Value|}, buffer.Length, deviceWrites: true);
                return true;
            }
        }
        """,
        Poster + """
        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Exchange(Poster poster, KBuffer buffer)
            {
                buffer.Span.Fill(0x5a);
                DmaDirection dmaDirection = DmaDirection.Bidirectional;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                poster.Post(dmaAddress.Value, buffer.Length, deviceWrites: true);
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaFixer.PreferredKey("DMA001"),
        title: "Map through the DMA API (Bidirectional: the device writes a buffer the CPU filled) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task A_parameter_named_deviceWrites_that_never_reaches_WRITE_does_not_count() => V.FixAsync(
        Poster + """
        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Poster poster, KBuffer buffer)
            {
                poster.PostIgnoringIt({|#0:buffer.PhysicalAddress.Value|}, buffer.Length, deviceWrites: true);
                return true;
            }
        }
        """,
        Poster + """
        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Poster poster, KBuffer buffer)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                poster.PostIgnoringIt(dmaAddress.Value, buffer.Length, deviceWrites: true);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task The_layouts_flags_beside_the_address_decide_for_packed_descriptors_too() => V.FixAsync(
        Poster + """
        sealed class Receiver
        {
            private readonly DmaApi _dma;

            public Receiver(DmaApi dma) => _dma = dma;

            public bool Refill(Poster poster, KBuffer buffer, bool wrap)
            {
                poster.PostPacked({|#0:buffer.PhysicalAddress.Value|}, buffer.Length, 0, VirtqDescFlags.Write | PvirtqDesc.AvailFlags(wrap));
                return true;
            }
        }
        """,
        Poster + """
        sealed class Receiver
        {
            private readonly DmaApi _dma;

            public Receiver(DmaApi dma) => _dma = dma;

            public bool Refill(Poster poster, KBuffer buffer, bool wrap)
            {
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                poster.PostPacked(dmaAddress.Value, buffer.Length, 0, VirtqDescFlags.Write | PvirtqDesc.AvailFlags(wrap));
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    private const string Unknown = """
        using DmaDiscipline.Runtime;

        sealed class Doorbell
        {
            public void Ring([BusAddress] ulong address) { }
        }

        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Doorbell doorbell, KBuffer buffer)
            {
                doorbell.Ring({|#0:buffer.PhysicalAddress.Value|});
                return true;
            }
        }
        """;

    private static string UnknownFixed(string direction) => $$"""
        using DmaDiscipline.Runtime;

        sealed class Doorbell
        {
            public void Ring([BusAddress] ulong address) { }
        }

        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Doorbell doorbell, KBuffer buffer)
            {
                DmaDirection dmaDirection = DmaDirection.{{direction}};
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                doorbell.Ring(dmaAddress.Value);
                return true;
            }
        }
        """;

    [Fact]
    public Task With_nothing_to_tell_the_preferred_fix_is_bidirectional_and_says_why() => V.FixAsync(
        Unknown, UnknownFixed("Bidirectional"),
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaFixer.PreferredKey("DMA001"),
        title: "Map through the DMA API (Bidirectional: nothing shows which way the device uses it) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task With_nothing_to_tell_ToDevice_is_an_alternative_named_as_such() => V.FixAsync(
        Unknown, UnknownFixed("ToDevice"),
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        RawPhysicalAddressFixer.MapOnlyKey + "ToDevice",
        title: "Map through the DMA API (ToDevice, if the device only reads it) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task With_nothing_to_tell_FromDevice_is_an_alternative_named_as_such() => V.FixAsync(
        Unknown, UnknownFixed("FromDevice"),
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        RawPhysicalAddressFixer.MapOnlyKey + "FromDevice",
        title: "Map through the DMA API (FromDevice, if the device only writes it) and check it (unmap not arranged: unmap it on completion)");
}
