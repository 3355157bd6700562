namespace DmaDiscipline.Analyzers.Tests.Blind;

/// <summary>
/// Blind snippets of the second round for DMA006 (a DMA address used after its unmap, a coherent buffer after its
/// free), written from the rule page before any of them ran, after dma-debug's "device driver tries to free DMA memory
/// it has not allocated" (the second unmap) and the use-after-unmap windows Driver Verifier's DMA checks catch. The
/// look-alikes guard the second unmap with a flag, remap before reuse, refill a slot, and only log the stale address.
/// </summary>
public sealed class BlindDMA006Snippets
{
    // NVMe timeout + completion: the timeout arm unmaps the PRP and falls through to the common unmap.
    [Fact]
    public Task Nvme_timeout_arm_unmaps_and_falls_through_to_the_common_unmap() => BlindSnippet.CheckLifecycle("""
        public interface ISq { bool Wait(int ms); void Submit([BusAddress] DmaAddr prp, int len); }
        public sealed class NvmeSync
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            private long _timeouts;
            public NvmeSync(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public void Identify(KBuffer page)
            {
                var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _sq.Submit(a, 4096);
                if (!_sq.Wait(1000))
                {
                    _timeouts++;
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                }
                _dma.UnmapSingle({|DMA006:a|}, 4096, DmaDirection.FromDevice);
            }
        }
        """);

    // A ring refill reordered by a refactoring: the old mapping is unmapped, then the same handle is posted again.
    [Fact]
    public Task Handle_reposted_after_its_unmap() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Repost
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public Repost(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public void Recycle(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                _ring.Post({|DMA006:a|}, 2048);
            }
        }
        """);

    // The stale address's number, offset past a header, written into a descriptor field after the unmap. First run:
    // marked on `a`; the rule reports the whole value given to the sink (`a.Value + 64`), which its page did not say
    // (snippet corrected, page now says).
    [Fact]
    public Task Stale_address_plus_offset_written_to_a_descriptor() => BlindSnippet.CheckLifecycle("""
        public struct RxDesc { [BusAddress] public ulong Addr; public uint Len; }
        public sealed class StaleOffset
        {
            private readonly DmaApi _dma;
            private readonly RxDesc[] _ring = new RxDesc[64];
            public StaleOffset(DmaApi dma) { _dma = dma; }
            public void Rearm(int i, KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                _ring[i].Addr = {|DMA006:a.Value + 64|};
            }
        }
        """);

    // Teardown order wrong: the coherent ring freed, then the CPU clears it for the next start. First run: marked on
    // `ring`; the rule reports the member access (`ring.Span`), which its page did not say (snippet corrected, page now says).
    [Fact]
    public Task Coherent_ring_cleared_after_its_free() => BlindSnippet.CheckLifecycle("""
        public sealed class Teardown
        {
            private readonly DmaApi _dma;
            public Teardown(DmaApi dma) { _dma = dma; }
            public void Cycle()
            {
                var ring = _dma.AllocCoherent(4096);
                ring.Span.Fill(0xff);
                _dma.FreeCoherent(ring);
                {|DMA006:ring.Span|}.Clear();
            }
        }
        """);

    // Probe error path frees the coherent buffer and falls through to the common free (a double dma_free_coherent).
    [Fact]
    public Task Probe_error_arm_frees_and_falls_through_to_the_common_free() => BlindSnippet.CheckLifecycle("""
        public interface IIrq { bool Request(int vector); }
        public sealed class DoubleFree
        {
            private readonly DmaApi _dma;
            public DoubleFree(DmaApi dma) { _dma = dma; }
            public int Selftest(IIrq irq)
            {
                var ring = _dma.AllocCoherent(4096);
                int rc = 0;
                if (!irq.Request(11))
                {
                    _dma.FreeCoherent(ring);
                    rc = -16;
                }
                _dma.FreeCoherent({|DMA006:ring|});
                return rc;
            }
        }
        """);

    // Sync for the CPU after the unmap (the two lines swapped in a cleanup path).
    [Fact]
    public Task Sync_for_cpu_after_the_unmap() => BlindSnippet.CheckLifecycle("""
        public sealed class SyncAfterUnmap
        {
            private readonly DmaApi _dma;
            public SyncAfterUnmap(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 512, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 512, DmaDirection.FromDevice);
                _dma.SyncForCpu({|DMA006:a|}, 512, DmaDirection.FromDevice);
            }
        }
        """);

    // A bus address read from the scatter list after dma_unmap_sg (a completion that logs-and-reposts the first segment).
    [Fact]
    public Task Sg_segment_address_read_after_unmap_sg() => BlindSnippet.CheckLifecycle("""
        public interface IHba { void Post([BusAddress] DmaAddr seg, int len); }
        public sealed class SgAfterUnmap
        {
            private readonly DmaApi _dma;
            private readonly IHba _hba;
            public SgAfterUnmap(DmaApi dma, IHba hba) { _dma = dma; _hba = hba; }
            public void Io(KBuffer b)
            {
                var sg = new ScatterList(1);
                sg.Add(b, 0, b.Length);
                int n = _dma.MapSg(sg, DmaDirection.ToDevice);
                if (n == 0)
                    return;
                _dma.UnmapSg(sg, DmaDirection.ToDevice);
                _hba.Post({|DMA006:sg.DmaAddress(0)|}, b.Length);
            }
        }
        """);

    // A reset path unmaps the command buffer kept in a field and posts it again (the start path mapped it).
    [Fact]
    public Task Reset_unmaps_a_field_handle_and_posts_it_again() => BlindSnippet.CheckLifecycle("""
        public interface IAdmin { void Post([BusAddress] DmaAddr cmd, int len); }
        public sealed class ResetPath
        {
            private readonly DmaApi _dma;
            private readonly IAdmin _admin;
            private DmaAddr _cmd;
            public ResetPath(DmaApi dma, IAdmin admin) { _dma = dma; _admin = admin; }
            public void Reset()
            {
                _dma.UnmapSingle(_cmd, 64, DmaDirection.ToDevice);
                _admin.Post({|DMA006:_cmd|}, 64);
            }
        }
        """);

    // A completion handler reads the tag's mapping out of the dictionary and unmaps it; a merge of the timeout handler's
    // cleanup into the same function left a second unmap of the same local below (dma-debug: "free of unallocated").
    [Fact]
    public Task Completion_unmaps_a_dictionary_entry_twice() => BlindSnippet.CheckLifecycle("""
        public sealed class TagCompletion
        {
            private readonly DmaApi _dma;
            private readonly Dictionary<ushort, DmaAddr> _inflight = new();
            public TagCompletion(DmaApi dma) { _dma = dma; }
            public void Complete(ushort tag)
            {
                var a = _inflight[tag];
                _inflight.Remove(tag);
                _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                _dma.UnmapSingle({|DMA006:a|}, 4096, DmaDirection.FromDevice);
            }
        }
        """);

    // The driver's own release helper unmaps on every path; the caller posts the handle after calling it.
    [Fact]
    public Task Post_after_the_drivers_own_release_helper() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class HelperRelease
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public HelperRelease(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            private void Release(DmaAddr a) => _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
            public void Rearm(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                Release(a);
                _ring.Post({|DMA006:a|}, 2048);
            }
        }
        """);

    // The base class's release helper, then a use in the derived class.
    [Fact]
    public Task Use_after_a_base_class_release_helper() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length); }
        public abstract class QueueBase
        {
            protected readonly DmaApi Dma;
            protected QueueBase(DmaApi dma) { Dma = dma; }
            protected void Recycle(DmaAddr a) => Dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
        }
        public sealed class DerivedRx : QueueBase
        {
            private readonly IRxRing _ring;
            public DerivedRx(DmaApi dma, IRxRing ring) : base(dma) { _ring = ring; }
            public void Rearm(KBuffer rx)
            {
                var a = Dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (Dma.MappingError(a))
                    return;
                Recycle(a);
                _ring.Post({|DMA006:a|}, 2048);
            }
        }
        """);

    // Release through an interface whose one implementation in the compilation unmaps; then the handle is synced.
    [Fact]
    public Task Sync_after_release_through_an_interface() => BlindSnippet.CheckLifecycle("""
        public interface IReleaser { void Release(DmaAddr a); }
        public sealed class RxReleaser : IReleaser
        {
            private readonly DmaApi _dma;
            public RxReleaser(DmaApi dma) { _dma = dma; }
            public void Release(DmaAddr a) => _dma.UnmapSingle(a, 1024, DmaDirection.FromDevice);
        }
        public sealed class DispatchRx
        {
            private readonly DmaApi _dma;
            private readonly IReleaser _rel;
            public DispatchRx(DmaApi dma, IReleaser rel) { _dma = dma; _rel = rel; }
            public void Poll(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 1024, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _rel.Release(a);
                _dma.SyncForCpu({|DMA006:a|}, 1024, DmaDirection.FromDevice);
            }
        }
        """);

    // A lambda completion callback unmaps; the code after registering it (not running it) posts. The handle is not
    // released on the path to the post (the lambda has not run): quiet. Look-alike.
    [Fact]
    public Task Look_alike_unmap_inside_a_completion_lambda() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length, Action done); }
        public sealed class LambdaDone
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public LambdaDone(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public void Rearm(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                Action done = () => _dma.UnmapSingle(a, 2048, DmaDirection.FromDevice);
                _ring.Post(a, 2048, done);
            }
        }
        """);

    // Look-alike: the second unmap is guarded by a flag the first one cleared (io_uring-style `mapped` flag).
    [Fact]
    public Task Look_alike_second_unmap_guarded_by_a_flag() => BlindSnippet.CheckLifecycle("""
        public interface ISq { bool Wait(int ms); void Submit([BusAddress] DmaAddr prp, int len); }
        public sealed class FlagGuard
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            public FlagGuard(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public void Identify(KBuffer page)
            {
                var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                bool mapped = true;
                _sq.Submit(a, 4096);
                if (!_sq.Wait(1000))
                {
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                    mapped = false;
                }
                if (mapped)
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
            }
        }
        """);

    // Look-alike: a refill loop maps the replacement first, unmaps the slot's old mapping, stores and posts the new one.
    [Fact]
    public Task Look_alike_refill_unmaps_the_old_slot_after_mapping_the_new_one() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class SlotRefill
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            private readonly DmaAddr[] _addr = new DmaAddr[64];
            public SlotRefill(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public void Refill(int[] ids, KBuffer[] fresh)
            {
                for (int k = 0; k < ids.Length; k++)
                {
                    int id = ids[k];
                    var na = _dma.MapSingle(fresh[k], 0, 2048, DmaDirection.FromDevice);
                    if (_dma.MappingError(na))
                        return;
                    _dma.UnmapSingle(_addr[id], 2048, DmaDirection.FromDevice);
                    _addr[id] = na;
                    _ring.Post(na, 2048);
                }
            }
        }
        """);

    // Look-alike: the stale address only logged after the unmap (dev_dbg of the freed IOVA).
    [Fact]
    public Task Look_alike_released_address_only_logged() => BlindSnippet.CheckLifecycle("""
        public sealed class LogStale
        {
            private readonly DmaApi _dma;
            public LogStale(DmaApi dma) { _dma = dma; }
            public void Poll(KBuffer rx)
            {
                var a = _dma.MapSingle(rx, 0, 512, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 512, DmaDirection.FromDevice);
                Console.WriteLine($"unmapped {a.Value:x}");
            }
        }
        """);

    // Look-alike: the variable is mapped again before it is posted (unmap, remap, check, post).
    [Fact]
    public Task Look_alike_remapped_before_reuse() => BlindSnippet.CheckLifecycle("""
        public interface IRxRing { void Post([BusAddress] DmaAddr address, int length); }
        public sealed class Remap
        {
            private readonly DmaApi _dma;
            private readonly IRxRing _ring;
            public Remap(DmaApi dma, IRxRing ring) { _dma = dma; _ring = ring; }
            public void Resize(KBuffer small, KBuffer large)
            {
                var a = _dma.MapSingle(small, 0, 256, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _dma.UnmapSingle(a, 256, DmaDirection.FromDevice);
                a = _dma.MapSingle(large, 0, 2048, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return;
                _ring.Post(a, 2048);
            }
        }
        """);

    // Look-alike: the timeout arm unmaps and returns; the common unmap is only reached on the other path.
    [Fact]
    public Task Look_alike_timeout_arm_unmaps_and_returns() => BlindSnippet.CheckLifecycle("""
        public interface ISq { bool Wait(int ms); void Submit([BusAddress] DmaAddr prp, int len); }
        public sealed class NvmeSyncGood
        {
            private readonly DmaApi _dma;
            private readonly ISq _sq;
            public NvmeSyncGood(DmaApi dma, ISq sq) { _dma = dma; _sq = sq; }
            public bool Identify(KBuffer page)
            {
                var a = _dma.MapSingle(page, 0, 4096, DmaDirection.FromDevice);
                if (_dma.MappingError(a))
                    return false;
                _sq.Submit(a, 4096);
                if (!_sq.Wait(1000))
                {
                    _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                    return false;
                }
                _dma.UnmapSingle(a, 4096, DmaDirection.FromDevice);
                return true;
            }
        }
        """);
}
