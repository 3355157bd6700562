using System.Globalization;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>The <c>--queues</c> list: queue counts to run every multiqueue driver with.</summary>
internal static class QueueCounts
{
    /// <summary>The most queues a run may ask for (one thread each; the devices offer up to 31 pairs).</summary>
    public const int Max = 16;

    /// <summary>The distinct counts of a comma-separated list, ascending, or null when it is not one.</summary>
    public static IReadOnlyList<int>? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var counts = new SortedSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count is < 1 or > Max)
            {
                return null;
            }

            counts.Add(count);
        }

        return counts.ToList();
    }
}
