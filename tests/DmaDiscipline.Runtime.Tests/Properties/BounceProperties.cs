using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Properties;

/// <summary>
/// Bounce buffering against an exact model: the device sees the slot, the CPU sees its buffer, and
/// bytes cross only at map (to the slot), SyncForDevice (to the slot, ToDevice/Bidirectional),
/// SyncForCpu (to the buffer, FromDevice/Bidirectional) and unmap (to the buffer, FromDevice/Bidirectional).
/// So the driver sees the device's bytes when, and only when, it syncs.
/// </summary>
public sealed class BounceProperties
{
    private const int Buffers = 3;
    private const int BufferLength = 5000;

    public readonly record struct Step(int Kind, int A, int B, int Length)
    {
        public override string ToString() => $"({Kind},{A},{B},{Length})";
    }

    private static readonly Gen<Step[]> Steps =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20], Gen.Int[1, 3000], (k, a, b, l) => new Step(k, a, b, l)).Array[1, 50];

    [Fact]
    public void BounceMode_DeliversTheRightBytes_WhenAndOnlyWhenTheDriverSyncs()
    {
        Steps.Sample(steps => new Harness().Run(steps), iter: 300);
    }

    private sealed class Mapping(int buffer, int offset, DmaDirection direction, DmaAddr address, byte[] slot)
    {
        public int Buffer { get; } = buffer;

        public int Offset { get; } = offset;

        public DmaDirection Direction { get; } = direction;

        public DmaAddr Address { get; } = address;

        public byte[] Slot { get; } = slot; // what the device sees

        public bool ToCpu => Direction is DmaDirection.FromDevice or DmaDirection.Bidirectional;

        public bool ToDevice => Direction is DmaDirection.ToDevice or DmaDirection.Bidirectional;
    }

    private sealed class Harness
    {
        private readonly Machine _machine = Machines.Confidential(bouncePool: 64 << 10);
        private readonly Device _device;
        private readonly KBuffer[] _buffers = new KBuffer[Buffers];
        private readonly byte[][] _cpu = new byte[Buffers][]; // the model of what the CPU sees
        private readonly List<Mapping> _live = new();

        public Harness()
        {
            _device = _machine.AddDevice(Machines.Nic);
            for (int i = 0; i < Buffers; i++)
            {
                _cpu[i] = Machines.Pattern(BufferLength, (byte)(i * 50));
                _buffers[i] = _machine.Buffer(_cpu[i]);
            }
        }

        public void Run(Step[] steps)
        {
            foreach (Step step in steps)
            {
                Mapping? mapping = _live.Count == 0 ? null : _live[step.A % _live.Count];
                switch (step.Kind)
                {
                    case 0:
                        Map(step);
                        break;
                    case 1 when mapping is not null:
                        _device.Dma.UnmapSingle(mapping.Address, mapping.Slot.Length, mapping.Direction);
                        if (mapping.ToCpu)
                        {
                            mapping.Slot.CopyTo(_cpu[mapping.Buffer], mapping.Offset);
                        }

                        _live.Remove(mapping);
                        break;
                    case 2 when mapping is not null:
                        {
                            var (within, length) = SubRange(mapping, step);
                            _device.Dma.SyncForCpu(new DmaAddr(mapping.Address.Value + (ulong)within), length, mapping.Direction);
                            if (mapping.ToCpu)
                            {
                                mapping.Slot.AsSpan(within, length).CopyTo(_cpu[mapping.Buffer].AsSpan(mapping.Offset + within));
                            }

                            break;
                        }

                    case 3 when mapping is not null:
                        {
                            var (within, length) = SubRange(mapping, step);
                            _device.Dma.SyncForDevice(new DmaAddr(mapping.Address.Value + (ulong)within), length, mapping.Direction);
                            if (mapping.ToDevice)
                            {
                                _cpu[mapping.Buffer].AsSpan(mapping.Offset + within, length).CopyTo(mapping.Slot.AsSpan(within));
                            }

                            break;
                        }

                    case 4 when mapping is not null:
                        {
                            // The device writes part of its slot.
                            var (within, length) = SubRange(mapping, step);
                            var bytes = Enumerable.Repeat((byte)step.B, length).ToArray();
                            Assert.True(_device.Bus.TryWrite(new DmaAddr(mapping.Address.Value + (ulong)within), bytes));
                            bytes.CopyTo(mapping.Slot, within);
                            break;
                        }

                    case 5 when mapping is not null:
                        {
                            var (within, length) = SubRange(mapping, step);
                            var seen = new byte[length];
                            Assert.True(_device.Bus.TryRead(new DmaAddr(mapping.Address.Value + (ulong)within), seen));
                            Assert.Equal(mapping.Slot.AsSpan(within, length).ToArray(), seen);
                            break;
                        }

                    case 6:
                        {
                            // The CPU writes its buffer (the debug layer is off: ownership is not this property's concern).
                            int buffer = step.A % Buffers;
                            int at = step.B % BufferLength;
                            int length = Math.Min(step.Length, BufferLength - at);
                            _buffers[buffer].Span.Slice(at, length).Fill((byte)step.A);
                            _cpu[buffer].AsSpan(at, length).Fill((byte)step.A);
                            break;
                        }
                }

                for (int i = 0; i < Buffers; i++)
                {
                    Assert.Equal(_cpu[i], _buffers[i].Span.ToArray());
                }
            }
        }

        private static (int Within, int Length) SubRange(Mapping mapping, Step step)
        {
            int within = step.B % mapping.Slot.Length;
            return (within, 1 + (step.Length % (mapping.Slot.Length - within)));
        }

        private void Map(Step step)
        {
            int buffer = step.A % Buffers;
            int offset = step.B % BufferLength;
            int length = 1 + (step.Length % (BufferLength - offset));
            var direction = (DmaDirection)(step.A / 3 % 3);
            DmaAddr address = _device.Dma.MapSingle(_buffers[buffer], offset, length, direction);
            if (_device.Dma.MappingError(address))
            {
                // Pool exhaustion is a mapping error, never an exception, and only when the pool is really short.
                Assert.True(_machine.Swiotlb!.SlotsFree * Swiotlb.SlotSize < 64 << 10);
                return;
            }

            Assert.NotEqual(_buffers[buffer].PhysicalAddress.Value + (ulong)offset, address.Value);
            _live.Add(new Mapping(buffer, offset, direction, address, _cpu[buffer].AsSpan(offset, length).ToArray()));
        }
    }
}
