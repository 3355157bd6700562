using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using Dma001 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;
using Dma002 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.MappingNotReleasedFixer>;
using Dma005 = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.CpuAccessWhileDeviceOwnedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Editing;

/// <summary>
/// A fix writes new lines with the document's own end-of-line: a CRLF file stays CRLF (the expected
/// texts below are CRLF throughout, so one stray LF fails the comparison).
/// </summary>
public sealed class LineEndingTests
{
    [Fact]
    public Task A_mapping_kept_beside_the_request_token_is_written_with_CRLF() => Dma001.FixAsync(
        Crlf("""
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly object?[] _tokens = new object?[16];

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Add(int slot, KBuffer buffer, int length, object token)
            {
                _ring.WriteDesc(slot, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                _tokens[slot] = token;
                return true;
            }

            public void Complete(int slot) => Release(slot);

            private void Release(int slot)
            {
                _tokens[slot] = null;
            }
        }
        """),
        Crlf("""
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly object?[] _tokens = new object?[16];
            private readonly List<(DmaAddr Address, int Length, DmaDirection Direction)>?[] _tokensMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>?[16];

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Add(int slot, KBuffer buffer, int length, object token)
            {
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, length, dmaDirection));
                _ring.WriteDesc(slot, dmaAddress.Value, length, DescFlags.None);
                _tokens[slot] = token;
                _tokensMappings[slot] = dmaMappings;
                return true;
            }

            public void Complete(int slot) => Release(slot);

            private void Release(int slot)
            {
                if (_tokensMappings[slot] is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _tokensMappings[slot] = null;
                }

                _tokens[slot] = null;
            }
        }
        """),
        Dma001.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_try_finally_release_is_written_with_CRLF() => Dma002.FixAsync(
        Crlf("""
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
                ring.Completed(0);
            }
        }
        """),
        Crlf("""
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

                try
                {
                    dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                    ring.Completed(0);
                }
                finally
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
                }
            }
        }
        """),
        new[] { Dma002.Diagnostic("DMA002").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        MappingNotReleasedFixer.TryFinallyKey);

    [Fact]
    public Task Syncs_inserted_in_an_if_body_are_written_with_CRLF() => Dma005.FixAsync(
        Crlf("""
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Post(DmaApi dma, Ring ring, KBuffer buffer, bool peek)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                int first = 0;
                if (peek)
                    first = {|#0:buffer.Span|}[0];
                _rx = addr;
                return first;
            }
        }
        """),
        Crlf("""
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Post(DmaApi dma, Ring ring, KBuffer buffer, bool peek)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                int first = 0;
                if (peek)
                {
                    dma.SyncForCpu(addr, 256, DmaDirection.FromDevice);
                    first = buffer.Span[0];
                    dma.SyncForDevice(addr, 256, DmaDirection.FromDevice);
                }

                _rx = addr;
                return first;
            }
        }
        """),
        Dma005.Diagnostic("DMA005").WithLocation(0));

    private static string Crlf(string text) => text.ReplaceLineEndings("\r\n");
}
