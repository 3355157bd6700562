namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets for DMA003 (a mapped address used before its mapping-error check), written from the rule page
/// before any of them ran. The look-alikes check through a bool local, a helper that refuses the handle, and a
/// configured framework's own check.
/// </summary>
public sealed class BlindDMA003Snippets
{
    // ixgbe-style RX refill: the mapping goes into the descriptor and the shadow ring, the check is forgotten.
    [Fact]
    public Task Rx_refill_without_a_check() => BlindSnippet.Check("""
        public struct AdvRxDesc { [BusAddress] public ulong PktAddr; [BusAddress] public ulong HdrAddr; }
        public sealed class IxgbeRx
        {
            private readonly DmaApi _dma;
            private readonly AdvRxDesc[] _ring = new AdvRxDesc[512];
            private readonly DmaAddr[] _shadow = new DmaAddr[512];
            public IxgbeRx(DmaApi dma) { _dma = dma; }
            public void Refill(int i, KBuffer page)
            {
                var m = _dma.MapSingle(page, 0, 2048, DmaDirection.FromDevice);
                _shadow[i] = m;
                _ring[i].PktAddr = {|DMA003:m.Value|};
                _ring[i].HdrAddr = 0;
            }
        }
        """);

    // The driver's own "failed" helper returns the check; the failure is only counted, the path goes on.
    [Fact]
    public Task Check_through_a_helper_whose_failure_is_only_counted() => BlindSnippet.Check("""
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class CountingTx
        {
            private readonly DmaApi _dma;
            private long _mapErrors;
            public CountingTx(DmaApi dma) { _dma = dma; }
            private bool Failed(DmaAddr a) => _dma.MappingError(a);
            public void Xmit(ITxQueue q, KBuffer skb, int len)
            {
                var m = _dma.MapSingle(skb, 0, len, DmaDirection.ToDevice);
                if (Failed(m)) _mapErrors++;
                q.Post({|DMA003:m|}, len);
            }
        }
        """);

    // A hand-written scatter loop maps each fragment but checks only the first one.
    [Fact]
    public Task Fragments_mapped_in_a_loop_only_the_first_checked() => BlindSnippet.Check("""
        public struct TxFrag { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class FragTx
        {
            private readonly DmaApi _dma;
            private readonly TxFrag[] _frags = new TxFrag[16];
            public FragTx(DmaApi dma) { _dma = dma; }
            public bool Xmit(KBuffer[] frags)
            {
                for (int i = 0; i < frags.Length; i++)
                {
                    var m = _dma.MapSingle(frags[i], 0, frags[i].Length, DmaDirection.ToDevice);
                    if (i == 0 && _dma.MappingError(m)) return false;
                    _frags[i].Addr = {|DMA003:m.Value|};
                    _frags[i].Len = (uint)frags[i].Length;
                }
                return true;
            }
        }
        """);

    // A vendor HAL configured by a symbols file: its map returns a handle, its check is Failed; the handle's raw
    // number goes to a queue register before the check.
    [Fact]
    public Task Configured_framework_map_used_before_its_check() => BlindSnippet.Check("""
        namespace Vendor
        {
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } }
            public enum XferDirection { ToDevice, FromDevice }
            public sealed class Buf { public int Length; }
            public static class Dma
            {
                public static IoAddr Map(Buf b, int len, XferDirection d) => default;
                public static void Unmap(IoAddr a, int len, XferDirection d) { }
                public static bool Failed(IoAddr a) => false;
            }
            public static class Hal { public static void WriteQueue(int queue, ulong address) { } }
            public sealed class Spi
            {
                public bool Start(Buf b)
                {
                    var a = Dma.Map(b, b.Length, XferDirection.ToDevice);
                    Hal.WriteQueue(0, {|DMA003:a.Raw|});
                    if (Dma.Failed(a)) return false;
                    return true;
                }
            }
        }
        """, """
        T:Vendor.IoAddr ; bus-address
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Unmap(Vendor.IoAddr,System.Int32,Vendor.XferDirection) ; unmap
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        M:Vendor.Hal.WriteQueue(System.Int32,System.UInt64) ; bus-sink(address)
        """);

    // A mapping kept in a request record (a class made in the body) and synced for the device before the check.
    [Fact]
    public Task Request_record_synced_before_the_check() => BlindSnippet.Check("""
        public sealed class Request { public DmaAddr Data; public int Length; }
        public sealed class BlkQueue
        {
            private readonly DmaApi _dma;
            public BlkQueue(DmaApi dma) { _dma = dma; }
            public Request? Prepare(KBuffer data)
            {
                var req = new Request { Data = _dma.MapSingle(data, 0, data.Length, DmaDirection.ToDevice), Length = data.Length };
                _dma.SyncForDevice({|DMA003:req.Data|}, req.Length, DmaDirection.ToDevice);
                if (_dma.MappingError(req.Data)) return null;
                return req;
            }
        }
        """);

    // Look-alike: the check held in a bool local, failing with an errno-style code.
    [Fact]
    public Task Look_alike_check_in_a_bool_local_with_an_errno_return() => BlindSnippet.Check("""
        public struct TxFrag { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class ErrnoTx
        {
            private const int ENOMEM = 12;
            private readonly DmaApi _dma;
            private readonly TxFrag[] _frags = new TxFrag[16];
            public ErrnoTx(DmaApi dma) { _dma = dma; }
            public int Xmit(KBuffer skb)
            {
                var m = _dma.MapSingle(skb, 0, skb.Length, DmaDirection.ToDevice);
                bool bad = _dma.MappingError(m);
                if (bad) { return -ENOMEM; }
                _frags[0].Addr = m.Value;
                return 0;
            }
        }
        """);

    // Look-alike: the handle given to a helper of the driver that checks it and refuses to post a failed one.
    [Fact]
    public Task Look_alike_handle_given_to_a_helper_that_checks_it() => BlindSnippet.Check("""
        public interface ITxQueue { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class HelperTx
        {
            private readonly DmaApi _dma;
            public HelperTx(DmaApi dma) { _dma = dma; }
            private bool TryPost(ITxQueue q, DmaAddr a, int len)
            {
                if (_dma.MappingError(a)) return false;
                q.Post(a, len);
                return true;
            }
            public bool Xmit(ITxQueue q, KBuffer skb)
            {
                var m = _dma.MapSingle(skb, 0, skb.Length, DmaDirection.ToDevice);
                return TryPost(q, m, skb.Length);
            }
        }
        """);

    // Look-alike: a configured framework's check with `is false` pattern before the register write.
    [Fact]
    public Task Look_alike_configured_check_with_a_pattern() => BlindSnippet.Check("""
        namespace Vendor
        {
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } }
            public enum XferDirection { ToDevice, FromDevice }
            public sealed class Buf { public int Length; }
            public static class Dma
            {
                public static IoAddr Map(Buf b, int len, XferDirection d) => default;
                public static bool Failed(IoAddr a) => false;
            }
            public static class Hal { public static void WriteQueue(int queue, ulong address) { } }
            public sealed class Spi
            {
                public bool Start(Buf b)
                {
                    var a = Dma.Map(b, b.Length, XferDirection.ToDevice);
                    if (Dma.Failed(a) is false)
                    {
                        Hal.WriteQueue(0, a.Raw);
                        return true;
                    }
                    return false;
                }
            }
        }
        """, """
        T:Vendor.IoAddr ; bus-address
        M:Vendor.Dma.Map(Vendor.Buf,System.Int32,Vendor.XferDirection) ; map
        M:Vendor.Dma.Failed(Vendor.IoAddr) ; mapping-error-check
        M:Vendor.Hal.WriteQueue(System.Int32,System.UInt64) ; bus-sink(address)
        """);
}
