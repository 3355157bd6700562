using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Vfio;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Userspace;

/// <summary>
/// A split virtqueue run from userspace (the shape of DPDK's or SPDK's virtio PMD over VFIO): the
/// ring sits in the driver's own memory, which the driver mapped into its container at an IOVA of
/// its choosing, and every address it writes — queue areas and descriptors — is such an IOVA.
/// There is no DMA API here: the container's mappings are the driver's whole address space, and
/// the IOMMU keeps the device inside it.
/// </summary>
public sealed class UserspaceSplitVirtqueue
{
    private readonly VfioDevice _device;
    private readonly KBuffer _memory;
    private readonly int _availOffset;
    private readonly int _usedOffset;
    private readonly int[] _data;
    private readonly ushort[] _next;
    private readonly ushort[] _count;
    private ushort _freeHead;
    private ushort _availIdx;
    private ushort _lastUsedIdx;

    /// <summary>Sets up queue <paramref name="index"/> in <paramref name="memory"/>, which the container maps at <paramref name="iova"/>.</summary>
    /// <exception cref="ArgumentException">The ring does not fit in the memory.</exception>
    public UserspaceSplitVirtqueue(VfioDevice device, int index, int num, KBuffer memory, ulong iova)
    {
        _device = device;
        _memory = memory;
        Index = index;
        device.WriteRegister(VirtioMmio.QueueSel, (uint)index);
        Num = (int)Math.Min((uint)num, device.ReadRegister(VirtioMmio.QueueNumMax));
        _availOffset = VirtqDesc.TableSize(Num);
        _usedOffset = (_availOffset + VirtqAvail.Size(Num) + VirtqUsed.Alignment - 1) & ~(VirtqUsed.Alignment - 1);
        if (Num == 0 || _usedOffset + VirtqUsed.Size(Num) > memory.Length)
        {
            throw new ArgumentException($"A ring of {Num} entries does not fit in {memory.Length} bytes.", nameof(memory));
        }

        memory.Span[..(_usedOffset + VirtqUsed.Size(Num))].Clear();
        _data = new int[Num];
        _next = new ushort[Num];
        _count = new ushort[Num];
        for (int i = 0; i < Num; i++)
        {
            _next[i] = (ushort)(i + 1);
            _data[i] = -1;
        }

        NumFree = Num;
        device.WriteRegister(VirtioMmio.QueueNum, (uint)Num);
        device.SetQueueDesc(iova);
        device.SetQueueDriver(iova + (ulong)_availOffset);
        device.SetQueueDevice(iova + (ulong)_usedOffset);
        device.WriteRegister(VirtioMmio.QueueReady, 1);
    }

    /// <summary>Queue index.</summary>
    public int Index { get; }

    /// <summary>Ring size.</summary>
    public int Num { get; }

    /// <summary>Free descriptors.</summary>
    public int NumFree { get; private set; }

    /// <summary>Exposes a chain of IOVA segments (device-readable ones first) under a non-negative token.</summary>
    public bool Add(ReadOnlySpan<IovaSegment> segments, int token)
    {
        if (segments.IsEmpty || segments.Length > NumFree || token < 0)
        {
            return false;
        }

        Span<byte> desc = _memory.Span[.._availOffset];
        ushort head = _freeHead;
        ushort i = head;
        for (int n = 0; n < segments.Length; n++)
        {
            IovaSegment segment = segments[n];
            bool last = n + 1 == segments.Length;
            VirtqDescFlags flags = (segment.DeviceWrites ? VirtqDescFlags.Write : VirtqDescFlags.None) | (last ? VirtqDescFlags.None : VirtqDescFlags.Next);
            VirtqDescWriter.WriteSplit(desc, i, segment.Iova, segment.Length, flags, _next[i]);
            i = last ? i : _next[i];
        }

        _freeHead = _next[i];
        _count[head] = (ushort)segments.Length;
        _data[head] = token;
        NumFree -= segments.Length;
        Span<byte> avail = _memory.Span.Slice(_availOffset, VirtqAvail.Size(Num));
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.RingEntryOffset(_availIdx & (Num - 1))..], head);
        BinaryPrimitives.WriteUInt16LittleEndian(avail[VirtqAvail.IdxOffset..], ++_availIdx);
        return true;
    }

    /// <summary>Notifies the device (a write to the doorbell register of the VFIO region).</summary>
    public void Kick() => _device.WriteRegister(VirtioMmio.QueueNotify, (uint)Index);

    /// <summary>Takes the token of the next used chain, or -1.</summary>
    /// <exception cref="InvalidOperationException">The device returned an id that is not in use (ring corruption).</exception>
    public int GetBuf(out int len)
    {
        len = 0;
        Span<byte> used = _memory.Span.Slice(_usedOffset, VirtqUsed.Size(Num));
        if (BinaryPrimitives.ReadUInt16LittleEndian(used[VirtqUsed.IdxOffset..]) == _lastUsedIdx)
        {
            return -1;
        }

        int slot = VirtqUsed.RingEntryOffset(_lastUsedIdx++ & (Num - 1));
        uint head = BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemIdOffset)..]);
        len = (int)BinaryPrimitives.ReadUInt32LittleEndian(used[(slot + VirtqUsed.ElemLenOffset)..]);
        if (head >= Num || _data[head] < 0)
        {
            throw new InvalidOperationException($"virtio (userspace): queue {Index}: device returned id {head}, which is not in use.");
        }

        int token = _data[head];
        _data[head] = -1;
        ushort last = (ushort)head;
        for (int n = 1; n < _count[head]; n++)
        {
            last = _next[last];
        }

        _next[last] = _freeHead;
        _freeHead = (ushort)head;
        NumFree += _count[head];
        return token;
    }
}
