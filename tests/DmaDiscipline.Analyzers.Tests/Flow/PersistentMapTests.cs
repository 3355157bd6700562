using DmaDiscipline.Analyzers.Flow;

namespace DmaDiscipline.Analyzers.Tests.Flow;

/// <summary>The dataflow state's map: immutable, value-compared, shared between versions, and the same instance when nothing changes.</summary>
public sealed class PersistentMapTests
{
    [Fact]
    public void Setting_adds_or_replaces_and_leaves_the_original_as_it_was()
    {
        var empty = PersistentMap<string, long>.Empty;
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
        var map = PersistentMap<string, long>.Empty.SetItem("length", 64);

        Assert.Same(map, map.SetItem("length", 64));
        Assert.Same(map, map.Remove("direction"));
        Assert.Same(PersistentMap<string, long>.Empty, map.Remove("length"));
        Assert.Same(map, map.Union(map.SetItem("length", 64), (_, a, _) => a));
        Assert.Same(map, map.Intersect(map.SetItem("direction", 1)));
    }

    [Fact]
    public void Removing_keeps_the_other_entries()
    {
        var map = PersistentMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2).SetItem("c", 3).Remove("b");

        Assert.Equal(["a", "c"], Entries(map).Select(entry => entry.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Maps_with_the_same_entries_in_another_order_are_the_same()
    {
        var ab = PersistentMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2);
        var ba = PersistentMap<string, long>.Empty.SetItem("b", 2).SetItem("a", 1);

        Assert.True(ab.SameAs(ba));
        Assert.False(ab.SameAs(ba.SetItem("a", 5)));
        Assert.False(ab.SameAs(ab.Remove("a")));
    }

    [Fact]
    public void Union_joins_the_values_of_keys_both_hold_and_keeps_the_rest()
    {
        var left = PersistentMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2);
        var right = PersistentMap<string, long>.Empty.SetItem("b", 4).SetItem("c", 8);

        var union = left.Union(right, (_, mine, theirs) => mine | theirs);

        Assert.Equal([("a", 1L), ("b", 6L), ("c", 8L)], Entries(union).Select(e => (e.Key, e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(3, union.Count);
    }

    [Fact]
    public void Intersect_keeps_the_keys_both_hold_with_equal_values()
    {
        var left = PersistentMap<string, long>.Empty.SetItem("a", 1).SetItem("b", 2).SetItem("c", 3);
        var right = PersistentMap<string, long>.Empty.SetItem("b", 2).SetItem("c", 4);

        var both = left.Intersect(right);

        Assert.Equal([("b", 2L)], Entries(both).Select(e => (e.Key, e.Value)));
        Assert.Equal(1, both.Count);
    }

    /// <summary>
    /// Random updates, removals, unions and intersections of maps that share history, on keys whose
    /// hashes collide in part (same low bits) and in full (same hash): the map agrees with a
    /// dictionary, and SameAs with comparing the dictionaries.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Agrees_with_a_dictionary_on_random_operations(int seed)
    {
        var random = new Random(seed);
        var maps = new List<(PersistentMap<Key, int> Map, Dictionary<Key, int> Model)> { (PersistentMap<Key, int>.Empty, new Dictionary<Key, int>()) };
        for (var step = 0; step < 3000; step++)
        {
            var (map, model) = maps[random.Next(maps.Count)];
            model = new Dictionary<Key, int>(model);
            var id = random.Next(400);
            // A quarter of the keys share one hash, a quarter share their low ten bits, the rest spread.
            var key = new Key(id, (id % 4) switch { 0 => 7, 1 => (id % 64) << 10 | 3, _ => id * -1640531535 });
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    var value = random.Next(5);
                    map = map.SetItem(key, value);
                    model[key] = value;
                    break;
                case 2:
                    map = map.Remove(key);
                    model.Remove(key);
                    break;
                case 3:
                    {
                        var (other, otherModel) = maps[random.Next(maps.Count)];
                        map = map.Union(other, (_, a, b) => Math.Max(a, b));
                        foreach (var pair in otherModel)
                        {
                            model[pair.Key] = model.TryGetValue(pair.Key, out var mine) ? Math.Max(mine, pair.Value) : pair.Value;
                        }

                        break;
                    }

                case 4:
                    {
                        var (other, otherModel) = maps[random.Next(maps.Count)];
                        map = map.Intersect(other);
                        foreach (var pair in model.ToList())
                        {
                            if (!otherModel.TryGetValue(pair.Key, out var theirs) || theirs != pair.Value)
                            {
                                model.Remove(pair.Key);
                            }
                        }

                        break;
                    }

                default:
                    {
                        var (other, otherModel) = maps[random.Next(maps.Count)];
                        var same = model.Count == otherModel.Count && model.All(pair => otherModel.TryGetValue(pair.Key, out var v) && v == pair.Value);
                        Assert.Equal(same, map.SameAs(other));
                        var notIn = new List<Key>();
                        map.KeysNotIn(other, notIn);
                        Assert.Equal(
                            model.Where(pair => !otherModel.TryGetValue(pair.Key, out var v) || v != pair.Value).Select(pair => pair.Key.Id).Order(),
                            notIn.Select(key => key.Id).Order());
                        break;
                    }
            }

            Assert.Equal(model.Count, map.Count);
            var entries = Entries(map);
            Assert.Equal(model.Count, entries.Count);
            foreach (var pair in entries)
            {
                Assert.Equal(model[pair.Key], pair.Value);
            }

            foreach (var pair in model)
            {
                Assert.True(map.TryGetValue(pair.Key, out var value) && value == pair.Value);
            }

            maps.Add((map, model));
            if (maps.Count > 40)
            {
                maps.RemoveAt(random.Next(maps.Count));
            }
        }
    }

    [Fact]
    public void Two_versions_that_differ_in_one_entry_of_thousands_are_told_apart_and_joined()
    {
        var map = PersistentMap<int, int>.Empty;
        for (var i = 0; i < 5000; i++)
        {
            map = map.SetItem(i, i);
        }

        var changed = map.SetItem(2500, -1);

        Assert.False(map.SameAs(changed));
        Assert.True(map.SameAs(changed.SetItem(2500, 2500)));
        var joined = map.Union(changed, (_, a, b) => Math.Min(a, b));
        Assert.True(joined.TryGetValue(2500, out var value) && value == -1);
        Assert.Equal(5000, joined.Count);
        Assert.Equal(4999, map.Intersect(changed).Count);
    }

    [Fact]
    public void Keys_not_in_another_version_are_those_changed_or_added_since_they_parted()
    {
        var map = PersistentMap<int, int>.Empty;
        for (var i = 0; i < 5000; i++)
        {
            map = map.SetItem(i, i);
        }

        var other = map.Remove(10).SetItem(20, -1);
        var mine = map.Remove(30).SetItem(5000, 5000);
        var keys = new List<int>();
        mine.KeysNotIn(other, keys);

        // 10 (removed there), 20 (another value there), 5000 (added here); not 30 (removed here).
        Assert.Equal([10, 20, 5000], keys.Order());
        keys.Clear();
        mine.KeysNotIn(mine, keys);
        Assert.Empty(keys);
        mine.KeysNotIn(PersistentMap<int, int>.Empty, keys);
        Assert.Equal(mine.Count, keys.Count);
    }

    private static List<KeyValuePair<TKey, TValue>> Entries<TKey, TValue>(PersistentMap<TKey, TValue> map)
        where TKey : notnull
    {
        var entries = new List<KeyValuePair<TKey, TValue>>();
        foreach (var entry in map)
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>A key with a chosen hash: equal hashes for different keys make the trie's collision paths run.</summary>
    private sealed record Key(int Id, int Hash)
    {
        public bool Equals(Key? other) => other is not null && other.Id == Id && other.Hash == Hash;

        public override int GetHashCode() => Hash;
    }
}
