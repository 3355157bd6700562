using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Legacy;

/// <summary>
/// THE BUG, kept on purpose: a split virtqueue in the shape of Linux's <c>virtio_ring.c</c> before
/// it used the DMA API (before 4.8). Ring memory comes from plain page allocation and its physical
/// address goes into the queue registers; every buffer's physical address (<c>sg_phys</c>) goes
/// into a descriptor. It works only where bus address = physical address — no IOMMU, passthrough,
/// a device that bypasses the IOMMU — and faults or corrupts data everywhere else. The analyzers
/// flag every raw-address site (DMA001) and the code fixes rewrite it into the disciplined shape.
/// </summary>
public sealed class LegacySplitVirtqueue : IDisposable
{
    private readonly PhysicalMemory _memory;
    private readonly VirtioMmioTransport _transport;
    private readonly KBuffer _ring;
    private readonly int _availOffset;
    private readonly int _usedOffset;
    private readonly object?[] _data;
    private readonly ushort[] _next;
    private readonly ushort[] _count;
    private ushort _freeHead;
    private ushort _availIdx;
    private ushort _lastUsedIdx;

    /// <summary>Sets up queue <paramref name="index"/> with <paramref name="num"/> entries.</summary>
    public LegacySplitVirtqueue(PhysicalMemory memory, VirtioMmioTransport transport, int index, int num)
    {
        _memory = memory;
        _transport = transport;
        Index = index;
        transport.Write(VirtioMmio.QueueSel, (uint)index);
        Num = (int)Math.Min((uint)num, transport.Read(VirtioMmio.QueueNumMax));
        _availOffset = VirtqDesc.TableSize(Num);
        _usedOffset = (_availOffset + VirtqAvail.Size(Num) + VirtqUsed.Alignment - 1) & ~(VirtqUsed.Alignment - 1);
        _ring = memory.Allocate(_usedOffset + VirtqUsed.Size(Num));
        _data = new object?[Num];
        _next = new ushort[Num];
        _count = new ushort[Num];
        for (int i = 0; i < Num; i++)
        {
            _next[i] = (ushort)(i + 1);
        }

        NumFree = Num;
        transport.Write(VirtioMmio.QueueNum, (uint)Num);
        transport.SetQueueDesc(memory.VirtToPhys(_ring).Value); // DMA001 expected
        transport.SetQueueDriver(memory.VirtToPhys(_ring, _availOffset).Value); // DMA001 expected
        transport.SetQueueDevice(memory.VirtToPhys(_ring, _usedOffset).Value); // DMA001 expected
        transport.Write(VirtioMmio.QueueReady, 1);
    }

    /// <summary>Queue index.</summary>
    public int Index { get; }

    /// <summary>Ring size.</summary>
    public int Num { get; }

    /// <summary>Free descriptors.</summary>
    public int NumFree { get; private set; }

    /// <summary>Exposes a chain: <paramref name="outCount"/> device-readable segments, then device-writable ones.</summary>
    public bool Add(ReadOnlySpan<(KBuffer Buffer, int Offset, int Length)> segments, int outCount, object data)
    {
        if (segments.IsEmpty || segments.Length > NumFree)
        {
            return false;
        }

        Span<byte> desc = _ring.Span[.._availOffset];
        ushort head = _freeHead;
        ushort i = head;
        for (int n = 0; n < segments.Length; n++)
        {
            (KBuffer buffer, int offset, int length) = segments[n];
            VirtqDescFlags flags = (n >= outCount ? VirtqDescFlags.Write : VirtqDescFlags.None) | (n + 1 < segments.Length ? VirtqDescFlags.Next : VirtqDescFlags.None);
            VirtqDescWriter.WriteSplit(desc, i, buffer.PhysicalAddress.Value + (ulong)offset, length, flags, _next[i]); // DMA001 expected
            i = n + 1 < segments.Length ? _next[i] : i;
        }

        _freeHead = _next[i];
        _count[head] = (ushort)segments.Length;
        NumFree -= segments.Length;
        _data[head] = data;
        Span<byte> avail = _ring.Span.Slice(_availOffset, VirtqAvail.Size(Num));
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.RingEntryOffset(_availIdx & (Num - 1))..], head);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.IdxOffset..], ++_availIdx);
        return true;
    }

    /// <summary>Notifies the device.</summary>
    public void Kick() => _transport.Write(VirtioMmio.QueueNotify, (uint)Index);

    /// <summary>Takes the next used buffer, or null.</summary>
    public object? GetBuf(out int len)
    {
        len = 0;
        Span<byte> used = _ring.Span.Slice(_usedOffset, VirtqUsed.Size(Num));
        if (BinaryPrimitives.ReadUInt16LittleEndian(used[VirtqUsed.IdxOffset..]) == _lastUsedIdx)
        {
            return null;
        }

        int slot = VirtqUsed.RingEntryOffset(_lastUsedIdx++ & (Num - 1));
        uint head = BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemIdOffset)..]);
        len = (int)BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemLenOffset)..]);
        if (head >= Num || _data[head] is not { } data)
        {
            throw new InvalidOperationException($"virtio: queue {Index}: device returned id {head}, which is not in use.");
        }

        Release((ushort)head);
        return data;
    }

    /// <summary>Takes back a buffer the device never used, or null.</summary>
    public object? DetachUnusedBuf()
    {
        for (ushort head = 0; head < Num; head++)
        {
            if (_data[head] is { } data)
            {
                Release(head);
                return data;
            }
        }

        return null;
    }

    /// <summary>Frees the ring (the device must have been reset).</summary>
    public void Dispose()
    {
        if (!_ring.IsFreed)
        {
            _memory.Free(_ring);
        }
    }

    private void Release(ushort head)
    {
        _data[head] = null;
        ushort last = head;
        for (int n = 1; n < _count[head]; n++)
        {
            last = _next[last];
        }

        _next[last] = _freeHead;
        _freeHead = head;
        NumFree += _count[head];
    }
}
