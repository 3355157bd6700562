using System.Buffers.Binary;
using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Net;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Samples.Drivers.Disciplined;

/// <summary>
/// The driver's side of virtio-net's control virtqueue (<c>virtnet_send_command</c>): a command's
/// class, command and data in a driver buffer mapped device-readable, the ack byte in one mapped
/// device-writable (<c>struct control_buf</c>), both mapped by the virtqueue for the command only.
/// Commands are rare and synchronous: send, kick, wait for the device to use the chain.
/// </summary>
internal sealed class VirtioNetControlQueue : IDisposable
{
    private const int AckOffset = 64; // its own cache line: the device writes it while the command is mapped ToDevice

    private readonly Device _device;
    private readonly IVirtqueue _cvq;
    private readonly KBuffer _buffer;

    public VirtioNetControlQueue(Device device, VirtioMmioTransport transport, ulong features, int index)
    {
        _device = device;
        bool eventIdx = (features & VirtioFeatures.EventIdx) != 0;
        _cvq = (features & VirtioFeatures.RingPacked) != 0
            ? new DisciplinedPackedVirtqueue(device.Dma, transport, index, 8, eventIdx)
            : new DisciplinedSplitVirtqueue(device.Dma, transport, index, 8, eventIdx);
        _buffer = device.Machine.Memory.Allocate(AckOffset + 1);
    }

    /// <summary>VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET: how many queue pairs the device uses from now on.</summary>
    /// <exception cref="VirtioSetupException">The command could not be mapped, the device did not answer, or it answered VIRTIO_NET_ERR.</exception>
    public void SetQueuePairs(int pairs)
    {
        Span<byte> command = _buffer.Span;
        command[VirtioNetCtrl.ClassOffset] = VirtioNetCtrl.ClassMq;
        command[VirtioNetCtrl.CommandOffset] = VirtioNetCtrl.MqVqPairsSet;
        BinaryPrimitives.WriteUInt16LittleEndian(command[VirtioNetCtrl.HeaderSize..], (ushort)pairs);
        command[AckOffset] = 0xff; // a value the device never writes: no answer reads as a failure
        var data = new VirtqueueBuffer(_buffer, 0, VirtioNetCtrl.HeaderSize + VirtioNetCtrl.MqVqPairsSetDataSize);
        var ack = new VirtqueueBuffer(_buffer, AckOffset, 1);
        if (!_cvq.AddSgs(new ReadOnlySpan<VirtqueueBuffer>(in data), new ReadOnlySpan<VirtqueueBuffer>(in ack), this))
        {
            throw new VirtioSetupException($"{_device}: mapping the VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET command failed");
        }

        _cvq.Kick();
        // The virtqueue unmapped both buffers when it took the chain back: the ack is the CPU's to read.
        if (_cvq.GetBuf(out _) is null)
        {
            throw new VirtioSetupException($"{_device}: the device did not answer VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET");
        }

        if (_buffer.Span[AckOffset] != VirtioNetCtrl.Ok)
        {
            throw new VirtioSetupException($"{_device}: the device refused VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET {pairs} (ack {_buffer.Span[AckOffset]})");
        }
    }

    /// <summary>After the device reset: takes back a command never answered, frees the ring and the buffer.</summary>
    public void Dispose()
    {
        while (_cvq.DetachUnusedBuf() is not null)
        {
        }

        _cvq.Dispose();
        _device.Machine.Memory.Free(_buffer);
    }
}
