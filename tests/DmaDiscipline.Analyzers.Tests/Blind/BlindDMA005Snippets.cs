namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets of the second round for DMA005 (the CPU touches a streaming buffer the device owns), written from the
/// rule page before any of them ran, after the bugs swiotlb exposes (stale receive data without dma_sync_single_for_cpu,
/// a transmit header rewritten after dma_map_single). The look-alikes read a transmit buffer, sync around the access,
/// touch the buffer only after a failed map or after the unmap.
/// </summary>
public sealed class BlindDMA005Snippets
{
    // e1000 e1000_clean_rx_irq: the status/length is read from the receive buffer before dma_sync_single_for_cpu.
    [Fact]
    public Task Rx_header_read_before_sync_for_cpu() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class RxClean
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public RxClean(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public ushort Clean(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return 0;
                _ring.PostAndWait(a, 2048);
                ushort proto = BinaryPrimitives.ReadUInt16BigEndian({|DMA005:rx.Span|}.Slice(12));
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return proto;
            }
        }
        """);

    // A transmit header scrubbed (VLAN tag zeroed) after the map: with a bounce buffer the device sends the old bytes.
    [Fact]
    public Task Tx_header_written_after_the_map() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class TxScrub
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public TxScrub(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                {|DMA005:skb.Span|}[14] = 0;
                _ring.PostAndWait(a, 1514);
                _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
            }
        }
        """);

    // An ethertype written with BinaryPrimitives into a slice of the mapped transmit buffer.
    [Fact]
    public Task Tx_ethertype_written_through_binary_primitives_after_the_map() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class TxEtherType
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public TxEtherType(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb, ushort type)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                BinaryPrimitives.WriteUInt16BigEndian({|DMA005:skb.Span|}.Slice(12), type);
                _ring.PostAndWait(a, 1514);
                _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
            }
        }
        """);

    // An AHCI-style command table mapped bidirectional: the status byte is polled while the device owns it.
    [Fact]
    public Task Bidirectional_command_status_polled_while_the_device_owns_it() => BlindSnippet.CheckLifecycle("""
        public interface IPort { void Issue([BusAddress] DmaAddr table); }
        public sealed class CmdPoll
        {
            private readonly DmaApi _dma;
            private readonly IPort _port;
            public CmdPoll(DmaApi dma, IPort port) { _dma = dma; _port = port; }
            public bool Run(KBuffer table)
            {
                var a = _dma.MapSingle(table, 0, 256, DmaDirection.Bidirectional);
                if (_dma.MappingError(a))
                    return false;
                _port.Issue(a);
                bool done = {|DMA005:table.Span|}[0x40] != 0;
                _dma.UnmapSingle(a, 256, DmaDirection.Bidirectional);
                return done;
            }
        }
        """);

    // Copybreak: sync for the CPU, copy the small frame out, sync for the device to recycle — then a statistics read of
    // the buffer after it went back to the device.
    [Fact]
    public Task Read_after_the_buffer_was_given_back_with_sync_for_device() => BlindSnippet.CheckLifecycle("""
        public sealed class Copybreak
        {
            private readonly DmaApi _dma;
            private long _bytes;
            public Copybreak(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer rx, byte[] copy)
            {
                var a = _dma.MapSingle(rx, 0, 256, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.SyncForCpu(a, 256, DmaDirection.FromDevice);
                rx.Span.Slice(0, 128).CopyTo(copy);
                _dma.SyncForDevice(a, 256, DmaDirection.FromDevice);
                _bytes += {|DMA005:rx.Span|}[0];
                _dma.UnmapSingle(a, 256, DmaDirection.FromDevice);
            }
        }
        """);

    // The driver's own helper maps the receive buffer; the caller reads it before any sync.
    [Fact]
    public Task Buffer_mapped_by_a_helper_read_before_sync() => BlindSnippet.CheckLifecycle("""
        public sealed class HelperRx
        {
            private readonly DmaApi _dma;
            public HelperRx(DmaApi dma) { _dma = dma; }
            private DmaAddr MapRx(KBuffer b) => _dma.MapSingle(b, 0, 2048, DmaDirection.FromDevice);
            public byte Peek(KBuffer rx)
            {
                var a = MapRx(rx);
                if (_dma.MappingError(a))
                    return 0;
                byte first = {|DMA005:rx.Span|}[0];
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return first;
            }
        }
        """);

    // A receive buffer kept in a field, mapped and read in one method (a polled-mode driver).
    [Fact]
    public Task Field_buffer_read_while_mapped_from_device() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class FieldRx
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            private readonly KBuffer _rx;
            public FieldRx(DmaApi dma, IRxRing ring, KBuffer rx) { _dma = dma; _ring = ring; _rx = rx; }
            public int Poll()
            {
                var a = _dma.MapSingle(_rx, 0, 512, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return -1;
                _ring.PostAndWait(a, 512);
                int len = {|DMA005:_rx.Span|}[2] | (_rx.Span[3] << 8);
                _dma.UnmapSingle(a, 512, DmaDirection.FromDevice);
                return len;
            }
        }
        """);

    // An async receive: awaiting the device's completion, then copying the payload out without a sync.
    [Fact]
    public Task Async_completion_copies_out_before_the_unmap() => BlindSnippet.CheckLifecycle("""
        public interface IAsyncRx { Task ReceiveAsync([BusAddress] DmaAddr address, int length); }
        public sealed class AsyncRx
        {
            private readonly DmaApi _dma;
            private readonly IAsyncRx _q;
            public AsyncRx(DmaApi dma, IAsyncRx q) { _dma = dma; _q = q; }
            public async Task<byte[]> ReadAsync(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 1024, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return Array.Empty<byte>();
                await _q.ReceiveAsync(a, 1024);
                var data = {|DMA005:rx.Span|}.Slice(0, 1024).ToArray();
                _dma.UnmapSingle(a, 1024, DmaDirection.FromDevice);
                return data;
            }
        }
        """);

    // A switch on the descriptor type byte read from the receive buffer before the sync.
    [Fact]
    public Task Switch_on_a_byte_read_before_sync() => BlindSnippet.CheckLifecycle("""
        public sealed class SwitchRx
        {
            private readonly DmaApi _dma;
            public SwitchRx(DmaApi dma) { _dma = dma; }
            public int Kind(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 64, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return -1;
                int kind = {|DMA005:rx.Span|}[0] switch { 0x01 => 1, 0x02 => 2, _ => 0 };
                _dma.UnmapSingle(a, 64, DmaDirection.FromDevice);
                return kind;
            }
        }
        """);

    // Look-alike: a transmit buffer read after the map (software checksum over what was mapped).
    [Fact]
    public Task Look_alike_transmit_buffer_read_after_the_map() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class TxCsum
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public TxCsum(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public uint Xmit(KBuffer skb)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return 0;
                uint sum = 0;
                foreach (var b in skb.Span.Slice(0, 1514))
                    sum += b;
                _ring.PostAndWait(a, 1514);
                _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
                return sum;
            }
        }
        """);

    // Look-alike: the receive path syncs for the CPU, reads, and gives the buffer back before reposting.
    [Fact]
    public Task Look_alike_sync_read_sync_back() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class SyncedRx
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public SyncedRx(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public ushort Clean(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return 0;
                _ring.PostAndWait(a, 2048);
                _dma.SyncForCpu(a, 2048, DmaDirection.FromDevice);
                ushort proto = BinaryPrimitives.ReadUInt16BigEndian(rx.Span.Slice(12));
                _dma.SyncForDevice(a, 2048, DmaDirection.FromDevice);
                _ring.PostAndWait(a, 2048);
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                return proto;
            }
        }
        """);

    // Look-alike: the failed mapping leaves the buffer to the CPU (it is cleared and recycled).
    [Fact]
    public Task Look_alike_buffer_cleared_after_a_failed_map() => BlindSnippet.CheckLifecycle("""
        public sealed class FailedMap
        {
            private readonly DmaApi _dma;
            private readonly DmaAddr[] _slots = new DmaAddr[16];
            public FailedMap(DmaApi dma) { _dma = dma; }
            public bool Refill(int i, KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                {
                    rx.Span.Clear();
                    return false;
                }
                _slots[i] = a;
                return true;
            }
        }
        """);

    // Look-alike: the payload is read after the unmap (the buffer is the CPU's again).
    [Fact]
    public Task Look_alike_read_after_the_unmap() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class UnmappedRead
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public UnmappedRead(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public byte[] Receive(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 1024, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return Array.Empty<byte>();
                _ring.PostAndWait(a, 1024);
                _dma.UnmapSingle(a, 1024, DmaDirection.FromDevice);
                return rx.Span.Slice(0, 1024).ToArray();
            }
        }
        """);

    // Look-alike: a transmit frame filled before the map, only read (logged length) after it.
    [Fact]
    public Task Look_alike_transmit_filled_before_the_map() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void PostAndWait([BusAddress] DmaAddr address, int length); }
        public sealed class FillFirst
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public FillFirst(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb, ReadOnlySpan<byte> frame)
            {
                frame.CopyTo(skb.Span);
                var a = _dma.MapSingle(skb, 0, frame.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                Console.WriteLine(skb.Span[0]);
                _ring.PostAndWait(a, frame.Length);
                _dma.UnmapSingle(a, frame.Length, DmaDirection.ToDevice);
            }
        }
        """);
}
