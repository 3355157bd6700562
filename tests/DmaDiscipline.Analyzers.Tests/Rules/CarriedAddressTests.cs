using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// DMA001/DMA008 through the carriers of one body and of the framework: a write through a <c>ref</c>
/// alias or by a lambda that captures the local (a may-assignment), framework collections (one
/// location per collection: what any element was given), tuple elements and positional records (per
/// member), <c>Nullable&lt;T&gt;</c>, and bus addresses forged into a field of another object.
/// </summary>
public sealed class CarriedAddressTests
{
    private static Task Check(string source) => Verify<AddressProvenanceAnalyzer>.Analyzer(source);

    private static string Body(string statements, string members = "", string types = "") =>
        "class D { void F(DmaApi dma, KBuffer buf, IRing ring, Regs regs, bool flag) { " + statements + " } " + members + " } " + types;

    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    [Theory]
    // Written through a ref alias.
    [InlineData("ulong a = 0; ref ulong r = ref a; r = buf.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("DmaAddr a = default; ref DmaAddr r = ref a; r = new DmaAddr(0x1000); ring.Post({|DMA008:a|}, 64);")]
    // Written by a lambda that captures the local.
    [InlineData("ulong a = 0; Action fill = () => a = buf.PhysicalAddress.Value; fill(); regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("DmaAddr a = default; Action fill = () => a = new DmaAddr(0x1000); fill(); ring.Post({|DMA008:a|}, 64);")]
    // … by an anonymous method, a local function with a block body, a lambda deep inside an argument (the scan for such
    // writes enters an expression only where its text holds '=>' or 'delegate', and a statement always).
    [InlineData("ulong a = 0; Action fill = delegate { a = buf.PhysicalAddress.Value; }; fill(); regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("ulong a = 0; void Fill() { a = buf.PhysicalAddress.Value; } Fill(); regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("ulong a = 0; Run(Wrap(() => { if (flag) { a = buf.PhysicalAddress.Value; } })); regs.QueueDesc = {|DMA001:a|};", "static void Run(Action f) => f(); static Action Wrap(Action f) => f;")]
    // Read by a lambda or local function that captures the local: whatever its function gives it, before or after.
    [InlineData("ulong pa = buf.PhysicalAddress.Value; Action post = () => regs.QueueDesc = {|DMA001:pa|}; post();")]
    [InlineData("ulong pa = 0; Action post = () => regs.QueueDesc = {|DMA001:pa|}; pa = buf.PhysicalAddress.Value; post();")]
    [InlineData("var pa = buf.PhysicalAddress.Value + 64; void Post() => regs.QueueDesc = {|DMA001:pa|}; Post();")]
    [InlineData("var addr = new DmaAddr(0x1000); Action post = () => ring.Post({|DMA008:addr|}, 64); post();")]
    [InlineData("ulong pa = buf.PhysicalAddress.Value; ulong hi = pa >> 32; Action post = () => regs.QueueDesc = {|DMA001:hi|}; post();")]
    // Framework collections: stored, read back by an indexer, an out argument, Dequeue, foreach.
    [InlineData("var list = new List<ulong>(); list.Add(buf.PhysicalAddress.Value); regs.QueueDesc = {|DMA001:list[0]|};")]
    [InlineData("var map = new Dictionary<int, ulong> { [7] = buf.PhysicalAddress.Value }; if (map.TryGetValue(7, out var a)) regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("var map = new Dictionary<int, DmaAddr>(); map[7] = new DmaAddr(0x3000); dma.UnmapSingle({|DMA008:map[7]|}, 64, DmaDirection.ToDevice);")]
    [InlineData("var q = new Queue<DmaAddr>(); q.Enqueue(new DmaAddr(0x1000)); ring.Post({|DMA008:q.Dequeue()|}, 64);")]
    [InlineData("var list = new List<ulong> { buf.PhysicalAddress.Value }; foreach (var a in list) regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("_slots.Add(buf.PhysicalAddress.Value); regs.QueueDesc = {|DMA001:_slots[_slots.Count - 1]|};", "private readonly List<ulong> _slots = new();")]
    // Tuple elements and positional records, per member.
    [InlineData("var t = (A: buf.PhysicalAddress.Value, Len: 64); regs.QueueDesc = {|DMA001:t.A|};")]
    [InlineData("var s = new Slot(new DmaAddr(0x1000), 64); ring.Post({|DMA008:s.A|}, s.Len);", "", "sealed record Slot(DmaAddr A, int Len);")]
    [InlineData("var s = new Cell(buf.PhysicalAddress.Value, 0); regs.QueueDesc = {|DMA001:s.A|};", "", "readonly record struct Cell(ulong A, ulong B);")]
    // Nullable: .Value and ??.
    [InlineData("ulong? a = buf.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:a.Value|};")]
    [InlineData("DmaAddr? a0 = flag ? new DmaAddr(0x1000) : null; var a = a0 ?? new DmaAddr(0x2000); ring.Post({|DMA008:a|}, 64);")]
    // A bus address forged into a field or auto-property of another object, given to the device or unmapped.
    [InlineData("var h = new Holder(); h.A = new DmaAddr(0x1000); ring.Post({|DMA008:h.A|}, 64);", "", "sealed class Holder { public DmaAddr A; }")]
    [InlineData("var h = new Holder { B = default }; dma.UnmapSingle({|DMA008:h.B|}, 64, DmaDirection.ToDevice);", "", "sealed class Holder { public DmaAddr B { get; set; } }")]
    [InlineData("Shared.A = default; dma.SyncForDevice({|DMA008:Shared.A|}, 64, DmaDirection.ToDevice);", "", "static class Shared { public static DmaAddr A; }")]
    // Stored through a ref-returning method, read back through it.
    [InlineData("Slot() = buf.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:Slot()|};", "private ulong _a; private ref ulong Slot() => ref _a;")]
    [InlineData("Slot() = default; ring.Post({|DMA008:Slot()|}, 64);", "private DmaAddr _a; private ref DmaAddr Slot() => ref _a;")]
    // A generic holder instantiated with an address.
    [InlineData("var box = new Box<ulong> { Value = {|DMA001:buf.PhysicalAddress.Value|} }; regs.QueueDesc = box.Value;", "", "sealed class Box<U> { public U Value { get; set; } = default!; }")]
    public Task Reported(string statements, string members = "", string types = "") => Check(Body(statements, members, types));

    [Theory]
    // Made by a lambda, a local function, a delegate field, an async helper, an iterator, LINQ, an interface's implementation.
    [InlineData("Func<ulong> make = () => buf.PhysicalAddress.Value; regs.QueueDesc = {|DMA001:make()|};")]
    [InlineData("DmaAddr Make() => new DmaAddr(0x1000); ring.Post({|DMA008:Make()|}, 64);")]
    [InlineData("regs.QueueDesc = {|DMA001:_make(buf)|};", "private readonly Func<KBuffer, ulong> _make = b => b.PhysicalAddress.Value;")]
    [InlineData("var a = _make(buf); regs.QueueDesc = {|DMA001:a|};", "private readonly Func<KBuffer, ulong> _make = b => b.PhysicalAddress.Value;")]
    [InlineData("var a = _make(dma, buf); regs.Doorbell({|DMA001:a|});", "private readonly Func<DmaApi, KBuffer, ulong> _make = (dma, buf) => buf.PhysicalAddress.Value;")]
    [InlineData("foreach (var a in Pages(buf)) regs.QueueDesc = {|DMA001:a|};", "static IEnumerable<ulong> Pages(KBuffer b) { yield return b.PhysicalAddress.Value; }")]
    [InlineData("regs.QueueDesc = {|DMA001:System.Linq.Enumerable.First(System.Linq.Enumerable.Select(new[] { 1 }, _ => buf.PhysicalAddress.Value))|};")]
    [InlineData("ISource s = new Source(); regs.QueueDesc = {|DMA001:s.Make(buf)|};", "",
        "interface ISource { ulong Make(KBuffer b); } sealed class Source : ISource { public ulong Make(KBuffer b) => b.PhysicalAddress.Value; }")]
    public Task Made_by(string statements, string members = "", string types = "") => Check(Body(statements, members, types));

    [Fact]
    public Task Made_by_a_query_expression() => Check(
        "using System.Linq; class D { void F(KBuffer buf, Regs regs) { regs.QueueDesc = {|DMA001:(from i in new[] { 1 } select buf.PhysicalAddress.Value).Single()|}; } }");

    [Fact]
    public Task Made_by_an_async_helper() => Check(
        "class D { async System.Threading.Tasks.Task F(KBuffer buf, Regs regs) { var a = await Make(buf); regs.QueueDesc = {|DMA001:a|}; } "
        + "static async System.Threading.Tasks.Task<ulong> Make(KBuffer b) { await System.Threading.Tasks.Task.Yield(); return b.PhysicalAddress.Value; } }");

    [Theory]
    // The lambda, the implementation, the sequence give a mapping.
    [InlineData("Func<DmaAddr> make = () => " + Map + "; var a = make(); if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    [InlineData("ISource s = new Source(); var a = s.Make(dma, buf); if (dma.MappingError(a)) return; ring.Post(a, 64);", "",
        "interface ISource { DmaAddr Make(DmaApi d, KBuffer b); } sealed class Source : ISource { public DmaAddr Make(DmaApi d, KBuffer b) => d.MapSingle(b, 0, 64, DmaDirection.ToDevice); }")]
    // A lambda that returns a length, not the address it reads.
    [InlineData("Func<ulong> size = () => { Log.Value(buf.PhysicalAddress.Value); return 64; }; regs.QueueDesc = size();")]
    public Task Not_made_by(string statements, string members = "", string types = "") => Check(Body(statements, members, types));

    [Theory]
    // The FP this guards: the local replaced through the alias, or by the lambda, by a real mapping.
    [InlineData("DmaAddr a = default; ref DmaAddr r = ref a; r = " + Map + "; if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; Action fill = () => a = " + Map + "; fill(); if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; Action fill = delegate { a = " + Map + "; }; fill(); if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; void Fill() { a = " + Map + "; } Fill(); if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    [InlineData("DmaAddr a = default; Run(Wrap(() => { if (flag) { a = " + Map + "; } })); if (dma.MappingError(a)) return; ring.Post(a, 64);", "static void Run(Action f) => f(); static Action Wrap(Action f) => f;")]
    // A captured local given only a mapping, only a length; a lambda's own local of the same name.
    [InlineData("var a = " + Map + "; if (dma.MappingError(a)) return; Action post = () => ring.Post(a, 64); post();")]
    [InlineData("ulong len = (ulong)buf.Length; Action post = () => regs.QueueDesc = len; post();")]
    [InlineData("ulong pa = buf.PhysicalAddress.Value; Log.Value(pa); Action<ulong> post = v => { ulong q = v; regs.QueueDesc = q; }; post(64);")]
    // A lambda's own local is followed in order inside it (the later write replaces the physical address).
    [InlineData("Action f = () => { ulong x = buf.PhysicalAddress.Value; Log.Value(x); x = 0x10; regs.QueueDesc = x; }; f();")]
    // A dictionary's key is not its content; Contains does not store.
    [InlineData("var map = new Dictionary<ulong, ulong>(); map[buf.PhysicalAddress.Value] = 64; regs.QueueDesc = map[0];")]
    [InlineData("var list = new List<ulong>(); if (list.Contains(buf.PhysicalAddress.Value)) return; regs.QueueDesc = list[0];")]
    // A collection of mappings.
    [InlineData("var list = new List<DmaAddr> { " + Map + " }; if (dma.MappingError(list[0])) return; ring.Post(list[0], 64);")]
    // The other element, the other positional property.
    [InlineData("var t = (Phys: buf.PhysicalAddress.Value, Bus: " + Map + ".Value); Log.Value(t.Phys); regs.QueueDesc = t.Bus;")]
    [InlineData("var s = new Cell(buf.PhysicalAddress.Value, 0x20); Log.Value(s.A); regs.QueueDesc = s.B;", "", "readonly record struct Cell(ulong A, ulong B);")]
    // Stored through a ref-returning method: a mapping.
    [InlineData("Slot() = " + Map + "; if (dma.MappingError(Slot())) return; ring.Post(Slot(), 64);", "private DmaAddr _a; private ref DmaAddr Slot() => ref _a;")]
    // A nullable completed with a mapping.
    [InlineData("DmaAddr? a0 = null; var a = a0 ?? " + Map + "; if (dma.MappingError(a)) return; ring.Post(a, 64);")]
    // A field some other body gives a real mapping: forged on some paths only.
    [InlineData("h.A = default; ring.Post(h.A, 64);", "void G(DmaApi dma, KBuffer buf) { h.A = " + Map + "; } private readonly Holder h = new();", "sealed class Holder { public DmaAddr A; }")]
    public Task Not_reported(string statements, string members = "", string types = "") => Check(Body(statements, members, types));
}
