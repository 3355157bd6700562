using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA001 → ring memory becomes coherent; per-request buffers are mapped, checked and unmapped where the request completes.</summary>
public sealed class RawPhysicalAddressFixerTests
{
    [Fact]
    public Task Ring_memory_becomes_a_coherent_buffer() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly PhysicalMemory _memory;
            private readonly Device _device;
            private readonly KBuffer _ring;

            public Queue(PhysicalMemory memory, Device device, Ring ring)
            {
                _memory = memory;
                _device = device;
                _ring = memory.Allocate(4096);
                _ring.Span.Clear();
                ring.Post({|#0:memory.VirtToPhys(_ring).Value|}, 4096);
                ring.Post({|#1:memory.VirtToPhys(_ring, 2048).Value|}, 2048);
            }

            public void Dispose()
            {
                if (!_ring.IsFreed)
                {
                    _memory.Free(_ring);
                }
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly CoherentBuffer _ring;

            public Queue(PhysicalMemory memory, Device device, Ring ring)
            {
                _device = device;
                _ring = device.Dma.AllocCoherent(4096);
                _ring.Span.Clear();
                ring.Post(_ring.DmaAddress.Value, 4096);
                ring.Post(_ring.DmaAddress.Value + (ulong)2048, 2048);
            }

            public void Dispose()
            {
                if (!_ring.IsFreed)
                {
                    _device.Dma.FreeCoherent(_ring);
                }
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0),
        V.Diagnostic("DMA001").WithLocation(1));

    [Fact]
    public Task Request_buffer_is_mapped_checked_and_unmapped_where_its_token_is_released() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly object?[] _tokens;

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
                _tokens = new object?[16];
            }

            public bool Add(int slot, KBuffer buffer, int offset, int length, bool deviceWrites, object token)
            {
                DescFlags flags = deviceWrites ? DescFlags.Write : DescFlags.None;
                _ring.WriteDesc(slot, {|#0:buffer.PhysicalAddress.Value + (ulong)offset|}, length, flags);
                _tokens[slot] = token;
                return true;
            }

            public object? Complete(int slot)
            {
                object? token = _tokens[slot];
                _tokens[slot] = null;
                return token;
            }
        }
        """,
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly object?[] _tokens;
            private readonly List<(DmaAddr Address, int Length, DmaDirection Direction)>?[] _tokensMappings;

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
                _tokens = new object?[16];
                _tokensMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>?[16];
            }

            public bool Add(int slot, KBuffer buffer, int offset, int length, bool deviceWrites, object token)
            {
                DescFlags flags = deviceWrites ? DescFlags.Write : DescFlags.None;
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = deviceWrites ? DmaDirection.FromDevice : DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, offset, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, length, dmaDirection));
                _ring.WriteDesc(slot, dmaAddress.Value, length, flags);
                _tokens[slot] = token;
                _tokensMappings[slot] = dmaMappings;
                return true;
            }

            public object? Complete(int slot)
            {
                object? token = _tokens[slot];
                if (_tokensMappings[slot] is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _tokensMappings[slot] = null;
                }

                _tokens[slot] = null;
                return token;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task Without_request_bookkeeping_it_maps_and_checks_only() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public int Send(Ring ring, KBuffer buffer, int length)
            {
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public int Send(Ring ring, KBuffer buffer, int length)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, length, DescFlags.None);
                return 0;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        // The analyzer counts handing the address to a device sink as a transfer, so DMA002 stays silent here:
        // the title is the only place that says the unmap is missing, and it says so.
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"),
        title: "Map through the DMA API (ToDevice: the device only reads it) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task The_drivers_own_DmaApi_field_is_used_before_its_devices() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;
            private readonly DmaApi _dma;

            public Sender(Device device)
            {
                _device = device;
                _dma = device.Dma;
            }

            public int Send(Ring ring, KBuffer buffer, int length)
            {
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;
            private readonly DmaApi _dma;

            public Sender(Device device)
            {
                _device = device;
                _dma = device.Dma;
            }

            public int Send(Ring ring, KBuffer buffer, int length)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, length, DescFlags.None);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task Request_completing_in_the_method_is_unmapped_before_the_cpu_reads_the_result() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Reader
        {
            private readonly Device _device;

            public Reader(Device device) => _device = device;

            public int ReadStatus(Ring ring, KBuffer status)
            {
                ring.WriteDesc(0, {|#0:status.PhysicalAddress.Value|}, 1, DescFlags.Write);
                while (!ring.Completed(0))
                {
                }

                return status.Span[0];
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

            public int ReadStatus(Ring ring, KBuffer status)
            {
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(status, 0, 1, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, 1, DescFlags.Write);
                while (!ring.Completed(0))
                {
                }

                _device.Dma.UnmapSingle(dmaAddress, 1, dmaDirection);
                return status.Span[0];
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task Device_writable_buffer_the_cpu_filled_first_is_mapped_bidirectional() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Commands
        {
            private readonly Device _device;

            public Commands(Device device) => _device = device;

            public int Exchange(Ring ring, KBuffer command, byte opcode)
            {
                command.Span.Clear();
                command.Span[0] = opcode;
                ring.WriteDesc(0, {|#0:command.PhysicalAddress.Value|}, command.Length, DescFlags.Write);
                while (!ring.Completed(0))
                {
                }

                return command.Span[1];
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Commands
        {
            private readonly Device _device;

            public Commands(Device device) => _device = device;

            public int Exchange(Ring ring, KBuffer command, byte opcode)
            {
                command.Span.Clear();
                command.Span[0] = opcode;
                DmaDirection dmaDirection = DmaDirection.Bidirectional;
                DmaAddr dmaAddress = _device.Dma.MapSingle(command, 0, command.Length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, command.Length, DescFlags.Write);
                while (!ring.Completed(0))
                {
                }

                _device.Dma.UnmapSingle(dmaAddress, command.Length, dmaDirection);
                return command.Span[1];
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_conditional_write_flag_over_a_filled_buffer_is_bidirectional_under_the_same_condition() => V.FixAsync(
        """
        using System.Buffers.Binary;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public bool Post(Ring ring, KBuffer buffer, uint tag, bool deviceWrites)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.Span[4..], tag);
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, buffer.Length, deviceWrites ? DescFlags.Write : DescFlags.None);
                return true;
            }
        }
        """,
        """
        using System.Buffers.Binary;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public bool Post(Ring ring, KBuffer buffer, uint tag, bool deviceWrites)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.Span[4..], tag);
                DmaDirection dmaDirection = deviceWrites ? DmaDirection.Bidirectional : DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                ring.WriteDesc(0, dmaAddress.Value, buffer.Length, deviceWrites ? DescFlags.Write : DescFlags.None);
                return true;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"));

    [Fact]
    public Task A_device_writable_buffer_the_cpu_only_reads_first_stays_from_device() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Receiver
        {
            private readonly Device _device;

            public Receiver(Device device) => _device = device;

            public int Post(Ring ring, KBuffer buffer)
            {
                int stale = buffer.Span[0];
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, buffer.Length, DescFlags.Write);
                return stale;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Receiver
        {
            private readonly Device _device;

            public Receiver(Device device) => _device = device;

            public int Post(Ring ring, KBuffer buffer)
            {
                int stale = buffer.Span[0];
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, buffer.Length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, buffer.Length, DescFlags.Write);
                return stale;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"));

    [Fact]
    public Task A_status_byte_beside_a_header_the_cpu_filled_stays_from_device() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Block
        {
            private readonly Device _device;

            public Block(Device device) => _device = device;

            public int PostStatus(Ring ring, KBuffer request)
            {
                request.Span[..16].Clear();
                ring.WriteDesc(1, {|#0:request.PhysicalAddress.Value + (ulong)16|}, 1, DescFlags.Write);
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Block
        {
            private readonly Device _device;

            public Block(Device device) => _device = device;

            public int PostStatus(Ring ring, KBuffer request)
            {
                request.Span[..16].Clear();
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(request, 16, 1, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(1, dmaAddress.Value, 1, DescFlags.Write);
                return 0;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"));

    [Fact]
    public Task A_filled_buffer_on_a_device_readable_descriptor_stays_to_device() => V.FixAsync(
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public int Send(Ring ring, KBuffer buffer, byte[] frame)
            {
                frame.CopyTo(buffer.Span);
                ring.WriteDesc(0, {|#0:buffer.PhysicalAddress.Value|}, frame.Length, DescFlags.None);
                return 0;
            }
        }
        """,
        """
        using System;
        using DmaDiscipline.Runtime;

        sealed class Sender
        {
            private readonly Device _device;

            public Sender(Device device) => _device = device;

            public int Send(Ring ring, KBuffer buffer, byte[] frame)
            {
                frame.CopyTo(buffer.Span);
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, frame.Length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                ring.WriteDesc(0, dmaAddress.Value, frame.Length, DescFlags.None);
                return 0;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"));

    [Fact]
    public Task No_fix_when_the_ring_buffer_is_also_used_as_a_plain_buffer() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly KBuffer _ring;

            public Queue(PhysicalMemory memory, Device device, Ring ring)
            {
                _ring = memory.Allocate(4096);
                ring.Post({|#0:_ring.PhysicalAddress.Value|}, 4096);
                Consume(_ring);
            }

            private static void Consume(KBuffer buffer) { }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));
    [Fact]
    // The address came in as a parameter the platform gives: no buffer here to map, so nothing to rewrite.
    public Task No_fix_for_an_address_a_handler_is_given() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Handler
        {
            public void OnFrame(Ring ring, [PhysicalAddressSource] ulong pa)
            {
                ring.Post({|#0:pa|}, 4096);
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));
}
