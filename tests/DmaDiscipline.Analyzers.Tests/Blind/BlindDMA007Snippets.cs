namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets for DMA007 (one arm of a platform decision hands the device the physical address, the other
/// maps it), written from the rule page before any of them ran. Where an arm gives the device the physical
/// address, DMA001 is expected on it too (the page: both ids on one choice). The look-alikes branch on the
/// platform for something else, or are platform code configured as such.
/// </summary>
public sealed class BlindDMA007Snippets
{
    // (Corrected after the first run: DMA001 was expected on the physical address in the arm, as DMA007's page said;
    // DMA001 reports a choice made into a local where that local reaches the sink, which names the arm's source.
    // DMA007's page now says so.)
    // Linux virtio_ring's use_dma_api: a bool field decided once from the negotiated features (ACCESS_PLATFORM)
    // at construction; add_buf picks the physical address or a mapping into a local given to the descriptor.
    [Fact]
    public Task Virtio_ring_use_dma_api_field_decided_at_construction() => BlindSnippet.Check("""
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public sealed class Vring
        {
            private const ulong AccessPlatform = 1ul << 33;
            private readonly bool _useDmaApi;
            private readonly DmaApi _dma;
            private readonly VringDesc[] _desc = new VringDesc[256];
            public Vring(DmaApi dma, ulong features) { _dma = dma; _useDmaApi = (features & AccessPlatform) != 0; }
            public bool AddBuf(int i, KBuffer buf, int len)
            {
                ulong addr;
                if ({|DMA007:_useDmaApi|})
                {
                    var m = _dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                    if (_dma.MappingError(m)) return false;
                    addr = m.Value;
                }
                else
                {
                    addr = buf.PhysicalAddress.Value;
                }
                _desc[i].Addr = {|DMA001:addr|};
                _desc[i].Len = (uint)len;
                return true;
            }
        }
        """);

    // vring_use_dma_api() as a method (Xen and the feature bit), the choice made with an early return.
    [Fact]
    public Task Use_dma_api_method_with_an_early_return_arm() => BlindSnippet.Check("""
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public sealed class VringX
        {
            private readonly DmaApi _dma;
            private readonly bool _xenDom0;
            private readonly bool _accessPlatform;
            private readonly VringDesc[] _desc = new VringDesc[256];
            public VringX(DmaApi dma, bool xenDom0, bool accessPlatform) { _dma = dma; _xenDom0 = xenDom0; _accessPlatform = accessPlatform; }
            private bool UseDmaApi() => _accessPlatform || _xenDom0;
            public bool AddBuf(int i, KBuffer buf, int len)
            {
                if ({|DMA007:!UseDmaApi()|})
                {
                    _desc[i].Addr = {|DMA001:buf.PhysicalAddress.Value|};
                    return true;
                }
                var m = _dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                if (_dma.MappingError(m)) return false;
                _desc[i].Addr = m.Value;
                return true;
            }
        }
        """);

    // (Corrected after the first run: DMA007 marks the translation query itself, '_dev.Domain', as the page lists it;
    // the snippet had marked the whole switch value.)
    // The runtime's own query: a switch on the device's domain kind, identity and "no domain" taking the
    // physical address.
    [Fact]
    public Task Switch_on_the_domain_kind() => BlindSnippet.Check("""
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class DomainAware
        {
            private readonly Device _dev;
            public DomainAware(Device dev) { _dev = dev; }
            public bool Send(ITxQueue q, KBuffer buf, int len)
            {
                switch ({|DMA007:_dev.Domain|}?.Kind)
                {
                    case null:
                    case DomainKind.Identity:
                        q.Post({|DMA008:new DmaAddr(buf.PhysicalAddress.Value)|}, len);
                        return true;
                    default:
                        var m = _dev.Dma.MapSingle(buf, 0, len, DmaDirection.ToDevice);
                        if (_dev.Dma.MappingError(m)) return false;
                        q.Post(m, len);
                        return true;
                }
            }
        }
        """);

    // A vendor HAL's translation query named in the symbols file; the ring base goes to a register.
    [Fact]
    public Task Configured_translation_query_in_an_if_else() => BlindSnippet.Check("""
        namespace Hal
        {
            public static class Platform { public static bool IommuEnabled() => true; }
            public sealed class QueueRegs { [BusAddress] public ulong RingBase { get; set; } }
            public sealed class Queue
            {
                private readonly DmaApi _dma;
                private readonly QueueRegs _regs;
                public Queue(DmaApi dma, QueueRegs regs) { _dma = dma; _regs = regs; }
                public bool Start(KBuffer ring)
                {
                    if ({|DMA007:Platform.IommuEnabled()|})
                    {
                        var m = _dma.MapSingle(ring, 0, ring.Length, DmaDirection.Bidirectional);
                        if (_dma.MappingError(m)) return false;
                        _regs.RingBase = m.Value;
                    }
                    else
                    {
                        _regs.RingBase = {|DMA001:ring.PhysicalAddress.Value|};
                    }
                    return true;
                }
            }
        }
        """, """
        M:Hal.Platform.IommuEnabled ; translation-query
        """);

    // (Corrected after the first run: DMA001 at the chosen local where it reaches the sink, not in the arm.)
    // Map first, then choose by a mode enum read from configuration (a switch expression into a local).
    [Fact]
    public Task Map_first_then_choose_by_a_mode_enum() => BlindSnippet.Check("""
        public enum AddressingMode { Direct, Translated }
        public sealed class ModeRegs { [BusAddress] public ulong Buffer { get; set; } }
        public sealed class ModeDriver
        {
            private readonly DmaApi _dma;
            private readonly AddressingMode _mode;
            private readonly ModeRegs _regs;
            public ModeDriver(DmaApi dma, AddressingMode mode, ModeRegs regs) { _dma = dma; _mode = mode; _regs = regs; }
            public bool Give(KBuffer buf)
            {
                var m = _dma.MapSingle(buf, 0, buf.Length, DmaDirection.FromDevice);
                if (_dma.MappingError(m)) return false;
                var addr = {|DMA007:_mode|} switch
                {
                    AddressingMode.Direct => buf.PhysicalAddress.Value,
                    _ => m.Value,
                };
                _regs.Buffer = {|DMA001:addr|};
                return true;
            }
        }
        """);

    // (Corrected after the first run: DMA001 on the whole conditional given to the sink, not on its arm.)
    // A platform-info object (a record of firmware facts) decides, and VirtToPhys supplies the physical arm.
    [Fact]
    public Task Platform_info_record_and_virt_to_phys_in_a_conditional() => BlindSnippet.Check("""
        public sealed record PlatformInfo(bool Coherent, bool DirectDma);
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public sealed class InfoDriver
        {
            private readonly PlatformInfo _info;
            private readonly PhysicalMemory _memory;
            private readonly DmaApi _dma;
            private readonly VringDesc[] _desc = new VringDesc[16];
            public InfoDriver(PlatformInfo info, PhysicalMemory memory, DmaApi dma) { _info = info; _memory = memory; _dma = dma; }
            public bool Post(KBuffer buf)
            {
                DmaAddr m = default;
                if (!_info.DirectDma)
                {
                    m = _dma.MapSingle(buf, 0, buf.Length, DmaDirection.ToDevice);
                    if (_dma.MappingError(m)) return false;
                }
                _desc[0].Addr = {|DMA001:{|DMA007:_info.DirectDma|} ? _memory.VirtToPhys(buf).Value : m.Value|};
                return true;
            }
        }
        """);

    // Look-alike: the IOMMU decides the batch size and a log line only; every buffer is mapped.
    [Fact]
    public Task Look_alike_platform_decides_batch_size_and_logging() => BlindSnippet.Check("""
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public static class Trace { public static void Write(string s) { } }
        public sealed class Batcher
        {
            private readonly Device _dev;
            private readonly VringDesc[] _desc = new VringDesc[64];
            public Batcher(Device dev) { _dev = dev; }
            public int Post(KBuffer[] bufs)
            {
                int batch = _dev.Domain is null ? 64 : 16;
                if (_dev.Domain?.Kind == DomainKind.Identity) Trace.Write($"passthrough; first buffer at {bufs[0].PhysicalAddress}");
                int n = Math.Min(batch, bufs.Length);
                for (int i = 0; i < n; i++)
                {
                    var m = _dev.Dma.MapSingle(bufs[i], 0, bufs[i].Length, DmaDirection.ToDevice);
                    if (_dev.Dma.MappingError(m)) return i;
                    _desc[i].Addr = m.Value;
                }
                return n;
            }
        }
        """);

    // Look-alike: refusing to run without an IOMMU (a VFIO-style userspace driver's check), then mapping.
    [Fact]
    public Task Look_alike_refuses_to_run_without_an_iommu() => BlindSnippet.Check("""
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public sealed class StrictDriver
        {
            private readonly Machine _machine;
            private readonly DmaApi _dma;
            private readonly VringDesc[] _desc = new VringDesc[8];
            public StrictDriver(Machine machine, DmaApi dma) { _machine = machine; _dma = dma; }
            public bool Post(KBuffer buf)
            {
                if (_machine.Iommu is null) throw new NotSupportedException("needs an IOMMU");
                var m = _dma.MapSingle(buf, 0, buf.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(m)) return false;
                _desc[0].Addr = m.Value;
                return true;
            }
        }
        """);

    // Look-alike: the platform's own direct-DMA ops (configured as platform code) decide by the IOMMU and hand out
    // the physical address as the bus address — that is the DMA API's implementation, not a driver.
    [Fact]
    public Task Look_alike_platform_code_configured_as_platform() => BlindSnippet.Check("""
        namespace Arch
        {
            public sealed class DirectDmaOps
            {
                private readonly Machine _machine;
                public DirectDmaOps(Machine machine) { _machine = machine; }
                public DmaAddr Map(KBuffer buf, DmaApi dma, int len)
                {
                    if (_machine.Iommu is null) return new DmaAddr(buf.PhysicalAddress.Value);
                    var m = dma.MapSingle(buf, 0, len, DmaDirection.Bidirectional);
                    return m;
                }
            }
        }
        """, """
        T:Arch.DirectDmaOps ; platform
        """);

    // Look-alike: a choice on the data (a large buffer goes by scatter list), not on the platform; both arms map.
    [Fact]
    public Task Look_alike_choice_between_two_mappings() => BlindSnippet.Check("""
        public struct VringDesc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; public ushort Next; }
        public sealed class TwoWays
        {
            private readonly DmaApi _dma;
            private readonly bool _useBounceCopy;
            private readonly KBuffer _bounce;
            private readonly VringDesc[] _desc = new VringDesc[8];
            public TwoWays(DmaApi dma, bool useBounceCopy, KBuffer bounce) { _dma = dma; _useBounceCopy = useBounceCopy; _bounce = bounce; }
            public bool Post(KBuffer buf)
            {
                DmaAddr m;
                if (_useBounceCopy)
                {
                    buf.Span.CopyTo(_bounce.Span);
                    m = _dma.MapSingle(_bounce, 0, buf.Length, DmaDirection.ToDevice);
                }
                else
                {
                    m = _dma.MapSingle(buf, 0, buf.Length, DmaDirection.ToDevice);
                }
                if (_dma.MappingError(m)) return false;
                _desc[0].Addr = m.Value;
                return true;
            }
        }
        """);
}
