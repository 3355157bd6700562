using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>
/// DMA001 → the request's mappings are kept with the request state the driver already stores — a token
/// array (see <see cref="RawPhysicalAddressFixerTests"/>), a dictionary keyed by id, a member of
/// per-descriptor records — and unmapped where the driver lets go of the request; otherwise map-only.
/// </summary>
public sealed class RawPhysicalAddressFixerRequestStateTests
{
    [Fact]
    public Task A_dictionary_keyed_by_id_gets_a_parallel_dictionary_released_on_remove_and_dispose() => V.FixAsync(
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Dictionary<int, object> _inflight = new Dictionary<int, object>();

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public int Submit(int id, KBuffer buffer, int length, object request)
            {
                if (length <= 0)
                {
                    return -22;
                }

                _ring.WriteDesc(id, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.Write);
                _inflight.Add(id, request);
                return 0;
            }

            public object? Complete(int id)
            {
                if (_inflight.Remove(id, out var request))
                {
                    return request;
                }

                return null;
            }

            public void Dispose()
            {
                _inflight.Clear();
            }
        }
        """,
        """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Dictionary<int, object> _inflight = new Dictionary<int, object>();
            private readonly Dictionary<int, List<(DmaAddr Address, int Length, DmaDirection Direction)>> _inflightMappings = new Dictionary<int, List<(DmaAddr Address, int Length, DmaDirection Direction)>>();

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public int Submit(int id, KBuffer buffer, int length, object request)
            {
                if (length <= 0)
                {
                    return -22;
                }

                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    throw new InvalidOperationException("DMA mapping failed");
                }

                dmaMappings.Add((dmaAddress, length, dmaDirection));
                _ring.WriteDesc(id, dmaAddress.Value, length, DescFlags.Write);
                _inflight.Add(id, request);
                _inflightMappings[id] = dmaMappings;
                return 0;
            }

            public object? Complete(int id)
            {
                if (_inflightMappings.Remove(id, out var dmaMappings))
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }
                }

                if (_inflight.Remove(id, out var request))
                {
                    return request;
                }

                return null;
            }

            public void Dispose()
            {
                foreach (var dmaMappings in _inflightMappings.Values)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }
                }

                _inflightMappings.Clear();
                _inflight.Clear();
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_member_of_per_descriptor_structs_gets_a_mappings_member_beside_it() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly DescState[] _state = new DescState[16];

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Add(ushort head, KBuffer buffer, int length, object token)
            {
                _ring.WriteDesc(head, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                _state[head].Token = token;
                return true;
            }

            public object? GetBuf(ushort head)
            {
                object? token = _state[head].Token;
                _state[head].Token = null;
                return token;
            }

            public void Dispose()
            {
            }

            private struct DescState
            {
                public object? Token;
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
            private readonly DescState[] _state = new DescState[16];

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Add(ushort head, KBuffer buffer, int length, object token)
            {
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, length, dmaDirection));
                _ring.WriteDesc(head, dmaAddress.Value, length, DescFlags.None);
                _state[head].Token = token;
                _state[head].DmaMappings = dmaMappings;
                return true;
            }

            public object? GetBuf(ushort head)
            {
                object? token = _state[head].Token;
                if (_state[head].DmaMappings is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _state[head].DmaMappings = null;
                }

                _state[head].Token = null;
                return token;
            }

            public void Dispose()
            {
                for (int i = 0; i < _state.Length; i++)
                {
                    if (_state[i].DmaMappings is { } dmaMappings)
                    {
                        foreach (var mapping in dmaMappings)
                        {
                            _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                        }

                        _state[i].DmaMappings = null;
                    }
                }
            }

            private struct DescState
            {
                public object? Token;
                public List<(DmaAddr Address, int Length, DmaDirection Direction)>? DmaMappings;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_member_of_per_descriptor_objects_is_released_through_the_object_in_dispose() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Request
        {
            public object? Owner { get; set; }
        }

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Request[] _requests;

            public Queue(Device device, Ring ring, Request[] requests)
            {
                _device = device;
                _ring = ring;
                _requests = requests;
            }

            public bool Add(int slot, KBuffer buffer, int length, object owner)
            {
                _ring.WriteDesc(slot, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                _requests[slot].Owner = owner;
                return true;
            }

            public void Complete(int slot)
            {
                _requests[slot].Owner = null;
            }

            public void Dispose()
            {
                _ring.Completed(0);
            }
        }
        """,
        """
        #nullable enable
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Request
        {
            public object? Owner { get; set; }
            public List<(DmaAddr Address, int Length, DmaDirection Direction)>? DmaMappings;
        }

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Request[] _requests;

            public Queue(Device device, Ring ring, Request[] requests)
            {
                _device = device;
                _ring = ring;
                _requests = requests;
            }

            public bool Add(int slot, KBuffer buffer, int length, object owner)
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
                _requests[slot].Owner = owner;
                _requests[slot].DmaMappings = dmaMappings;
                return true;
            }

            public void Complete(int slot)
            {
                if (_requests[slot].DmaMappings is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _requests[slot].DmaMappings = null;
                }

                _requests[slot].Owner = null;
            }

            public void Dispose()
            {
                for (int i = 0; i < _requests.Length; i++)
                {
                    if (_requests[i] is { DmaMappings: { } dmaMappings } slot)
                    {
                        foreach (var mapping in dmaMappings)
                        {
                            _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                        }

                        slot.DmaMappings = null;
                    }
                }

                _ring.Completed(0);
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_removal_by_a_computed_key_is_not_followed_so_the_fix_maps_only_and_says_so() => V.FixAsync(
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Dictionary<int, object> _inflight = new Dictionary<int, object>();
            private readonly Queue<int> _order = new Queue<int>();

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Submit(int id, KBuffer buffer, int length, object request)
            {
                _ring.WriteDesc(id, {|#0:buffer.PhysicalAddress.Value|}, length, DescFlags.None);
                _inflight[id] = request;
                _order.Enqueue(id);
                return true;
            }

            public void CompleteOldest()
            {
                _inflight.Remove(_order.Dequeue());
            }
        }
        """,
        """
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Queue
        {
            private readonly Device _device;
            private readonly Ring _ring;
            private readonly Dictionary<int, object> _inflight = new Dictionary<int, object>();
            private readonly Queue<int> _order = new Queue<int>();

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Submit(int id, KBuffer buffer, int length, object request)
            {
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(buffer, 0, length, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                _ring.WriteDesc(id, dmaAddress.Value, length, DescFlags.None);
                _inflight[id] = request;
                _order.Enqueue(id);
                return true;
            }

            public void CompleteOldest()
            {
                _inflight.Remove(_order.Dequeue());
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"),
        title: "Map through the DMA API (ToDevice: the device only reads it) and check it (unmap not arranged: unmap it on completion)");

    [Fact]
    public Task A_refill_loop_keeps_one_list_per_round_and_releases_it_on_the_way_out_before_the_store() => V.FixAsync(
        """
        #nullable enable
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly Ring _ring;
            private readonly Device _device;
            private readonly PhysicalMemory _memory;
            private readonly KBuffer?[] _pages = new KBuffer?[8];

            public Rx(Ring ring, Device device, PhysicalMemory memory)
            {
                _ring = ring;
                _device = device;
                _memory = memory;
            }

            public void Refill(int first, int count)
            {
                for (int n = 0; n < count; n++)
                {
                    int head = (first + n) % 8;
                    KBuffer page = _memory.Allocate(256);
                    _ring.WriteDesc(head, {|#0:page.PhysicalAddress.Value|}, 256, DescFlags.Write);
                    if (!_ring.Completed(head))
                    {
                        _memory.Free(page);
                        break;
                    }

                    _pages[head] = page;
                }
            }

            public KBuffer? Take(int head)
            {
                var page = _pages[head];
                _pages[head] = null;
                return page;
            }
        }
        """,
        """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using DmaDiscipline.Runtime;

        sealed class Rx
        {
            private readonly Ring _ring;
            private readonly Device _device;
            private readonly PhysicalMemory _memory;
            private readonly KBuffer?[] _pages = new KBuffer?[8];
            private readonly List<(DmaAddr Address, int Length, DmaDirection Direction)>?[] _pagesMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>?[8];

            public Rx(Ring ring, Device device, PhysicalMemory memory)
            {
                _ring = ring;
                _device = device;
                _memory = memory;
            }

            public void Refill(int first, int count)
            {
                for (int n = 0; n < count; n++)
                {
                    int head = (first + n) % 8;
                    KBuffer page = _memory.Allocate(256);
                    var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                    DmaDirection dmaDirection = DmaDirection.FromDevice;
                    DmaAddr dmaAddress = _device.Dma.MapSingle(page, 0, 256, dmaDirection);
                    if (_device.Dma.MappingError(dmaAddress))
                    {
                        throw new InvalidOperationException("DMA mapping failed");
                    }

                    dmaMappings.Add((dmaAddress, 256, dmaDirection));
                    _ring.WriteDesc(head, dmaAddress.Value, 256, DescFlags.Write);
                    if (!_ring.Completed(head))
                    {
                        foreach (var mapping in dmaMappings)
                        {
                            _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                        }

                        _memory.Free(page);
                        break;
                    }

                    _pages[head] = page;
                    _pagesMappings[head] = dmaMappings;
                }
            }

            public KBuffer? Take(int head)
            {
                var page = _pages[head];
                if (_pagesMappings[head] is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _pagesMappings[head] = null;
                }

                _pages[head] = null;
                return page;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task Two_buffers_posted_by_one_method_share_one_request_list_so_that_fix_all_and_one_by_one_agree() => V.FixAsync(
        """
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

            public bool Add(int head, KBuffer header, KBuffer data, int length, object token)
            {
                _ring.WriteDesc(head, {|#0:header.PhysicalAddress.Value|}, 16, DescFlags.Next);
                _ring.WriteDesc(head + 1, {|#1:data.PhysicalAddress.Value|}, length, DescFlags.Write);
                _tokens[head] = token;
                return true;
            }

            public void Complete(int head)
            {
                _tokens[head] = null;
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
            private readonly object?[] _tokens = new object?[16];
            private readonly List<(DmaAddr Address, int Length, DmaDirection Direction)>?[] _tokensMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>?[16];

            public Queue(Device device, Ring ring)
            {
                _device = device;
                _ring = ring;
            }

            public bool Add(int head, KBuffer header, KBuffer data, int length, object token)
            {
                var dmaMappings = new List<(DmaAddr Address, int Length, DmaDirection Direction)>();
                DmaDirection dmaDirection = DmaDirection.ToDevice;
                DmaAddr dmaAddress = _device.Dma.MapSingle(header, 0, 16, dmaDirection);
                if (_device.Dma.MappingError(dmaAddress))
                {
                    return false;
                }

                dmaMappings.Add((dmaAddress, 16, dmaDirection));
                _ring.WriteDesc(head, dmaAddress.Value, 16, DescFlags.Next);
                DmaDirection dmaDirection2 = DmaDirection.FromDevice;
                DmaAddr dmaAddress2 = _device.Dma.MapSingle(data, 0, length, dmaDirection2);
                if (_device.Dma.MappingError(dmaAddress2))
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    return false;
                }

                dmaMappings.Add((dmaAddress2, length, dmaDirection2));
                _ring.WriteDesc(head + 1, dmaAddress2.Value, length, DescFlags.Write);
                _tokens[head] = token;
                _tokensMappings[head] = dmaMappings;
                return true;
            }

            public void Complete(int head)
            {
                if (_tokensMappings[head] is { } dmaMappings)
                {
                    foreach (var mapping in dmaMappings)
                    {
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);
                    }

                    _tokensMappings[head] = null;
                }

                _tokens[head] = null;
            }
        }
        """,
        new[] { V.Diagnostic("DMA001").WithLocation(0), V.Diagnostic("DMA001").WithLocation(1) },
        Array.Empty<DiagnosticResult>(),
        DmaDiscipline.CodeFixes.Editing.DmaFixer.PreferredKey("DMA001"),
        iterations: 2);
}
