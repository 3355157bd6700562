using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis.Testing;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA001 where the method already mapped the buffer: the fix uses that mapping, never a second one.</summary>
public sealed class RawPhysicalAddressFixerMappingInScopeTests
{
    [Fact]
    public Task A_mapping_in_the_other_arm_of_the_branch_is_not_in_scope_so_the_site_gets_its_own() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private readonly DmaApi _dma;
            private readonly bool _behindIommu;

            public Driver(DmaApi dma, bool behindIommu)
            {
                _dma = dma;
                _behindIommu = behindIommu;
            }

            public bool Queue(Ring ring, KBuffer buf, int len)
            {
                if (_behindIommu)
                {
                    var a = _dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                    if (_dma.MappingError(a))
                    {
                        return false;
                    }

                    ring.Post(a.Value, len);
                }
                else
                {
                    ring.Post({|#0:buf.PhysicalAddress.Value|}, len);
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
            private readonly bool _behindIommu;

            public Driver(DmaApi dma, bool behindIommu)
            {
                _dma = dma;
                _behindIommu = behindIommu;
            }

            public bool Queue(Ring ring, KBuffer buf, int len)
            {
                if (_behindIommu)
                {
                    var a = _dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                    if (_dma.MappingError(a))
                    {
                        return false;
                    }

                    ring.Post(a.Value, len);
                }
                else
                {
                    DmaDirection dmaDirection = DmaDirection.ToDevice;
                    DmaAddr dmaAddress = _dma.MapSingle(buf, 0, len, dmaDirection);
                    if (_dma.MappingError(dmaAddress))
                    {
                        return false;
                    }

                    ring.Post(dmaAddress.Value, len);
                }

                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task The_address_comes_from_the_mapping_the_method_holds_through_the_same_DmaApi() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly DmaApi _dma;
            private readonly DmaApi _other;

            public Sender(DmaApi dma, DmaApi other)
            {
                _dma = dma;
                _other = other;
            }

            public bool Send(Ring ring, KBuffer buffer, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post({|#0:buffer.PhysicalAddress.Value|}, length);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(a, length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly DmaApi _dma;
            private readonly DmaApi _other;

            public Sender(DmaApi dma, DmaApi other)
            {
                _dma = dma;
                _other = other;
            }

            public bool Send(Ring ring, KBuffer buffer, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post(a.Value, length);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(a, length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaFixer.PreferredKey("DMA001"),
        title: "Use the mapping 'a' the method already holds (ToDevice; unmapped where the method unmaps it)");

    [Fact]
    public Task A_call_named_like_an_unmap_that_is_not_one_does_not_count_as_the_unmap() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Journal
        {
            public void UnmapSingle(DmaAddr address) { }
        }

        sealed class Sender
        {
            private readonly DmaApi _dma;
            private readonly Journal _journal = new();

            public Sender(DmaApi dma)
            {
                _dma = dma;
            }

            public bool Send(Ring ring, KBuffer buffer, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post({|#0:buffer.PhysicalAddress.Value|}, length);
                _journal.UnmapSingle(a);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Journal
        {
            public void UnmapSingle(DmaAddr address) { }
        }

        sealed class Sender
        {
            private readonly DmaApi _dma;
            private readonly Journal _journal = new();

            public Sender(DmaApi dma)
            {
                _dma = dma;
            }

            public bool Send(Ring ring, KBuffer buffer, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post(a.Value, length);
                _journal.UnmapSingle(a);
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaFixer.PreferredKey("DMA001"),
        title: "Use the mapping 'a' the method already holds (ToDevice; unmap not arranged in this method)");

    [Fact]
    public Task An_offset_into_a_mapping_of_the_whole_buffer_is_kept_on_the_bus_address() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Ring ring, KBuffer buffer, int offset, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post({|#0:buffer.PhysicalAddress.Value + (ulong)offset|}, length);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(a, buffer.Length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Ring ring, KBuffer buffer, int offset, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post(a.Value + (ulong)offset, length);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(a, buffer.Length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_mapping_at_another_offset_is_not_reused_and_the_buffer_is_not_mapped_again() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly DmaApi _dma;

            public Sender(DmaApi dma) => _dma = dma;

            public bool Send(Ring ring, KBuffer buffer, int length)
            {
                DmaAddr a = _dma.MapSingle(buffer, 64, length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                {
                    return false;
                }

                ring.Post({|#0:buffer.PhysicalAddress.Value|}, length);
                while (!ring.Completed(0))
                {
                }

                _dma.UnmapSingle(a, length, DmaDirection.ToDevice);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));
}
