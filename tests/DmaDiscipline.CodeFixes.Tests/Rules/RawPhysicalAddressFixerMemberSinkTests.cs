using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.RawPhysicalAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA001 where the sink is a [BusAddress] field or property, not a parameter: the rule page's first "Bad" example.</summary>
public sealed class RawPhysicalAddressFixerMemberSinkTests
{
    [Fact]
    public Task A_descriptor_field_gets_the_mapping_of_the_rest_of_the_buffer_and_the_expectation_comment_goes() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        struct Desc
        {
            [BusAddress] public ulong Addr;
            public uint Len;
        }

        sealed class Queue
        {
            private readonly DmaApi _dma;
            private readonly Desc[] _descs = new Desc[8];

            public Queue(DmaApi dma) => _dma = dma;

            public bool Post(int i, KBuffer buf, int off)
            {
                _descs[i].Addr = {|#0:buf.PhysicalAddress.Value + (ulong)off|}; // DMA001 expected
                _descs[i].Len = (uint)(buf.Length - off);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        struct Desc
        {
            [BusAddress] public ulong Addr;
            public uint Len;
        }

        sealed class Queue
        {
            private readonly DmaApi _dma;
            private readonly Desc[] _descs = new Desc[8];

            public Queue(DmaApi dma) => _dma = dma;

            public bool Post(int i, KBuffer buf, int off)
            {
                DmaDirection dmaDirection = DmaDirection.Bidirectional;
                DmaAddr dmaAddress = _dma.MapSingle(buf, off, buf.Length - off, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                _descs[i].Addr = dmaAddress.Value;
                _descs[i].Len = (uint)(buf.Length - off);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));

    [Fact]
    public Task A_property_beside_the_layouts_flags_member_takes_its_direction_from_the_WRITE_bit() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        sealed class RxSlot
        {
            [BusAddress] public ulong Addr { get; set; }
            public VirtqDescFlags Flags { get; set; }
        }

        sealed class Receiver
        {
            private readonly DmaApi _dma;

            public Receiver(DmaApi dma) => _dma = dma;

            public bool Refill(RxSlot slot, KBuffer buf)
            {
                slot.Flags = VirtqDescFlags.Write;
                slot.Addr = {|#0:buf.PhysicalAddress.Value|};
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        sealed class RxSlot
        {
            [BusAddress] public ulong Addr { get; set; }
            public VirtqDescFlags Flags { get; set; }
        }

        sealed class Receiver
        {
            private readonly DmaApi _dma;

            public Receiver(DmaApi dma) => _dma = dma;

            public bool Refill(RxSlot slot, KBuffer buf)
            {
                slot.Flags = VirtqDescFlags.Write;
                DmaDirection dmaDirection = DmaDirection.FromDevice;
                DmaAddr dmaAddress = _dma.MapSingle(buf, 0, buf.Length, dmaDirection);
                if (_dma.MappingError(dmaAddress))
                {
                    return false;
                }

                slot.Addr = dmaAddress.Value;
                return true;
            }
        }
        """,
        V.Diagnostic("DMA001").WithLocation(0));
}
