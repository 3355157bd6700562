namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets of the second round for DMA004 (an unmap or sync whose length or direction is not the map's), written
/// from the rule page before any of them ran, after dma-debug's "device driver frees DMA memory with different size"
/// and "with different direction" reports. The look-alikes sync a sub-range, fold constants to the same length, and
/// take a ToDevice buffer back to write it.
/// </summary>
public sealed class BlindDMA004Snippets
{
    // ftgmac100: "map size=1536 bytes, unmap size=42 bytes" — the received frame's length given to the unmap.
    [Fact]
    public Task Ftgmac100_unmap_with_the_frame_length() => BlindSnippet.CheckLifecycle("""
        public sealed class FtgRx
        {
            private const int RxBufSize = 1536;
            private const int ArpFrame = 42;
            private readonly DmaApi _dma;
            public FtgRx(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, RxBufSize, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, {|DMA004:ArpFrame|}, DmaDirection.FromDevice);
            }
        }
        """);

    // virtio-net free_old_xmit: the transmit buffer mapped DMA_TO_DEVICE is unmapped DMA_FROM_DEVICE.
    [Fact]
    public Task Virtio_free_old_xmit_unmaps_with_the_wrong_direction() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class FreeOldXmit
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public FreeOldXmit(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                _ring.PostAndWait(a, 1514);
                _dma.UnmapSingle(a, 1514, {|DMA004:DmaDirection.FromDevice|});
            }
        }
        """);

    // A sync for the CPU with DMA_BIDIRECTIONAL on a DMA_FROM_DEVICE mapping (a driver that "plays safe").
    [Fact]
    public Task Sync_with_bidirectional_on_a_from_device_mapping() => BlindSnippet.CheckLifecycle("""
        public sealed class SafeSync
        {
            private readonly DmaApi _dma;
            public SafeSync(DmaApi dma) { _dma = dma; }
            public byte Peek(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return 0;
                _dma.SyncForCpu(a, 64, {|DMA004:DmaDirection.Bidirectional|});
                byte b = buf.Span[0];
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return b;
            }
        }
        """);

    // A copybreak sync larger than the mapping (the sync covers the full page while only the header was mapped).
    [Fact]
    public Task Sync_longer_than_the_mapping() => BlindSnippet.CheckLifecycle("""
        public sealed class LongSync
        {
            private const int HeaderLen = 256;
            private const int PageLen = 4096;
            private readonly DmaApi _dma;
            public LongSync(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, HeaderLen, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.SyncForCpu(a, {|DMA004:PageLen|}, DmaDirection.FromDevice);
                _dma.UnmapSingle(a, HeaderLen, DmaDirection.FromDevice);
            }
        }
        """);

    // A sync for the CPU of a ToDevice mapping after transmit completion, with nothing written afterwards: pointless
    // (info level, on the call).
    [Fact]
    public Task Pointless_sync_for_cpu_of_a_transmit_buffer() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class PointlessSync
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public PointlessSync(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                _ring.PostAndWait(a, 1514);
                {|DMA004:_dma.SyncForCpu(a, 1514, DmaDirection.ToDevice)|};
                _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
            }
        }
        """);

    // ixgbe header split / copybreak: a small or a large mapping in the two arms of an `if`, one unmap with the large
    // length — wrong for the small one.
    [Fact]
    public Task Unmap_after_an_if_of_two_maps_with_one_length() => BlindSnippet.CheckLifecycle("""
        public sealed class SplitRx
        {
            private readonly DmaApi _dma;
            public SplitRx(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer buf, bool small)
            {
                DmaAddr a;
                if (small)
                    a = _dma.MapSingle(buf, 0, 256, DmaDirection.FromDevice);
                else
                    a = _dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, {|DMA004:2048|}, DmaDirection.FromDevice);
            }
        }
        """);

    // The FCS is added to the length after the map (the length local is reused for the frame): unmap size differs.
    [Fact]
    public Task Length_local_grown_after_the_map() => BlindSnippet.CheckLifecycle("""
        public sealed class FcsTx
        {
            private readonly DmaApi _dma;
            public FcsTx(DmaApi dma) { _dma = dma; }
            public void Xmit(KBuffer skb)
            {
                int len = 1514;
                var a = _dma.MapSingle(skb, 0, len, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                len += 4;
                _dma.UnmapSingle(a, {|DMA004:len|}, DmaDirection.ToDevice);
            }
        }
        """);

    // A record struct slot copied `with` a new length (the C# idiom for "update one field"): the unmap takes the copy's
    // length, not the map's.
    [Fact]
    public Task Record_with_changes_the_length_given_to_the_unmap() => BlindSnippet.CheckLifecycle("""
        public readonly record struct Slot(DmaAddr Addr, int Len);
        public sealed class WithSlot
        {
            private readonly DmaApi _dma;
            public WithSlot(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer buf)
            {
                var s = new Slot(_dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice), 2048);
                if (_dma.MappingError(s.Addr))
                    return;
                var t = s with { Len = 1024 };
                _dma.UnmapSingle(t.Addr, {|DMA004:t.Len|}, DmaDirection.FromDevice);
            }
        }
        """);

    // The driver's own map helper fixes length and direction; the caller unmaps with the opposite direction.
    [Fact]
    public Task Helper_map_unmapped_with_the_wrong_direction() => BlindSnippet.CheckLifecycle("""
        public sealed class HelperDir
        {
            private readonly DmaApi _dma;
            public HelperDir(DmaApi dma) { _dma = dma; }
            private DmaAddr MapRx(KBuffer b) => _dma.MapSingle(b, 0, 2048, DmaDirection.FromDevice);
            public void Poll(KBuffer buf)
            {
                var a = MapRx(buf);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 2048, {|DMA004:DmaDirection.ToDevice|});
            }
        }
        """);

    // A vendor HAL configured in the symbols file (its own direction enum, its own size parameter): the completion path
    // unmaps with a different size.
    [Fact]
    public Task Vendor_hal_unmap_with_a_different_size() => BlindSnippet.CheckLifecycle("""
        namespace Hal
        {
            public enum HalDirection { ToDevice, FromDevice, Bidirectional }
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } }
            public static class Dev
            {
                public static IoAddr Map(object dev, byte[] buf, int size, HalDirection dir) => default;
                public static void Unmap(object dev, IoAddr addr, int size, HalDirection dir) { }
                public static bool IsError(IoAddr a) => a.Raw == ulong.MaxValue;
            }
            public sealed class HalUser
            {
                public void Io(object dev, byte[] buf)
                {
                    var io = Dev.Map(dev, buf, 512, HalDirection.ToDevice);
                    if (Dev.IsError(io))
                        return;
                    Dev.Unmap(dev, io, {|DMA004:4096|}, HalDirection.ToDevice);
                }
            }
        }
        """, """
        T:Hal.IoAddr ; bus-address
        M:Hal.Dev.Map(System.Object,System.Byte[],System.Int32,Hal.HalDirection) ; map
        M:Hal.Dev.Unmap(System.Object,Hal.IoAddr,System.Int32,Hal.HalDirection) ; unmap
        M:Hal.Dev.IsError(Hal.IoAddr) ; mapping-error-check
        """);

    // A tuple local holds (mapping, length); the unmap passes the tuple's address and a literal that is not the map's.
    [Fact]
    public Task Tuple_member_unmapped_with_a_different_length() => BlindSnippet.CheckLifecycle("""
        public sealed class TupleLen
        {
            private readonly DmaApi _dma;
            public TupleLen(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer buf)
            {
                var t = (A: _dma.MapSingle(buf, 0, 1024, DmaDirection.FromDevice), N: 1024);
                if (_dma.MappingError(t.A))
                    return;
                _dma.UnmapSingle(t.A, {|DMA004:512|}, DmaDirection.FromDevice);
            }
        }
        """);

    // Look-alike: a sync of the header sub-range, then the unmap of the whole buffer.
    [Fact]
    public Task Look_alike_sync_of_a_sub_range() => BlindSnippet.CheckLifecycle("""
        public sealed class SubRange
        {
            private readonly DmaApi _dma;
            public SubRange(DmaApi dma) { _dma = dma; }
            public ushort EtherType(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 1536, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return 0;
                _dma.SyncForCpu(a, 14, DmaDirection.FromDevice);
                ushort t = BinaryPrimitives.ReadUInt16BigEndian(buf.Span.Slice(12));
                _dma.UnmapSingle(a, 1536, DmaDirection.FromDevice);
                return t;
            }
        }
        """);

    // Look-alike: the length is a folded expression of constants at the map, the same sum spelled differently at the unmap.
    [Fact]
    public Task Look_alike_folded_constant_lengths() => BlindSnippet.CheckLifecycle("""
        public sealed class Folded
        {
            private const int Hdr = 12;
            private const int Payload = 4084;
            private readonly DmaApi _dma;
            public Folded(DmaApi dma) { _dma = dma; }
            public void Io(KBuffer buf)
            {
                int total = Hdr + Payload;
                var a = _dma.MapSingle(buf, 0, Hdr + Payload, DmaDirection.Bidirectional);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, total, DmaDirection.Bidirectional);
            }
        }
        """);

    // Look-alike: a transmit buffer taken back by the CPU to patch a checksum, then given back (SyncForCpu of a ToDevice
    // mapping followed by a write is not pointless).
    [Fact]
    public Task Look_alike_sync_for_cpu_of_a_transmit_buffer_then_a_write() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class PatchCsum
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public PatchCsum(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb, ushort csum)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.SyncForCpu(a, 64, DmaDirection.ToDevice);
                BinaryPrimitives.WriteUInt16BigEndian(skb.Span.Slice(50), csum);
                _dma.SyncForDevice(a, 64, DmaDirection.ToDevice);
                _ring.PostAndWait(a, 1514);
                _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
            }
        }
        """);

    // Look-alike: the unmap in a completion handler reads the length from the per-slot array (not compared across
    // methods by design; the debug layer checks it at run time).
    [Fact]
    public Task Look_alike_completion_unmaps_with_the_recorded_length() => BlindSnippet.CheckLifecycle("""
        public sealed class Recorded
        {
            private readonly DmaApi _dma;
            private readonly DmaAddr[] _addr = new DmaAddr[64];
            private readonly int[] _len = new int[64];
            public Recorded(DmaApi dma) { _dma = dma; }
            public bool Fill(int i, KBuffer b, int len)
            {
                var a = _dma.MapSingle(b, 0, len, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return false;
                _addr[i] = a;
                _len[i] = len;
                return true;
            }
            public void Complete(int i) => _dma.UnmapSingle(_addr[i], _len[i], DmaDirection.FromDevice);
        }
        """);
}
