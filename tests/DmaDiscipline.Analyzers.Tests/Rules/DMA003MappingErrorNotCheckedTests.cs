using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>DMA003: a mapped address used (device sink, .Value, sync) on a path where the mapping-error check was not made, or said "failed" and was ignored.</summary>
public sealed class DMA003MappingErrorNotCheckedTests
{
    private static Task Check(string source) => Verify<MappingLifecycleAnalyzer>.Analyzer(source);

    private const string Map = "var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);";

    /// <summary>
    /// A driver's own ring wrapper that gives the handle's number to a device-visible overload or helper and keeps
    /// nothing: the call is the use (the wrapper took the mapping over only in the sense that it may keep the number).
    /// </summary>
    [Theory]
    [InlineData("sealed class Ring { public void Post([BusAddress(DeviceReads = true)] ulong address, int length) { } public void Post(DmaAddr address, int length) => Post(address.Value, length); } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " ring.Post({|DMA003:a|}, 64); } }")]
    [InlineData("sealed class Ring { private void Write([BusAddress] ulong address, int length) { } public void Post(DmaAddr address, int length) { Write(address.Value, length); } } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " ring.Post({|DMA003:a|}, 64); } }")]
    [InlineData("sealed class Ring { private readonly Regs _regs = new(); public void Post(DmaAddr address) { _regs.Doorbell(address.Value); } } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " if (dma.MappingError(a)) Log.Info(\"failed\"); ring.Post({|DMA003:a|}); } }")]
    public Task Through_a_wrapper_that_gives_it_to_a_device(string source) => Check(source);

    [Theory]
    // Checked before the wrapper; the wrapper checks itself; the wrapper only logs the number and queues the handle.
    [InlineData("sealed class Ring { public void Post([BusAddress(DeviceReads = true)] ulong address, int length) { } public void Post(DmaAddr address, int length) => Post(address.Value, length); } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " if (dma.MappingError(a)) return; ring.Post(a, 64); } }")]
    [InlineData("sealed class Ring { private readonly DmaApi _dma; public Ring(DmaApi dma) { _dma = dma; } private void Write([BusAddress] ulong address) { } public void Post(DmaAddr address) { if (_dma.MappingError(address)) return; Write(address.Value); } } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " ring.Post(a); } }")]
    [InlineData("sealed class Ring { private readonly List<DmaAddr> _queued = new(); public void Post(DmaAddr address) { Log.Value(address.Value); _queued.Add(address); } } class D { void F(DmaApi dma, KBuffer buf, Ring ring) { " + Map + " ring.Post(a); } }")]
    public Task Through_a_wrapper_look_alikes(string source) => Check(source);

    [Theory]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, Desc[] ring) { " + Map + " ring[0].Addr = {|DMA003:a.Value|}; } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, Regs regs) { " + Map + " regs.Doorbell({|DMA003:a.Value|}); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " ring.Post({|DMA003:a|}, 64); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); dma.SyncForCpu({|DMA003:a|}, 64, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice); } }")]
    // Checked, result ignored.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " dma.MappingError(a); ring.Post({|DMA003:a|}, 64); } }")]
    // Checked, failure only logged.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (dma.MappingError(a)) Log.Info(\"failed\"); ring.Post({|DMA003:a|}, 64); } }")]
    // Checked on one path only.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring, bool careful) { " + Map + " if (careful) { if (dma.MappingError(a)) return; } ring.Post({|DMA003:a|}, 64); } }")]
    // Checked too late.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " ring.Post({|DMA003:a|}, 64); if (dma.MappingError(a)) return; } }")]
    // The check's result stored and never tested.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " var failed = dma.MappingError(a); ring.Post({|DMA003:a|}, 64); } }")]
    // The other mapping was checked.
    [InlineData("""
        class D
        {
            void F(DmaApi dma, KBuffer header, KBuffer payload, IRing ring)
            {
                var h = dma.MapSingle(header, 0, 16, DmaDirection.ToDevice);
                if (dma.MappingError(h)) return;
                ring.Post(h, 16);
                var p = dma.MapSingle(payload, 0, 512, DmaDirection.ToDevice);
                ring.Post({|DMA003:p|}, 512);
            }
        }
        """)]
    // Per-iteration mappings, none checked.
    [InlineData("class D { void F(DmaApi dma, KBuffer[] bufs, IRing ring) { foreach (var b in bufs) { var a = dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice); ring.Post({|DMA003:a|}, b.Length); } } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice); dma.SyncForDevice({|DMA003:a|}, 64, DmaDirection.FromDevice); dma.UnmapSingle(a, 64, DmaDirection.FromDevice); } }")]
    // Arithmetic on the unchecked value.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, Regs regs) { " + Map + " regs.QueueDesc = {|DMA003:a.Value|} + 16; } }")]
    // Printed, then posted: printing keeps nothing (each use of the unchecked number is reported).
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " Console.WriteLine({|DMA003:a.Value|}); ring.Post({|DMA003:a|}, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("class D { static void Trace(DmaAddr x) => Console.WriteLine(x.Value); void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " Trace({|DMA003:a|}); ring.Post({|DMA003:a|}, 64); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    // Known failed, used anyway after the branch.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (!dma.MappingError(a)) { ring.Post(a, 64); } ring.Post({|DMA003:a|}, 64); } }")]
    public Task Reported(string source) => Check(source);

    [Theory]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (dma.MappingError(a)) return; ring.Post(a, 64); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (dma.MappingError(a)) throw new InvalidOperationException(); ring.Post(a, 64); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (!dma.MappingError(a)) { ring.Post(a, 64); } } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " var failed = dma.MappingError(a); if (failed) return; ring.Post(a, 64); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (!dma.MappingError(a) && buf.Length > 0) ring.Post(a, 64); else dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (dma.MappingError(a) is true) return; ring.Post(a, 64); } }")]
    // Stored for later: checked where it is used.
    [InlineData("class D { private DmaAddr _pending; void F(DmaApi dma, KBuffer buf) { _pending = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); } }")]
    // Handed to a helper that checks (and owns) it.
    [InlineData("""
        class D
        {
            static void Submit(DmaApi dma, DmaAddr address, IRing ring) { if (dma.MappingError(address)) return; ring.Post(address, 64); }
            void F(DmaApi dma, KBuffer buf, IRing ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); Submit(dma, a, ring); }
        }
        """)]
    // Logged, not used.
    [InlineData("class D { void F(DmaApi dma, KBuffer buf) { " + Map + " Log.Info(a.ToString()); dma.UnmapSingle(a, 64, DmaDirection.ToDevice); } }")]
    // A coherent buffer needs no mapping-error check.
    [InlineData("class D { private CoherentBuffer? _ring; void F(DmaApi dma, Regs regs) { var c = dma.AllocCoherent(4096); regs.QueueDesc = c.DmaAddress.Value; _ring = c; } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " if (dma.MappingError(a)) { Log.Info(\"failed\"); return; } else { ring.Post(a, 64); } } }")]
    [InlineData("class D { void F(DmaApi dma, KBuffer[] bufs, IRing ring) { foreach (var b in bufs) { var a = dma.MapSingle(b, 0, b.Length, DmaDirection.ToDevice); if (dma.MappingError(a)) continue; ring.Post(a, b.Length); } } }")]
    [InlineData("class D { bool F(DmaApi dma, KBuffer buf, IRing ring) { " + Map + " var ok = !dma.MappingError(a); if (!ok) return false; ring.Post(a, 64); return true; } }")]
    public Task NotReported(string source) => Check(source);

    [Theory]
    // Stored into fields before any check; the check never made; the unchecked address reaches the ring.
    [InlineData("""
        class D
        {
            private DmaAddr _hdr, _data;
            void F(DmaApi dma, KBuffer h, KBuffer d, IRing ring)
            {
                _hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                _data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                ring.Post({|DMA003:_hdr|}, 16);
                ring.Post({|DMA003:_data|}, 512);
            }
        }
        """)]
    // The wrong handle checked: the header twice, the data never.
    [InlineData("""
        class D
        {
            private DmaAddr _hdr, _data;
            bool F(DmaApi dma, KBuffer h, KBuffer d, IRing ring)
            {
                _hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                _data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                if (dma.MappingError(_hdr)) return false;
                if (dma.MappingError(_hdr)) return false;
                ring.Post(_hdr, 16);
                ring.Post({|DMA003:_data|}, 512);
                return true;
            }
        }
        """)]
    // Request slots of a request object, the data slot's address written into a descriptor unchecked.
    [InlineData("""
        class Request { public DmaAddr Hdr; public DmaAddr Data { get; set; } }
        class D
        {
            bool F(DmaApi dma, KBuffer h, KBuffer d, Request req, Desc[] ring)
            {
                req.Hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                req.Data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                if (dma.MappingError(req.Hdr)) return false;
                ring[0].Addr = req.Hdr.Value;
                ring[1].Addr = {|DMA003:req.Data.Value|};
                return true;
            }
        }
        """)]
    // Stored into the slot from a local, the local then used unchecked.
    [InlineData("""
        class Request { public DmaAddr Data; }
        class D
        {
            void F(DmaApi dma, KBuffer d, Request req, IRing ring)
            {
                var a = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                req.Data = a;
                ring.Post({|DMA003:a|}, 512);
            }
        }
        """)]
    // Kept in an array of in-flight mappings, then posted unchecked.
    [InlineData("""
        class D
        {
            private readonly DmaAddr[] _inflight = new DmaAddr[8];
            void F(DmaApi dma, KBuffer buf, int slot, IRing ring) { var a = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); _inflight[slot] = a; ring.Post({|DMA003:a|}, 64); }
        }
        """)]
    public Task Handles_in_fields_and_slots_reported(string source) => Check(source);

    [Theory]
    // Stored into fields, each checked through its field.
    [InlineData("""
        class D
        {
            private DmaAddr _hdr, _data;
            bool F(DmaApi dma, KBuffer h, KBuffer d, IRing ring)
            {
                _hdr = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                _data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                if (dma.MappingError(_hdr) || dma.MappingError(_data)) return false;
                ring.Post(_hdr, 16);
                ring.Post(_data, 512);
                return true;
            }
        }
        """)]
    // Checked through the request slot, used through the local (and the other way round).
    [InlineData("""
        class Request { public DmaAddr Hdr; public DmaAddr Data { get; set; } }
        class D
        {
            bool F(DmaApi dma, KBuffer h, KBuffer d, Request req, IRing ring)
            {
                var a = dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                req.Hdr = a;
                if (dma.MappingError(req.Hdr)) return false;
                ring.Post(a, 16);
                req.Data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                var data = req.Data;
                if (dma.MappingError(data)) return false;
                ring.Post(req.Data, 512);
                return true;
            }
        }
        """)]
    // A helper of this object validates the fields before they are posted.
    [InlineData("""
        class D
        {
            private DmaApi _dma = null!;
            private DmaAddr _hdr, _data;
            bool Mapped() => !_dma.MappingError(_hdr) && !_dma.MappingError(_data);
            bool F(KBuffer h, KBuffer d, IRing ring)
            {
                _hdr = _dma.MapSingle(h, 0, 16, DmaDirection.ToDevice);
                _data = _dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                if (!Mapped()) return false;
                ring.Post(_hdr, 16);
                ring.Post(_data, 512);
                return true;
            }
        }
        """)]
    // The request handed to a validator before its slots are posted.
    [InlineData("""
        class Request { public DmaAddr Data; }
        class D
        {
            static bool Validate(DmaApi dma, Request req) => !dma.MappingError(req.Data);
            bool F(DmaApi dma, KBuffer d, Request req, IRing ring)
            {
                req.Data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                if (!Validate(dma, req)) return false;
                ring.Post(req.Data, 512);
                return true;
            }
        }
        """)]
    // The request variable replaced: its slot no longer names the mapping.
    [InlineData("""
        class Request { public DmaAddr Data; }
        class D
        {
            void F(DmaApi dma, KBuffer d, Request req, Request next, IRing ring)
            {
                req.Data = dma.MapSingle(d, 0, 512, DmaDirection.ToDevice);
                req = next;
                ring.Post(req.Data, 512);
            }
        }
        """)]
    public Task Handles_in_fields_and_slots_checked(string source) => Check(source);
}
