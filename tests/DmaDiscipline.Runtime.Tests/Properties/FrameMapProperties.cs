using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Properties;

/// <summary>
/// The hot path's frame map (the live-mapping record's and the IOVA allocator's book) against a
/// <see cref="Dictionary{TKey, TValue}"/>: after any sequence of adds, removals and sweeps over keys
/// that collide (few distinct keys, many in one probe run), every key finds exactly its value.
/// </summary>
public sealed class FrameMapProperties
{
    public readonly record struct Step(int Kind, ulong Key, int Value)
    {
        public override string ToString() => $"({Kind},{Key},{Value})";
    }

    // Keys from a small range (collisions and wrap-around at the table's end) and from far apart.
    private static readonly Gen<Step[]> Steps =
        Gen.Select(Gen.Int[0, 9], Gen.OneOf(Gen.ULong[0, 40], Gen.ULong[0, 1UL << 52]), Gen.Int[-3, 1000], (k, key, v) => new Step(k, key, v)).Array[1, 400];

    [Fact]
    public void EveryKey_FindsItsValue_AfterAddsRemovalsAndSweeps()
    {
        Steps.Sample(steps =>
        {
            var map = new FrameMap<int>();
            var model = new Dictionary<ulong, int>();
            foreach (Step step in steps)
            {
                switch (step.Kind)
                {
                    case <= 4:
                        ref int value = ref map.GetOrAdd(step.Key, out bool exists);
                        Assert.Equal(model.ContainsKey(step.Key), exists);
                        value = step.Value;
                        model[step.Key] = step.Value;
                        break;
                    case <= 7:
                        Assert.Equal(model.Remove(step.Key), map.Remove(step.Key));
                        break;
                    case 8:
                        map.RemoveWhere(static v => v < 0);
                        foreach (ulong key in model.Where(e => e.Value < 0).Select(e => e.Key).ToList())
                        {
                            model.Remove(key);
                        }

                        break;
                    default:
                        Assert.Equal(model.TryGetValue(step.Key, out int expected), map.TryGetValue(step.Key, out int found));
                        Assert.Equal(expected, found);
                        break;
                }

                Assert.Equal(model.Count, map.Count);
            }

            foreach ((ulong key, int expected) in model)
            {
                Assert.True(map.TryGetValue(key, out int found), $"key {key} lost");
                Assert.Equal(expected, found);
            }

            Assert.Equal(model.Values.Order(), map.Values().Order());
        }, iter: 300);
    }
}
