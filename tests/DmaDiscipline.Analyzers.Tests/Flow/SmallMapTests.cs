using DmaDiscipline.Analyzers.Flow;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>The dataflow state's map: immutable, value-compared, and the same instance when nothing changes.</summary>
public sealed class SmallMapTests
{
    [Fact]
    public void Setting_adds_or_replaces_and_leaves_the_original_as_it_was()
    {
        var empty = SmallMap<string, long>.Empty;
        var one = empty.SetItem("length", 64);
        var two = one.SetItem("direction", 1).SetItem("length", 128);

        Assert.Equal(0, empty.Count);
        Assert.True(one.TryGetValue("length", out var first) && first == 64);
        Assert.Equal(2, two.Count);
        Assert.True(two.TryGetValue("length", out var replaced) && replaced == 128);
        Assert.False(one.TryGetValue("direction", out _));
    }

    [Fact]
    public void A_change_that_changes_nothing_returns_the_same_map()
    {
        var map = SmallMap<string, long>.Empty.SetItem("length", 64);

        Assert.Same(map, map.SetItem("length", 64));
        Assert.Same(map, map.Remove("direction"));
        Assert.Same(SmallMap<string, long>.Empty, map.Remove("length"));
    }

    [Fact]
    public void Removing_keeps_the_other_entries_in_order()
    {
        var map = SmallMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2).SetItem("c", 3).Remove("b");
        var keys = new List<string>();
        foreach (var entry in map)
        {
            keys.Add(entry.Key);
        }

        Assert.Equal(["a", "c"], keys);
    }

    [Fact]
    public void Maps_with_the_same_entries_in_another_order_are_the_same()
    {
        var ab = SmallMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2);
        var ba = SmallMap<string, long>.Empty.SetItem("b", 2).SetItem("a", 1);

        Assert.True(ab.SameAs(ba));
        Assert.False(ab.SameAs(ba.SetItem("a", 5)));
        Assert.False(ab.SameAs(ab.Remove("a")));
    }
}
