using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Both flows share one model of containers (<c>Flow/Containers.cs</c>): an array, or a generic type of
/// another assembly that is a sequence — not only the framework's collections. A collection from a
/// library project carries a physical address to a device (DMA001) and a mapping handle to a post
/// (DMA003) as <c>List&lt;T&gt;</c> does; the same collection declared in the driver's own code is code,
/// read through its bodies. A <c>TryAdd</c> stores as <c>Add</c> does.
/// </summary>
public sealed class LibraryContainerTests
{
    private const string Map = "dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";

    private const string RingSource = """
        namespace Lib
        {
            public sealed class Ring<T> : System.Collections.Generic.IEnumerable<T>
            {
                private readonly System.Collections.Generic.List<T> _items = new System.Collections.Generic.List<T>();
                public void Push(T value) => _items.Add(value);
                public T Pop() { var last = _items[_items.Count - 1]; _items.RemoveAt(_items.Count - 1); return last; }
                public System.Collections.Generic.IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
                System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
            }
        }
        """;

    private static readonly Lazy<Task<LibraryAssembly.Built>> Library = new(() => LibraryAssembly.BuildAsync(RingSource, "Lib"));

    private static string Body(string statements) =>
        "class D { void F(DmaApi dma, KBuffer buf, IRing ring, Regs regs) { " + statements + " } }";

    [Theory]
    [InlineData("var r = new Lib.Ring<ulong>(); r.Push(buf.PhysicalAddress.Value); regs.QueueDesc = {|DMA001:r.Pop()|};")]
    [InlineData("var r = new Lib.Ring<ulong>(); r.Push(buf.PhysicalAddress.Value); foreach (var a in r) regs.QueueDesc = {|DMA001:a|};")]
    [InlineData("var r = new Lib.Ring<DmaAddr>(); r.Push(new DmaAddr(0x1000)); ring.Post({|DMA008:r.Pop()|}, 64);")]
    public async Task A_library_collection_carries_an_address(string statements) =>
        await Verify<AddressProvenanceAnalyzer>.Analyzer(Body(statements), [], [(await Library.Value).Reference]);

    [Theory]
    [InlineData("var r = new Lib.Ring<DmaAddr>(); r.Push(" + Map + "); ring.Post({|DMA003:r.Pop()|}, 64);")]
    [InlineData("var m = new System.Collections.Concurrent.ConcurrentDictionary<int, DmaAddr>(); m.TryAdd(1, " + Map + "); ring.Post({|DMA003:m[1]|}, 64);")]
    public async Task A_library_collection_carries_a_mapping(string statements) =>
        await Verify<MappingLifecycleAnalyzer>.Analyzer(Body(statements), [], [(await Library.Value).Reference]);

    [Theory]
    // The mapping is kept by the collection: handed over, not leaked.
    [InlineData("var a = " + Map + "; if (dma.MappingError(a)) return; _ring.Push(a);")]
    [InlineData("var a = " + Map + "; if (dma.MappingError(a)) return; _map.TryAdd(1, a);")]
    public async Task Kept_by_a_library_collection_is_not_leaked(string statements) =>
        await Verify<MappingLifecycleAnalyzer>.Analyzer(
            "class D { private readonly Lib.Ring<DmaAddr> _ring = new(); private readonly System.Collections.Concurrent.ConcurrentDictionary<int, DmaAddr> _map = new(); void F(DmaApi dma, KBuffer buf) { " + statements + " } }",
            [], [(await Library.Value).Reference]);

    [Fact]
    // The same type declared in the driver's code is read through its bodies: this Pop gives back nothing it was given.
    public Task A_collection_of_the_drivers_own_code_is_code() =>
        Verify<AddressProvenanceAnalyzer>.Analyzer(
            Body("var r = new Ring<ulong>(); r.Push(buf.PhysicalAddress.Value); regs.QueueDesc = r.Pop();")
            + " sealed class Ring<T> : IEnumerable<T> { public void Push(T value) { } public T Pop() => default!;"
            + " public IEnumerator<T> GetEnumerator() { yield break; } System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator(); }");
}
