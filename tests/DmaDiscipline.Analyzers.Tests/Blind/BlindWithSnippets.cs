namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets of the second round for a gap the first round left (a <c>with</c> expression), written from DMA001's
/// and DMA008's pages before any of them ran: a descriptor record copied <c>with</c> a raw physical address or a forged
/// bus address, and its look-alike copied with a mapping.
/// </summary>
public sealed class BlindWithSnippets
{
    // A descriptor template (a record struct) copied `with` the buffer's physical address, then written to the ring
    // field the device reads (the C# form of `desc = tmpl; desc.addr = virt_to_phys(buf)`).
    [Fact]
    public Task Descriptor_template_copied_with_a_physical_address() => BlindSnippet.CheckLifecycle("""
        public readonly record struct Frag(ulong Addr, int Len);
        public struct TxDesc { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class WithPhys
        {
            private readonly TxDesc[] _ring = new TxDesc[64];
            private static readonly Frag Template = new Frag(0, 64);
            public void Post(int i, KBuffer buf)
            {
                var f = Template with { Addr = buf.PhysicalAddress.Value };
                _ring[i].Addr = {|DMA001:f.Addr|};
                _ring[i].Len = (uint)f.Len;
            }
        }
        """);

    // A record holding a bus address copied `with` a constant "reserved" address, then posted. First run: marked on the
    // `new DmaAddr(…)`; DMA008's page says it is reported where the value is given to the sink (corrected).
    [Fact]
    public Task Record_copied_with_a_forged_bus_address() => BlindSnippet.CheckLifecycle("""
        public readonly record struct Slot(DmaAddr Addr, int Len);
        public interface ITxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class WithForged
        {
            public void Pad(ITxRing ring, Slot s)
            {
                var padded = s with { Addr = new DmaAddr(0x9000_0000) };
                ring.Post({|DMA008:padded.Addr|}, padded.Len);
            }
        }
        """);

    // Look-alike: the template copied `with` a checked mapping of the buffer; the completion (not shown) unmaps the slot.
    [Fact]
    public Task Look_alike_template_copied_with_a_mapping() => BlindSnippet.CheckLifecycle("""
        public readonly record struct Slot(DmaAddr Addr, int Len);
        public interface ITxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class WithMapped
        {
            private readonly DmaApi _dma;
            private readonly Slot[] _slots = new Slot[64];
            public WithMapped(DmaApi dma) { _dma = dma; }
            public bool Post(ITxRing ring, int i, KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return false;
                var s = _slots[i] with { Addr = a, Len = 64 };
                _slots[i] = s;
                ring.Post(s.Addr, s.Len);
                return true;
            }
        }
        """);
}
