using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Debug;

/// <summary>
/// Random sequences of correct calls and driver mistakes (wrong length, wrong direction, double and
/// inner-address unmaps, wrong-function releases, unchecked mappings, overlapping maps, device
/// writes into ToDevice mappings) in Throw mode, on translated, identity and bounce paths. Whatever
/// threw along the way, the DMA layer and the debug layer never disagree: releasing every mapping
/// correctly at the end leaves no page table entry, no IOVA, no bounce slot and no tracked mapping.
/// Only <see cref="DmaDebugException"/> is ever thrown.
/// </summary>
public sealed class ThrowModeProperties
{
    private const int Page = PhysicalMemory.PageSize;

    public readonly record struct Step(int Kind, int Pick, int Offset, int Length, int Direction)
    {
        public override string ToString() => $"({Kind},{Pick},{Offset},{Length},{Direction})";
    }

    private static readonly Gen<Step[]> Steps =
        Gen.Select(Gen.Int[0, 13], Gen.Int[0, 1000], Gen.Int[0, 3 * Page], Gen.Int[1, 3000], Gen.Int[0, 2], (k, p, o, l, d) => new Step(k, p, o, l, d))
            .Array[1, 40];

    [Theory]
    [InlineData("translated")]
    [InlineData("identity")]
    [InlineData("bounce")]
    public void InThrowMode_TheDmaLayerAndTheDebugLayer_NeverDisagree(string path)
    {
        Steps.Sample(steps => new Harness(path).Run(steps), iter: 150);
    }

    private abstract record Handle;

    private sealed record Single(DmaAddr Address, int Length, DmaDirection Direction) : Handle;

    private sealed record Sg(ScatterList List, DmaDirection Direction) : Handle;

    private sealed record Coherent(CoherentBuffer Buffer) : Handle;

    private sealed class Harness
    {
        private readonly Machine _machine;
        private readonly Device _nic;
        private readonly KBuffer[] _buffers;
        private readonly List<Handle> _handles = new();
        private readonly int _slots;

        public Harness(string path)
        {
            _machine = path switch
            {
                "identity" => Machines.With(DomainKind.Identity, debug: DmaDebugMode.Throw),
                "bounce" => Machines.Confidential(DmaDebugMode.Throw),
                _ => Machines.With(debug: DmaDebugMode.Throw),
            };
            _nic = _machine.AddDevice(Machines.Nic);
            _buffers = [_machine.Memory.Allocate(4 * Page), _machine.Memory.Allocate(4 * Page)];
            _slots = _machine.Swiotlb?.SlotsFree ?? 0;
        }

        private DmaApi Dma => _nic.Dma;

        public void Run(Step[] steps)
        {
            foreach (Step step in steps)
            {
                try
                {
                    Apply(step);
                }
                catch (DmaDebugException)
                {
                    // Reported; whatever the call did, both layers agree (checked at the end).
                }
            }

            foreach (Handle handle in _handles)
            {
                try
                {
                    Release(handle);
                }
                catch (DmaDebugException)
                {
                    // A handle a mistake already released: DMA006, nothing changed.
                }
            }

            Assert.Equal(0, _machine.Debug.LiveMappings(Machines.Nic));
            Assert.Equal(0, _nic.Domain?.PresentPages ?? 0);
            Assert.Equal(0, _nic.Domain?.Iova?.Allocated ?? 0);
            Assert.Equal(_slots, _machine.Swiotlb?.SlotsFree ?? 0);
        }

        private void Apply(Step step)
        {
            DmaDirection direction = (DmaDirection)step.Direction;
            KBuffer buffer = _buffers[step.Pick % _buffers.Length];
            int offset = Math.Min(step.Offset, buffer.Length - 1);
            int length = Math.Min(step.Length, buffer.Length - offset);
            Handle? picked = _handles.Count == 0 ? null : _handles[step.Pick % _handles.Count];
            switch (step.Kind)
            {
                case 0 or 1:
                    DmaAddr address = Dma.MapSingle(buffer, offset, length, direction);
                    if (!Dma.MappingError(address))
                    {
                        _handles.Add(new Single(address, length, direction));
                    }

                    break;
                case 2:
                    DmaAddr unchecked_ = Dma.MapSingle(buffer, offset, length, direction);
                    if (unchecked_ != DmaAddr.Error)
                    {
                        _handles.Add(new Single(unchecked_, length, direction));
                        Dma.UnmapSingle(unchecked_, length, direction); // without MappingError: DMA003
                    }

                    break;
                case 3 when picked is not null:
                    Release(picked);
                    break;
                case 4 when picked is Single single:
                    Dma.UnmapSingle(single.Address, Math.Max(1, single.Length - 1 - step.Offset % 2000), single.Direction);
                    break;
                case 5 when picked is Single single:
                    Dma.UnmapSingle(single.Address, single.Length, (DmaDirection)((step.Direction + 1) % 3));
                    break;
                case 6 when picked is Single single:
                    Dma.UnmapSingle(new DmaAddr(single.Address.Value + 8), single.Length, single.Direction);
                    break;
                case 7 when picked is Single single:
                    Dma.SyncForCpu(single.Address, single.Length, (DmaDirection)((step.Direction + 2) % 3));
                    break;
                case 8 when picked is Coherent coherent && !coherent.Buffer.IsFreed:
                    Dma.UnmapSingle(coherent.Buffer.DmaAddress, coherent.Buffer.Length, DmaDirection.Bidirectional);
                    break;
                case 8 when picked is Sg { List.MappedCount: > 0 } sg:
                    Dma.UnmapSingle(sg.List.DmaAddress(0), sg.List.DmaLength(0), sg.Direction);
                    break;
                case 9:
                    var list = new ScatterList(2);
                    list.Add(buffer, offset, Math.Min(length, 512));
                    list.Add(_buffers[(step.Pick + 1) % _buffers.Length], step.Offset % Page, 256);
                    if (Dma.MapSg(list, direction) != 0)
                    {
                        _handles.Add(new Sg(list, direction));
                    }

                    break;
                case 10 when picked is Sg { List.MappedCount: > 0 } sg:
                    Dma.UnmapSg(sg.List, (DmaDirection)((step.Direction + 1) % 3));
                    break;
                case 11:
                    _handles.Add(new Coherent(Dma.AllocCoherent(1 + step.Length)));
                    break;
                case 12 when picked is Single single:
                    _nic.Bus.TryWrite(single.Address, new byte[Math.Min(8, single.Length)]); // into a ToDevice mapping: DMA004
                    break;
                case 13 when picked is Single single:
                    Dma.UnmapSingle(single.Address, single.Length, single.Direction);
                    Dma.UnmapSingle(single.Address, single.Length, single.Direction); // double unmap: DMA006
                    break;
            }
        }

        private void Release(Handle handle)
        {
            switch (handle)
            {
                case Single single:
                    Dma.UnmapSingle(single.Address, single.Length, single.Direction);
                    break;
                case Sg { List.MappedCount: > 0 } sg:
                    Dma.UnmapSg(sg.List, sg.Direction);
                    break;
                case Coherent coherent:
                    Dma.FreeCoherent(coherent.Buffer);
                    break;
            }
        }
    }
}
