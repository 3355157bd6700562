namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets of the second round for DMA002 (a mapping or coherent buffer not released on some path), written
/// from the rule page before any of them ran, in the shapes dma-debug's "device driver has pending DMA allocations"
/// at unbind, Driver Verifier's DMA checks and Coccinelle's missing-unmap scripts find in real drivers. The
/// look-alikes release on every path, hand the mapping over (ring, request, field, out, return), or map persistently.
/// </summary>
public sealed class BlindDMA002Snippets
{
    // Linux e1000 e1000_alloc_rx_buffers: the buffer is mapped and checked, then the refill loop gives up because the
    // ring caught up with the cleaner and returns with the fresh mapping neither posted nor unmapped.
    [Fact]
    public Task E1000_rx_refill_returns_with_a_mapping_when_the_ring_is_full() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { bool Full { get; } void Post([BusAddress] DmaAddr address, int length); }
        public sealed class E1000Rx
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            private long _allocFailed;
            public E1000Rx(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public void AllocRxBuffers(KBuffer[] pages, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    var a = {|DMA002:_dma.MapSingle(pages[i], 0, 2048, DmaDirection.FromDevice)|};
                    if (_dma.MappingError(a)) { _allocFailed++; break; }
                    if (_ring.Full) return;
                    _ring.Post(a, 2048);
                }
            }
        }
        """);

    // Linux probe error path (the classic Coccinelle "dma_alloc_coherent without dma_free_coherent on error"): the
    // descriptor ring is allocated, then the interrupt cannot be requested and probe fails with the ring still held.
    [Fact]
    public Task Probe_fails_after_the_coherent_ring_was_allocated() => BlindSnippet.CheckLifecycle("""
        public interface IIrq { bool Request(int vector); }
        public sealed class NicProbe
        {
            private CoherentBuffer? _ring;
            public int Probe(DmaApi dma, IIrq irq)
            {
                var ring = {|DMA002:dma.AllocCoherent(4096)|};
                if (!irq.Request(11))
                    return -16;
                _ring = ring;
                return 0;
            }
        }
        """);

    // NVMe nvme_setup_prps: the PRP list page is allocated from coherent memory, then a too-long transfer is refused
    // with -EINVAL before the list is given to the submission queue entry.
    [Fact]
    public Task Nvme_prp_list_leaked_when_the_transfer_is_refused() => BlindSnippet.CheckLifecycle("""
        public struct SqEntry { [BusAddress] public ulong Prp1; [BusAddress] public ulong Prp2; public uint Cdw10; }
        public sealed class NvmeRq
        {
            private const int MaxTransfer = 128 * 1024;
            private readonly DmaApi _dma;
            private readonly SqEntry[] _sq = new SqEntry[64];
            public NvmeRq(DmaApi dma) { _dma = dma; }
            public int SetupPrps(int slot, DmaAddr first, int length)
            {
                var prpList = {|DMA002:_dma.AllocCoherent(4096)|};
                if (length > MaxTransfer)
                    return -22;
                _sq[slot].Prp1 = first.Value;
                _sq[slot].Prp2 = prpList.DmaAddress.Value;
                return 0;
            }
        }
        """);

    // A synchronous mailbox (post, wait, unmap) whose timeout throws: Driver Verifier's "DMA transfer not completed /
    // map register leak" on the exception path. The throw comes after the post, and the body unmaps after the post on
    // every return, so the page says the throw leaks.
    [Fact]
    public Task Synchronous_mailbox_throws_on_timeout_without_unmapping() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void Post([BusAddress] DmaAddr command, int length); }
        public sealed class Mailbox
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            private readonly ManualResetEventSlim _done = new();
            public Mailbox(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Execute(KBuffer command)
            {
                var a = {|DMA002:_dma.MapSingle(command, 0, 64, DmaDirection.ToDevice)|};
                if (_dma.MappingError(a))
                    return false;
                _mbox.Post(a, 64);
                if (!_done.Wait(100))
                    throw new TimeoutException("mailbox command timed out");
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                return true;
            }
        }
        """);

    // The Linux goto ladder with one label too low: the second map's failure jumps to "fail", past the unmap of the
    // header (the bug class Coccinelle's goto-unwinding scripts report).
    [Fact]
    public Task Goto_ladder_skips_the_header_unmap_when_the_payload_map_fails() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void Post2([BusAddress] DmaAddr header, [BusAddress] DmaAddr payload); }
        public sealed class GotoTx
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public GotoTx(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public bool Xmit(KBuffer header, KBuffer payload, int len)
            {
                var hdr = {|DMA002:_dma.MapSingle(header, 0, 64, DmaDirection.ToDevice)|};
                if (_dma.MappingError(hdr))
                    goto fail;
                var data = _dma.MapSingle(payload, 0, len, DmaDirection.ToDevice);
                if (_dma.MappingError(data))
                    goto fail;
                _ring.Post2(hdr, data);
                return true;
            fail:
                return false;
            }
        }
        """);

    // An exception filter (`when`) around a trace call that may throw: the handler swallows the error and returns
    // while the mapping made before the try is still live (the try's trace runs before the handle is posted).
    [Fact]
    public Task When_filtered_handler_returns_with_the_mapping_live() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Tracer { public void Trace(string what) { if (what.Length == 0) throw new System.IO.IOException("trace", 5); } }
        public sealed class FilteredTx
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            private readonly Tracer _trace = new();
            public FilteredTx(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public bool Xmit(KBuffer skb)
            {
                var a = {|DMA002:_dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice)|};
                if (_dma.MappingError(a))
                    return false;
                try
                {
                    _trace.Trace("xmit");
                    _ring.Post(a, 1514);
                }
                catch (System.IO.IOException ex) when (ex.HResult == 5)
                {
                    return false;
                }
                return true;
            }
        }
        """);

    // An async submit path (a Windows KMDF-style request completed later): cancellation is honoured between the map
    // and the post, returning false with the mapping live.
    [Fact]
    public Task Async_submit_cancelled_between_map_and_post() => BlindSnippet.CheckLifecycle("""
        public interface IAsyncQueue { Task PostAsync([BusAddress] DmaAddr address, int length); }
        public sealed class AsyncSubmit
        {
            private readonly DmaApi _dma;
            private readonly IAsyncQueue _q;
            public AsyncSubmit(DmaApi dma, IAsyncQueue q) { _dma = dma; _q = q; }
            public async Task<bool> SubmitAsync(KBuffer buf, CancellationToken ct)
            {
                var a = {|DMA002:_dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice)|};
                if (_dma.MappingError(a))
                    return false;
                if (ct.IsCancellationRequested)
                    return false;
                await _q.PostAsync(a, 512);
                return true;
            }
        }
        """);

    // Look-alike of the async path: the await is inside try/finally, the unmap in finally (a synchronous command that
    // waits for its completion).
    [Fact]
    public Task Look_alike_async_command_unmapped_in_finally() => BlindSnippet.CheckLifecycle("""
        public interface IAsyncQueue { Task ExecuteAsync([BusAddress] DmaAddr address, int length); }
        public sealed class AsyncCommand
        {
            private readonly DmaApi _dma;
            private readonly IAsyncQueue _q;
            public AsyncCommand(DmaApi dma, IAsyncQueue q) { _dma = dma; _q = q; }
            public async Task<bool> RunAsync(KBuffer cmd, CancellationToken ct)
            {
                var a = _dma.MapSingle(cmd, 0, 64, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return false;
                try
                {
                    if (ct.IsCancellationRequested)
                        return false;
                    await _q.ExecuteAsync(a, 64);
                    return true;
                }
                finally
                {
                    _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                }
            }
        }
        """);

    // virtio-net start_xmit: the ring has no free descriptor; the loop breaks out with the packet's mapping made.
    [Fact]
    public Task Xmit_loop_breaks_out_on_a_full_ring_with_the_mapping_made() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { int FreeSlots { get; } void Post([BusAddress] DmaAddr address, int length); }
        public sealed class XmitLoop
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            private readonly Queue<KBuffer> _backlog = new();
            public XmitLoop(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public int Drain()
            {
                int sent = 0;
                while (_backlog.TryDequeue(out var pkt))
                {
                    var a = {|DMA002:_dma.MapSingle(pkt, 0, pkt.Length, DmaDirection.ToDevice)|};
                    if (_dma.MappingError(a))
                        continue;
                    if (_ring.FreeSlots == 0)
                        break;
                    _ring.Post(a, pkt.Length);
                    sent++;
                }
                return sent;
            }
        }
        """);

    // A retry loop (ath10k-style "retry the map a few times under memory pressure"): the failed attempts hold nothing,
    // the good one is posted. Look-alike: quiet.
    [Fact]
    public Task Look_alike_map_retried_until_it_succeeds() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class RetryMap
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            public RetryMap(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public bool Send(KBuffer buf)
            {
                DmaAddr a;
                int tries = 0;
                while (true)
                {
                    a = _dma.MapSingle(buf, 0, 256, DmaDirection.ToDevice);
                    if (!_dma.MappingError(a))
                        break;
                    if (++tries == 3)
                        return false;
                    Thread.Sleep(1);
                }
                _ring.Post(a, 256);
                return true;
            }
        }
        """);

    // blk-mq style: the mapping is kept in a dictionary keyed by the request tag, the completion unmaps it. Look-alike.
    [Fact]
    public Task Look_alike_mapping_kept_in_a_dictionary_keyed_by_tag() => BlindSnippet.CheckLifecycle("""
        public interface ISq { void Submit(ushort tag, [BusAddress] DmaAddr data, int length); }
        public sealed class TaggedQueue
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            private readonly Dictionary<ushort, DmaAddr> _inflight = new();
            public TaggedQueue(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public bool Queue(ushort tag, KBuffer data)
            {
                var a = _dma.MapSingle(data, 0, 4096, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return false;
                _inflight[tag] = a;
                _sq.Submit(tag, a, 4096);
                return true;
            }
            public void Complete(ushort tag)
            {
                if (_inflight.Remove(tag, out var a))
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
            }
        }
        """);

    // A request object (SCSI midlayer's scsi_cmnd, a KMDF request context) holds the mapping; a completion callback
    // releases it. Look-alike: the object owns it.
    [Fact]
    public Task Look_alike_request_object_released_in_a_callback() => BlindSnippet.CheckLifecycle("""
        public sealed class Request
        {
            public DmaAddr Addr;
            public int Length;
            public Action<Request>? OnComplete;
        }
        public interface IHost { void Queue(Request rq); }
        public sealed class ScsiLike
        {
            private readonly DmaApi _dma;
            private readonly IHost _host;
            public ScsiLike(DmaApi dma, IHost host) { _dma = dma; _host = host; }
            public bool Issue(KBuffer sense)
            {
                var a = _dma.MapSingle(sense, 0, 96, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return false;
                var rq = new Request { Addr = a, Length = 96 };
                rq.OnComplete = r => _dma.UnmapSingle(r.Addr, 96, DmaDirection.FromDevice);
                _host.Queue(rq);
                return true;
            }
        }
        """);

    // A `using`-scoped mapping struct (RAII in the style of a C++ dma_map guard): the constructor maps and checks, Dispose
    // unmaps, the caller returns early inside the using. Look-alike.
    [Fact]
    public Task Look_alike_using_scoped_mapping_guard() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); }
        public readonly struct MappedCommand : IDisposable
        {
            private readonly DmaApi _dma;
            public readonly DmaAddr Addr;
            public readonly bool Failed;
            public MappedCommand(DmaApi dma, KBuffer buf)
            {
                _dma = dma;
                Addr = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                Failed = dma.MappingError(Addr);
            }
            public void Dispose()
            {
                if (!Failed)
                    _dma.UnmapSingle(Addr, 64, DmaDirection.ToDevice);
            }
        }
        public sealed class GuardUser
        {
            public bool Run(DmaApi dma, IMailbox mbox, KBuffer cmd, bool removed)
            {
                using var m = new MappedCommand(dma, cmd);
                if (m.Failed || removed)
                    return false;
                mbox.PostAndWait(m.Addr, 64);
                return true;
            }
        }
        """);

    // An iterator helper maps each fragment lazily; the caller takes the first, checks it, and a size check returns
    // without the unmap the success path does.
    [Fact]
    public Task Iterator_helper_first_element_leaked_on_a_size_check() => BlindSnippet.CheckLifecycle("""
        using System.Linq;
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); }
        public sealed class LazyFrags
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public LazyFrags(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            private IEnumerable<DmaAddr> MapAll(KBuffer[] frags)
            {
                foreach (var f in frags)
                    yield return _dma.MapSingle(f, 0, 256, DmaDirection.ToDevice);
            }
            public bool SendFirst(KBuffer[] frags, int limit)
            {
                var a = {|DMA002:MapAll(frags).First()|};
                if (_dma.MappingError(a))
                    return false;
                if (frags.Length > limit)
                    return false;
                _mbox.PostAndWait(a, 256);
                _dma.UnmapSingle(a, 256, DmaDirection.ToDevice);
                return true;
            }
        }
        """);

    // A positional record struct holding the slot's mapping (a C# port of a `struct rx_buffer { dma_addr_t dma; u16
    // len; }`): the early return for a removed device forgets the unmap the normal path does through `slot.Addr`.
    [Fact]
    public Task Record_struct_slot_leaked_on_surprise_removal() => BlindSnippet.CheckLifecycle("""
        public readonly record struct Slot(DmaAddr Addr, int Len);
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public sealed class RecordSlot
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public RecordSlot(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Poll(KBuffer buf)
            {
                var slot = new Slot({|DMA002:_dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice)|}, 2048);
                if (_dma.MappingError(slot.Addr))
                    return false;
                if (_mbox.Removed)
                    return false;
                _mbox.PostAndWait(slot.Addr, slot.Len);
                _dma.UnmapSingle(slot.Addr, 2048, DmaDirection.FromDevice);
                return true;
            }
        }
        """);

    // Pattern matching: `is var a && !MappingError(a)` binds and checks in one condition; inside, a quirk path returns.
    [Fact]
    public Task Pattern_bound_mapping_leaked_on_a_quirk_path() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); }
        public sealed class PatternMap
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public PatternMap(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Identify(KBuffer page, bool brokenFirmware)
            {
                if ({|DMA002:_dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice)|} is var a && !_dma.MappingError(a))
                {
                    if (brokenFirmware)
                        return false;
                    _mbox.PostAndWait(a, 4096);
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                    return true;
                }
                return false;
            }
        }
        """);

    // A switch expression picks the copybreak buffer or the full page (igb's small/large rx buffers); both are mapped
    // with the same length, and the removed-device path returns before either is posted or unmapped.
    [Fact]
    public Task Switch_expression_of_maps_leaked_on_an_early_return() => BlindSnippet.CheckLifecycle("""
        public enum BufKind { Small, Large }
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public sealed class SwitchMap
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public SwitchMap(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Receive(BufKind kind, KBuffer small, KBuffer large)
            {
                var a = kind switch
                {
                    BufKind.Small => {|DMA002:_dma.MapSingle(small, 0, 256, DmaDirection.FromDevice)|},
                    _ => {|DMA002:_dma.MapSingle(large, 0, 256, DmaDirection.FromDevice)|},
                };
                if (_dma.MappingError(a))
                    return false;
                if (_mbox.Removed)
                    return false;
                _mbox.PostAndWait(a, 256);
                _dma.UnmapSingle(a, 256, DmaDirection.FromDevice);
                return true;
            }
        }
        """);

    // A helper returns (mapping, length) as a tuple literal; the caller deconstructs it and leaks on a validation path.
    [Fact]
    public Task Tuple_returning_helper_deconstructed_and_leaked() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); }
        public sealed class TupleMap
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public TupleMap(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            private (DmaAddr Addr, int Len) MapHeader(KBuffer h) => (_dma.MapSingle(h, 0, 64, DmaDirection.ToDevice), 64);
            public bool Send(KBuffer h, int opcode)
            {
                var (a, n) = {|DMA002:MapHeader(h)|};
                if (_dma.MappingError(a))
                    return false;
                if (opcode > 0x7f)
                    return false;
                _mbox.PostAndWait(a, n);
                _dma.UnmapSingle(a, 64, DmaDirection.ToDevice);
                return true;
            }
        }
        """);

    // A `ref` local aliases the handle local (a port of `dma_addr_t *p = &dma;`): the map is written through the alias,
    // the released path uses the local, the early return leaks. First run: the snippet did not compile (CS0165, a ref to
    // an unassigned local); the local is now initialised (the snippet's fault).
    [Fact]
    public Task Ref_local_alias_written_by_the_map_and_leaked() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public sealed class RefAlias
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public RefAlias(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Run(KBuffer buf)
            {
                DmaAddr a = default;
                ref DmaAddr p = ref a;
                p = {|DMA002:_dma.MapSingle(buf, 0, 128, DmaDirection.ToDevice)|};
                if (_dma.MappingError(p))
                    return false;
                if (_mbox.Removed)
                    return false;
                _mbox.PostAndWait(a, 128);
                _dma.UnmapSingle(a, 128, DmaDirection.ToDevice);
                return true;
            }
        }
        """);

    // A generic identity helper (a `READ_ONCE`-like wrapper) between the map and the local.
    [Fact]
    public Task Generic_identity_helper_between_map_and_local() => BlindSnippet.CheckLifecycle("""
        public static class Once { public static T Read<T>(T value) => value; }
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public sealed class GenericWrap
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public GenericWrap(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Run(KBuffer buf)
            {
                var a = Once.Read({|DMA002:_dma.MapSingle(buf, 0, 128, DmaDirection.ToDevice)|});
                if (_dma.MappingError(a))
                    return false;
                if (_mbox.Removed)
                    return false;
                _mbox.PostAndWait(a, 128);
                _dma.UnmapSingle(a, 128, DmaDirection.ToDevice);
                return true;
            }
        }
        """);

    // Partial classes: the transmit path in one part, the release helper in the other (a driver split into
    // xmit.cs / cleanup.cs); the helper unmaps on every path and the caller calls it from finally. Look-alike.
    [Fact]
    public Task Look_alike_release_helper_in_another_partial_part() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public sealed partial class SplitDriver
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            public SplitDriver(DmaApi dma, IMailbox mbox) { _dma = dma; _mbox = mbox; }
            public bool Run(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 512, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return false;
                try
                {
                    if (_mbox.Removed)
                        return false;
                    _mbox.PostAndWait(a, 512);
                    return true;
                }
                finally
                {
                    ReleaseTx(a);
                }
            }
        }
        public sealed partial class SplitDriver
        {
            private void ReleaseTx(DmaAddr a) => _dma.UnmapSingle(a, 512, DmaDirection.ToDevice);
        }
        """);

    // A base-class release helper (a Windows miniport's shared base) used on the error path; the other path returns
    // without it.
    [Fact]
    public Task Base_class_release_helper_used_on_one_error_path_only() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } bool Busy { get; } }
        public abstract class QueueBase
        {
            protected readonly DmaApi Dma;
            protected QueueBase(DmaApi dma) { Dma = dma; }
            protected void Recycle(DmaAddr a) => Dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
        }
        public sealed class DerivedQueue : QueueBase
        {
            private readonly IMailbox _mbox;
            public DerivedQueue(DmaApi dma, IMailbox mbox) : base(dma) { _mbox = mbox; }
            public bool Poll(KBuffer buf)
            {
                var a = {|DMA002:Dma.MapSingle(buf, 0, 2048, DmaDirection.FromDevice)|};
                if (Dma.MappingError(a))
                    return false;
                if (_mbox.Removed)
                {
                    Recycle(a);
                    return false;
                }
                if (_mbox.Busy)
                    return false;
                _mbox.PostAndWait(a, 2048);
                Recycle(a);
                return true;
            }
        }
        """);

    // Interface dispatch to the one implementation in the compilation, which unmaps: every path releases. Look-alike.
    [Fact]
    public Task Look_alike_release_through_an_interface_with_one_implementation() => BlindSnippet.CheckLifecycle("""
        public interface IMailbox { void PostAndWait([BusAddress] DmaAddr command, int length); bool Removed { get; } }
        public interface IReleaser { void Release(DmaAddr a); }
        public sealed class RxReleaser : IReleaser
        {
            private readonly DmaApi _dma;
            public RxReleaser(DmaApi dma) { _dma = dma; }
            public void Release(DmaAddr a) => _dma.UnmapSingle(a, 1024, DmaDirection.FromDevice);
        }
        public sealed class DispatchUser
        {
            private readonly DmaApi _dma;
            private readonly IMailbox _mbox;
            private readonly IReleaser _rel;
            public DispatchUser(DmaApi dma, IMailbox mbox, IReleaser rel) { _dma = dma; _mbox = mbox; _rel = rel; }
            public bool Poll(KBuffer buf)
            {
                var a = _dma.MapSingle(buf, 0, 1024, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return false;
                if (_mbox.Removed)
                {
                    _rel.Release(a);
                    return false;
                }
                _mbox.PostAndWait(a, 1024);
                _rel.Release(a);
                return true;
            }
        }
        """);

    // A page pool mapped once for the device's lifetime (Linux page_pool with PP_FLAG_DMA_MAP), declared
    // [PersistentMapping]: no release is owed by the caller. Look-alike.
    [Fact]
    public Task Look_alike_persistent_pool_mapping_by_attribute() => BlindSnippet.CheckLifecycle("""
        public sealed class PagePool
        {
            private readonly DmaApi _dma;
            public PagePool(DmaApi dma) { _dma = dma; }
            [PersistentMapping]
            public DmaAddr MapPage(KBuffer page) => _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
            public long Fill(KBuffer[] pages)
            {
                long mapped = 0;
                foreach (var p in pages)
                {
                    var a = MapPage(p);
                    if (_dma.MappingError(a))
                        return mapped;
                    mapped++;
                }
                return mapped;
            }
        }
        """);

    // A vendor HAL's long-lived map, declared map-persistent in the symbols file (an IOMMU page-table map torn down by a
    // later ioctl, VFIO_IOMMU_MAP_DMA style). Look-alike.
    [Fact]
    public Task Look_alike_persistent_map_from_the_symbols_file() => BlindSnippet.CheckLifecycle("""
        namespace Hal
        {
            public readonly struct IoAddr { public readonly ulong Raw; public IoAddr(ulong raw) { Raw = raw; } }
            public static class Dev
            {
                public static IoAddr MapLong(object dev, byte[] buf, int size) => default;
                public static bool IsError(IoAddr a) => a.Raw == ulong.MaxValue;
            }
            public sealed class Container
            {
                public int MapRegion(object dev, byte[] region)
                {
                    var io = Dev.MapLong(dev, region, region.Length);
                    if (Dev.IsError(io))
                        return -12;
                    return 0;
                }
            }
        }
        """, """
        T:Hal.IoAddr ; bus-address
        M:Hal.Dev.MapLong(System.Object,System.Byte[],System.Int32) ; map-persistent
        M:Hal.Dev.IsError(Hal.IoAddr) ; mapping-error-check
        """);

    // scsi_dma_map / blk_rq_map_sg on a list the function made itself, then "too many segments" returns without
    // dma_unmap_sg (the bug Coccinelle's unmap-on-error rules report in HBA drivers).
    [Fact]
    public Task Sg_list_made_here_leaked_when_too_many_segments() => BlindSnippet.CheckLifecycle("""
        public interface IHba { int MaxSegments { get; } void Post([BusAddress] DmaAddr seg, int len); }
        public sealed class HbaIo
        {
            private readonly DmaApi _dma;
            private readonly IHba _hba;
            public HbaIo(DmaApi dma, IHba hba) { _dma = dma; _hba = hba; }
            public bool Queue(KBuffer[] bufs)
            {
                var sg = new ScatterList(bufs.Length);
                foreach (var b in bufs)
                    sg.Add(b, 0, b.Length);
                int n = {|DMA002:_dma.MapSg(sg, DmaDirection.ToDevice)|};
                if (n == 0)
                    return false;
                if (n > _hba.MaxSegments)
                    return false;
                for (int i = 0; i < n; i++)
                    _hba.Post(sg.DmaAddress(i), sg.DmaLength(i));
                return true;
            }
        }
        """);

    // The caller's request list mapped by submit (nvme_map_data); the submission queue is full and the function returns
    // -EBUSY before any address reaches the ring: no completion will find the mapping.
    [Fact]
    public Task Request_sg_list_leaked_when_the_queue_is_busy() => BlindSnippet.CheckLifecycle("""
        public sealed class IoRequest { public ScatterList Sg = new(8); public int Tag; }
        public interface ISq { bool Full { get; } void Post([BusAddress] DmaAddr seg, int len); }
        public sealed class NvmeMap
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            public NvmeMap(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public int MapData(IoRequest rq)
            {
                int n = {|DMA002:_dma.MapSg(rq.Sg, DmaDirection.FromDevice)|};
                if (n == 0)
                    return -12;
                if (_sq.Full)
                    return -16;
                for (int i = 0; i < n; i++)
                    _sq.Post(rq.Sg.DmaAddress(i), rq.Sg.DmaLength(i));
                return 0;
            }
        }
        """);

    // Look-alike of the request list: every exit after the map either posts the addresses or unmaps the list first.
    [Fact]
    public Task Look_alike_request_sg_list_unmapped_when_the_queue_is_busy() => BlindSnippet.CheckLifecycle("""
        public sealed class IoRequest { public ScatterList Sg = new(8); public int Tag; }
        public interface ISq { bool Full { get; } void Post([BusAddress] DmaAddr seg, int len); }
        public sealed class NvmeMapGood
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            public NvmeMapGood(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public int MapData(IoRequest rq)
            {
                int n = _dma.MapSg(rq.Sg, DmaDirection.FromDevice);
                if (n == 0)
                    return -12;
                if (_sq.Full)
                {
                    _dma.UnmapSg(rq.Sg, DmaDirection.FromDevice);
                    return -16;
                }
                for (int i = 0; i < n; i++)
                    _sq.Post(rq.Sg.DmaAddress(i), rq.Sg.DmaLength(i));
                return 0;
            }
        }
        """);

    // A mapping overwritten on a later pass of a loop, the variable handed on after it: every pass but the last leaks its
    // mapping. Missed at the first run; fixed by the `loop` branch of the same session (7ffe83c), and run since the merge.
    [Fact]
    public Task Loop_overwrites_the_previous_pass_mapping_then_hands_the_last_on() => BlindSnippet.CheckLifecycle("""
        public interface IRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Overwrite
        {
            private readonly DmaApi _dma;
            public Overwrite(DmaApi dma) { _dma = dma; }
            public void Refill(IRing r, KBuffer[] bufs)
            {
                DmaAddr a = default;
                for (int i = 0; i < bufs.Length; i++)
                {
                    a = {|DMA002:_dma.MapSingle(bufs[i], 0, 64, DmaDirection.FromDevice)|};
                    if (_dma.MappingError(a))
                        return;
                }
                r.Post(a, 64);
            }
        }
        """);

    // Look-alike: ownership leaves through an out parameter (a helper that maps for its caller, like
    // dma_map_single wrapped in a driver's own map_skb()), the failure path writes nothing owed.
    [Fact]
    public Task Look_alike_handed_to_the_caller_through_out() => BlindSnippet.CheckLifecycle("""
        public sealed class OutMap
        {
            private readonly DmaApi _dma;
            public OutMap(DmaApi dma) { _dma = dma; }
            public bool TryMapSkb(KBuffer skb, int len, out DmaAddr addr)
            {
                addr = _dma.MapSingle(skb, 0, len, DmaDirection.ToDevice);
                if (_dma.MappingError(addr))
                    return false;
                return true;
            }
        }
        """);

    // Look-alike: a helper returns the mapping with its length in a tuple; the caller keeps it in a per-slot array.
    [Fact]
    public Task Look_alike_returned_in_a_tuple_and_stored_per_slot() => BlindSnippet.CheckLifecycle("""
        public sealed class TupleReturn
        {
            private readonly DmaApi _dma;
            private readonly DmaAddr[] _slots = new DmaAddr[256];
            private readonly int[] _lens = new int[256];
            public TupleReturn(DmaApi dma) { _dma = dma; }
            private (DmaAddr Addr, int Len)? Map(KBuffer b)
            {
                var a = _dma.MapSingle(b, 0, b.Length, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return null;
                return (a, b.Length);
            }
            public bool Fill(int slot, KBuffer b)
            {
                if (Map(b) is not { } m)
                    return false;
                _slots[slot] = m.Addr;
                _lens[slot] = m.Len;
                return true;
            }
        }
        """);

    // Look-alike: an error handler unmaps and rethrows (the "unwind then propagate" idiom), the normal path posts.
    [Fact]
    public Task Look_alike_handler_unmaps_and_rethrows() => BlindSnippet.CheckLifecycle("""
        public interface ITxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Tracer { public void Trace(string what) { if (what.Length == 0) throw new InvalidOperationException(); } }
        public sealed class RethrowTx
        {
            private readonly DmaApi _dma;
            private readonly ITxRing _ring;
            private readonly Tracer _trace = new();
            public RethrowTx(DmaApi dma, ITxRing ring) { _dma = dma; _ring = ring; }
            public void Xmit(KBuffer skb)
            {
                var a = _dma.MapSingle(skb, 0, 1514, DmaDirection.ToDevice);
                if (_dma.MappingError(a))
                    return;
                try
                {
                    _trace.Trace("xmit");
                }
                catch
                {
                    _dma.UnmapSingle(a, 1514, DmaDirection.ToDevice);
                    throw;
                }
                _ring.Post(a, 1514);
            }
        }
        """);

    // The coherent descriptor ring kept in a field at probe (devm-style lifetime): the later failure returns without a
    // free, but the field owns the ring and remove() frees it. Look-alike.
    [Fact]
    public Task Look_alike_coherent_ring_stored_in_a_field_before_the_failure() => BlindSnippet.CheckLifecycle("""
        public interface IIrq { bool Request(int vector); }
        public sealed class NicProbeGood
        {
            private readonly DmaApi _dma;
            private CoherentBuffer? _ring;
            public NicProbeGood(DmaApi dma) { _dma = dma; }
            public int Probe(IIrq irq)
            {
                _ring = _dma.AllocCoherent(4096);
                if (!irq.Request(11))
                    return -16;
                return 0;
            }
            public void Remove()
            {
                if (_ring is { } r)
                    _dma.FreeCoherent(r);
                _ring = null;
            }
        }
        """);
}
