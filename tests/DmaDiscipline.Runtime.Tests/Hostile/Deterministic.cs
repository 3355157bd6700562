using CsCheck;

namespace DmaDiscipline.Runtime.Tests.Hostile;

/// <summary>
/// CsCheck generators run from a fixed seed: the same values in every run, so a failure is a
/// failure of the code, never of the draw (<see cref="Gen{T}.Sample(Action{T}, long, long, string, long, int, int, Func{T, string}, bool)"/>
/// draws fresh seeds each run).
/// </summary>
internal static class Deterministic
{
    public static void Sample<T>(this Gen<T> gen, Action<T> check, int iterations, ulong stream)
    {
        var pcg = new PCG((uint)stream, stream * 2654435761UL + 1);
        for (int i = 0; i < iterations; i++)
        {
            T value = gen.Generate(pcg, null, out _);
            try
            {
                check(value);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"iteration {i} of stream {stream} failed for {Describe(value)}:\n{e}");
            }
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object?>()) + "]",
        _ => value?.ToString() ?? "null",
    };
}
