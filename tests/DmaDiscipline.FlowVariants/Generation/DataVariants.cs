namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// Data-flow variants: the core's value made, kept and read back another way — other storage,
/// helpers (local, generic, in another class, a base class, behind an interface), joins of two
/// values, returns through <c>?:</c> and switch expressions. In the templates <c>{T}</c> is the
/// value's type, <c>{P}</c> its producing expression in the case method, <c>{PH}</c> in a helper,
/// <c>$drop</c> how the twin drops the local <c>a</c> before reusing it.
/// </summary>
public static class DataVariants
{
    /// <summary>Why a variant that stores the value into a field, array, collection or heap object is not counted for a core where that hands it on.</summary>
    private static string? StoringHandsOn(DefectCore core) =>
        core.StoringTransfers ? "storing the handle there hands it on by the rule's definition (the holder owns it)" : null;

    /// <summary>
    /// A variant from templates: <paramref name="store"/> makes the value (statements), the rest of
    /// the core reads it as <paramref name="load"/>; <paramref name="members"/> and
    /// <paramref name="types"/> are added around it.
    /// </summary>
    private static Variant Carrier(string id, string description, string store, string load, string members = "", string types = "",
        bool stores = false, MethodShape shape = MethodShape.Plain, string? baseType = null) =>
        new(id, VariantKind.Data, description,
            flow => new CaseCode(
                Fill(Flow.Join(store, flow.Rest("").Replace("$v", load, StringComparison.Ordinal)), flow),
                shape, Fill(members, flow), Fill(types, flow), baseType),
            stores ? StoringHandsOn : null);

    /// <summary>A variant whose rest of the core runs inside a block the carrier opens (<c>{rest}</c> in <paramref name="around"/>).</summary>
    private static Variant Scoped(string id, string description, string around, string load, string members = "", bool stores = false) =>
        new(id, VariantKind.Data, description,
            flow => new CaseCode(
                Fill(around, flow).Replace("{rest}", flow.Rest("").Replace("$v", load, StringComparison.Ordinal), StringComparison.Ordinal),
                Members: Fill(members, flow)),
            stores ? StoringHandsOn : null);

    private static string Fill(string template, Flow flow) => template
        .Replace("{PH}", flow.ProduceInHelper, StringComparison.Ordinal)
        .Replace("{P}", flow.Produce, StringComparison.Ordinal)
        .Replace("{T}", flow.Type, StringComparison.Ordinal)
        .Replace("$drop", flow.Discard.Replace("$v", "a", StringComparison.Ordinal), StringComparison.Ordinal);

    /// <summary>The data-flow variants, in table order.</summary>
    public static IReadOnlyList<Variant> All { get; } = Build();

    private static List<Variant> Build() =>
    [
        Carrier("d01", "local declared first, assigned later", "{T} a; a = {P};", "a"),
        Carrier("d02", "copied into a second local", "var a0 = {P}; var a = a0;", "a"),
        Carrier("d03", "field of `this`", "_a = {P};", "_a", members: "private {T} _a;", stores: true),
        Carrier("d04", "static field", "s_a = {P};", "s_a", members: "private static {T} s_a;", stores: true),
        Carrier("d05", "field of another object", "_h.A = {P};", "_h.A", members: "private readonly Holder _h = new();", types: "public sealed class Holder { public {T} A; }", stores: true),
        Carrier("d06", "auto-property of `this`", "A = {P};", "A", members: "private {T} A { get; set; }", stores: true),
        Carrier("d07", "property with a backing field", "B = {P};", "B", members: "private {T} _b; private {T} B { get => _b; set => _b = value; }", stores: true),
        Carrier("d08", "property of another object (a local)", "var h = new Holder(); h.A = {P};", "h.A", types: "public sealed class Holder { public {T} A { get; set; } }", stores: true),
        Carrier("d09", "object initializer", "var h = new Holder { A = {P} };", "h.A", types: "public sealed class Holder { public {T} A { get; set; } }", stores: true),
        Carrier("d10", "array field, constant index", "_slots[3] = {P};", "_slots[3]", members: "private readonly {T}[] _slots = new {T}[8];", stores: true),
        Carrier("d11", "local array", "var slots = new {T}[8]; slots[3] = {P};", "slots[3]", stores: true),
        Carrier("d12", "array initializer", "var slots = new[] { {P} };", "slots[0]", stores: true),
        Carrier("d13", "`List<T>` local", "var list = new List<{T}>(); list.Add({P});", "list[0]", stores: true),
        Carrier("d14", "`List<T>` field", "_list.Add({P});", "_list[_list.Count - 1]", members: "private readonly List<{T}> _list = new();", stores: true),
        Carrier("d15", "`Dictionary<,>` indexer", "var map = new Dictionary<int, {T}>(); map[7] = {P};", "map[7]", stores: true),
        Carrier("d16", "`Dictionary<,>` initializer and `TryGetValue`", "var map = new Dictionary<int, {T}> { [7] = {P} }; if (!map.TryGetValue(7, out var a)) $ret;", "a", stores: true),
        Carrier("d17", "named tuple element", "var t = (A: {P}, Len: 64);", "t.A"),
        Carrier("d18", "tuple deconstruction", "var (a, len) = ({P}, 64);", "a"),
        Carrier("d19", "tuple returned by a helper", "var (a, _) = Make(device, buf);", "a", members: "private static ({T} A, int Len) Make(Device device, KBuffer buf) => ({PH}, 64);"),
        Carrier("d20", "record class", "var r = new Slot({P}, 64);", "r.A", types: "public sealed record Slot({T} A, int Len);", stores: true),
        Carrier("d21", "record struct", "var r = new Slot({P}, 64);", "r.A", types: "public readonly record struct Slot({T} A, int Len);"),
        Carrier("d22", "mutable struct local", "var c = new Cell(); c.A = {P}; c.Len = 64;", "c.A", types: "public struct Cell { public {T} A; public int Len; }"),
        Carrier("d23", "`ref` local to an array element", "var slots = new {T}[4]; ref var r = ref slots[1]; r = {P};", "r", stores: true),
        Carrier("d24", "`ref` local to a local (written through the alias)", "{T} a = default; ref {T} r = ref a; r = {P};", "a"),
        Carrier("d25", "`ref` return of a field", "Slot() = {P};", "Slot()", members: "private {T} _a; private ref {T} Slot() => ref _a;", stores: true),
        Carrier("d26", "`out` parameter of a helper", "Make(device, buf, out var a);", "a", members: "private static void Make(Device device, KBuffer buf, out {T} a) { a = {PH}; }"),
        Carrier("d27", "`ref` parameter of a helper", "{T} a = default; Fill(device, buf, ref a);", "a", members: "private static void Fill(Device device, KBuffer buf, ref {T} a) { a = {PH}; }"),
        Carrier("d28", "made by a lambda", "Func<{T}> make = () => {P}; var a = make();", "a"),
        Carrier("d29", "made by a local function", "{T} Make() => {P}; var a = Make();", "a"),
        Carrier("d30", "made by a static local function", "static {T} Make(Device device, KBuffer buf) => {PH}; var a = Make(device, buf);", "a"),
        Carrier("d31", "captured local written by a lambda", "{T} a = default; Action fill = () => a = {P}; fill();", "a"),
        Carrier("d32", "`async` helper awaited", "var a = await MakeAsync(device, buf);", "a",
            members: "private static async Task<{T}> MakeAsync(Device device, KBuffer buf) { await Task.Yield(); return {PH}; }", shape: MethodShape.Async),
        Scoped("d33", "iterator helper, read in `foreach`", "foreach (var a in Make(device, buf)) { {rest} }", "a",
            members: "private static IEnumerable<{T}> Make(Device device, KBuffer buf) { yield return {PH}; }"),
        Carrier("d34", "LINQ `Select(…).First()`", "var a = Enumerable.Range(0, 1).Select(_ => {P}).First();", "a"),
        Carrier("d35", "LINQ query expression", "var a = (from i in Enumerable.Range(0, 1) select {P}).Single();", "a"),
        Carrier("d36", "generic identity helper", "var a = Pass({P});", "a", members: "private static U Pass<U>(U value) => value;"),
        Carrier("d37", "generic holder class", "var box = new Box<{T}> { Value = {P} };", "box.Value", types: "public sealed class Box<U> { public U Value { get; set; } = default!; }", stores: true),
        Carrier("d38", "helper in another class", "var a = Source.Make(device, buf);", "a", types: "public static class Source { public static {T} Make(Device device, KBuffer buf) => {PH}; }"),
        Carrier("d39", "helper in the other part of a partial class", "var a = Make(device, buf);", "a", types: "public sealed partial class Case { private static {T} Make(Device device, KBuffer buf) => {PH}; }"),
        Carrier("d40", "helper in a base class", "var a = Make(device, buf);", "a", types: "public abstract class DriverBase { protected {T} Make(Device device, KBuffer buf) => {PH}; }", baseType: "DriverBase"),
        Carrier("d41", "abstract method overridden in the case class", "var a = Make(device, buf);", "a",
            members: "protected override {T} Make(Device device, KBuffer buf) => {PH};", types: "public abstract class DriverBase { protected abstract {T} Make(Device device, KBuffer buf); }", baseType: "DriverBase"),
        Carrier("d42", "interface dispatch", "ISource source = new Source(); var a = source.Make(device, buf);", "a",
            types: "public interface ISource { {T} Make(Device device, KBuffer buf); } public sealed class Source : ISource { public {T} Make(Device device, KBuffer buf) => {PH}; }"),
        Carrier("d43", "extension method", "var a = device.Make(buf);", "a", types: "public static class DeviceExtensions { public static {T} Make(this Device device, KBuffer buf) => {PH}; }"),
        Carrier("d44", "delegate field", "var a = _make(device, buf);", "a", members: "private readonly Func<Device, KBuffer, {T}> _make = (device, buf) => {PH};"),
        Carrier("d45", "store before check: a local copied into a field, read back through it", "var a0 = {P}; _a = a0;", "_a", members: "private {T} _a;", stores: true),
        Carrier("d46", "store before check: a request slot indexed by a parameter", "var a0 = {P}; _slots[n & 7] = a0;", "_slots[n & 7]", members: "private readonly {T}[] _slots = new {T}[8];", stores: true),
        Carrier("d47", "join: assigned in both arms of an `if`", "{T} a; if (flag) { a = {P}; } else { a = {P}; }", "a"),
        Carrier("d48", "join: reassigned in one arm (the first value dropped correctly)", "var a = {P}; if (flag) { $drop a = {P}; }", "a"),
        Carrier("d49", "join: `?:` of two values", "var a = flag ? {P} : {P};", "a"),
        Carrier("d50", "join: switch expression of three values", "var a = n switch { 0 => {P}, 1 => {P}, _ => {P} };", "a"),
        Carrier("d51", "returned through `?:` by a helper", "var a = Make(device, buf, flag);", "a", members: "private static {T} Make(Device device, KBuffer buf, bool big) => big ? {PH} : {PH};"),
        Carrier("d52", "returned by a switch-expression-bodied helper", "var a = Make(device, buf, n);", "a", members: "private static {T} Make(Device device, KBuffer buf, int n) => n switch { 0 => {PH}, _ => {PH} };"),
        Carrier("d53", "returned by a helper with two `return`s", "var a = Make(device, buf, flag);", "a", members: "private static {T} Make(Device device, KBuffer buf, bool big) { if (big) return {PH}; return {PH}; }"),
        Carrier("d54", "nullable, completed with `??`", "{T}? a0 = flag ? {P} : null; var a = a0 ?? {P};", "a"),
        Carrier("d55", "nullable local read through `.Value`", "{T}? a = {P};", "a.Value"),
        Carrier("d56", "static field of another class", "Shared.A = {P};", "Shared.A", types: "public static class Shared { public static {T} A; }", stores: true),
        Carrier("d57", "object made with a constructor argument", "var config = new Config({P});", "config.A", types: "public sealed class Config { public Config({T} a) { A = a; } public {T} A { get; } }", stores: true),
        Carrier("d58", "`Queue<T>` enqueued and dequeued", "var queue = new Queue<{T}>(); queue.Enqueue({P}); var a = queue.Dequeue();", "a", stores: true),
        Carrier("d59", "member of an array field's struct elements (per-slot bookkeeping)", "_rx[n & 7].A = {P};", "_rx[n & 7].A", members: "private readonly SlotInfo[] _rx = new SlotInfo[8];", types: "public struct SlotInfo { public {T} A; public int Len; }", stores: true),
        Carrier("d60", "member of an array field's class elements", "_tx[3].A = {P};", "_tx[3].A", members: "private readonly TxInfo[] _tx = { new(), new(), new(), new() };", types: "public sealed class TxInfo { public {T} A { get; set; } }", stores: true),
        Carrier("d61", "loop: remade on each pass, the earlier pass's value dropped before the next is made", "var a = {P}; for (var pass = 0; pass < n; pass++) { $drop a = {P}; }", "a"),
        Carrier("d62", "loop: remade on each pass, the earlier pass's value dropped after the next is made", "var a = {P}; for (var pass = 0; pass < n; pass++) { {T} next = {P}; $drop a = next; }", "a"),
    ];
}
