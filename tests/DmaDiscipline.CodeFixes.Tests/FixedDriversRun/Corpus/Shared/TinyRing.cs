using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;

namespace Corpus.Shared;

/// <summary>One descriptor as a driver fills it: the device uses <see cref="Addr"/> as a bus address.</summary>
public struct RingSlot
{
    [BusAddress]
    public ulong Addr;
    public uint Len;
    public VirtqDescFlags Flags;
}

/// <summary>
/// A small split virtqueue on coherent memory: chains of <see cref="RingSlot"/>s in, used heads out.
/// Correct on its own (no DMA diagnostic); the corpus drivers' defects are in what they put in the slots.
/// </summary>
public sealed class TinyRing : IDisposable
{
    private readonly DmaApi _dma;
    private readonly VirtioMmioTransport _transport;
    private readonly CoherentBuffer _area;
    private readonly int _availAt;
    private readonly int _usedAt;
    private readonly Stack<ushort> _freeDescs = new();
    private readonly int[] _chainLength;
    private ushort _availIdx;
    private ushort _usedSeen;

    public TinyRing(Device device, VirtioMmioTransport transport, int queue, int size)
    {
        _dma = device.Dma;
        _transport = transport;
        Queue = queue;
        transport.Write(VirtioMmio.QueueSel, (uint)queue);
        Size = (int)Math.Min((uint)size, transport.Read(VirtioMmio.QueueNumMax));
        _availAt = VirtqDesc.TableSize(Size);
        _usedAt = (_availAt + VirtqAvail.Size(Size) + 3) & ~3;
        _area = _dma.AllocCoherent(_usedAt + VirtqUsed.Size(Size));
        _area.Span.Clear();
        _chainLength = new int[Size];
        for (int d = Size - 1; d >= 0; d--)
        {
            _freeDescs.Push((ushort)d);
        }

        transport.Write(VirtioMmio.QueueNum, (uint)Size);
        transport.SetQueueDesc(_area.DmaAddress.Value);
        transport.SetQueueDriver(_area.DmaAddress.Value + (ulong)_availAt);
        transport.SetQueueDevice(_area.DmaAddress.Value + (ulong)_usedAt);
        transport.Write(VirtioMmio.QueueReady, 1);
    }

    public int Queue { get; }

    public int Size { get; }

    public int FreeDescs => _freeDescs.Count;

    /// <summary>Puts a chain on the available ring; returns its head, or -1 when the descriptors run out.</summary>
    public int Post(ReadOnlySpan<RingSlot> chain)
    {
        if (chain.IsEmpty || chain.Length > _freeDescs.Count)
        {
            return -1;
        }

        Span<ushort> ids = stackalloc ushort[chain.Length];
        for (int k = 0; k < chain.Length; k++)
        {
            ids[k] = _freeDescs.Pop();
        }

        for (int k = 0; k < chain.Length; k++)
        {
            VirtqDescFlags flags = chain[k].Flags | (k + 1 < chain.Length ? VirtqDescFlags.Next : VirtqDescFlags.None);
            ushort next = k + 1 < chain.Length ? ids[k + 1] : (ushort)0;
            new VirtqDesc(chain[k].Addr, chain[k].Len, flags, next).Write(_area.Span[VirtqDesc.OffsetOf(ids[k])..]);
        }

        _chainLength[ids[0]] = chain.Length;
        Span<byte> avail = _area.Span[_availAt..];
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.RingEntryOffset(_availIdx % Size)..], ids[0]);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.IdxOffset..], ++_availIdx);
        return ids[0];
    }

    public void Notify() => _transport.Write(VirtioMmio.QueueNotify, (uint)Queue);

    /// <summary>Takes the next used chain: its head and the bytes the device wrote.</summary>
    public bool TakeUsed(out int head, out int written)
    {
        Span<byte> used = _area.Span[_usedAt..];
        if (BinaryPrimitives.ReadUInt16LittleEndian(used[VirtqUsed.IdxOffset..]) == _usedSeen)
        {
            head = -1;
            written = 0;
            return false;
        }

        int at = VirtqUsed.RingEntryOffset(_usedSeen++ % Size);
        head = (int)BinaryPrimitives.ReadUInt32LittleEndian(used[(at + VirtqUsed.ElemIdOffset)..]);
        written = (int)BinaryPrimitives.ReadUInt32LittleEndian(used[(at + VirtqUsed.ElemLenOffset)..]);
        if ((uint)head >= (uint)Size || _chainLength[head] == 0)
        {
            throw new InvalidOperationException($"queue {Queue}: the device returned head {head}, which is not in flight");
        }

        // A chain's descriptors were taken in order from the stack; give back as many as it used.
        for (int k = 0; k < _chainLength[head]; k++)
        {
            _freeDescs.Push((ushort)ReadNext(head, k));
        }

        _chainLength[head] = 0;
        return true;
    }

    private int ReadNext(int head, int steps)
    {
        int d = head;
        for (int k = 0; k < steps; k++)
        {
            d = BinaryPrimitives.ReadUInt16LittleEndian(_area.Span[(VirtqDesc.OffsetOf(d) + VirtqDesc.NextOffset)..]);
        }

        return d;
    }

    public void Dispose()
    {
        if (!_area.IsFreed)
        {
            _dma.FreeCoherent(_area);
        }
    }
}

/// <summary>The virtio status dance: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; DRIVER_OK after the queues.</summary>
public static class Handshake
{
    public static void Begin(VirtioMmioTransport t, VirtioDeviceType type)
    {
        if (t.Read(VirtioMmio.MagicValue) != VirtioMmio.Magic || t.Read(VirtioMmio.DeviceId) != (uint)type)
        {
            throw new InvalidOperationException($"not a virtio {type} device");
        }

        t.Write(VirtioMmio.Status, 0);
        t.Write(VirtioMmio.Status, (uint)VirtioStatus.Acknowledge);
        t.Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver));
        t.Write(VirtioMmio.DeviceFeaturesSel, 1);
        ulong offered = (ulong)t.Read(VirtioMmio.DeviceFeatures) << 32;
        ulong wanted = offered & (VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform);
        t.Write(VirtioMmio.DriverFeaturesSel, 0);
        t.Write(VirtioMmio.DriverFeatures, 0);
        t.Write(VirtioMmio.DriverFeaturesSel, 1);
        t.Write(VirtioMmio.DriverFeatures, (uint)(wanted >> 32));
        t.Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk));
        if ((t.Read(VirtioMmio.Status) & (uint)VirtioStatus.FeaturesOk) == 0)
        {
            throw new InvalidOperationException("the device refused the features: " + t.FeaturesRejectedReason);
        }
    }

    public static void Finish(VirtioMmioTransport t) =>
        t.Write(VirtioMmio.Status, t.Read(VirtioMmio.Status) | (uint)VirtioStatus.DriverOk);

    public static void Ack(VirtioMmioTransport t)
    {
        uint pending = t.Read(VirtioMmio.InterruptStatus);
        if (pending != 0)
        {
            t.Write(VirtioMmio.InterruptAck, pending);
        }
    }
}
