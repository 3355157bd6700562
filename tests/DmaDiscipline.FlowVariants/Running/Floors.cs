using System.Globalization;

namespace DmaDiscipline.FlowVariants.Running;

/// <summary>One rule's line of <c>floors.txt</c>: the ratchet the CI test holds it to, and the goal beside it.</summary>
public sealed record Floor(string Rule, double Recall, double Precision, double RecallGoal, double PrecisionGoal);

/// <summary>
/// Reads <c>floors.txt</c> (copied beside the assembly): per rule, the recall and precision
/// floors the suite must not fall under, and issue 14's goal. Lines: <c>DMA001 0.80 1.00 0.95 0.98</c>;
/// <c>#</c> starts a comment.
/// </summary>
public static class Floors
{
    /// <summary>The floors file's name.</summary>
    public const string FileName = "floors.txt";

    /// <summary>The floors, by rule, from the file beside the assembly.</summary>
    public static IReadOnlyDictionary<string, Floor> Load() => Parse(File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, FileName)));

    /// <summary>Parses the file's lines; a malformed line is an error that names it.</summary>
    public static IReadOnlyDictionary<string, Floor> Parse(IEnumerable<string> lines)
    {
        var floors = new Dictionary<string, Floor>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5 || !fields.Skip(1).All(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                throw new FormatException($"{FileName} line {number}: expected 'RULE recall precision recall-goal precision-goal', got '{raw}'");
            }

            var values = fields.Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            floors[fields[0]] = new Floor(fields[0], values[0], values[1], values[2], values[3]);
        }

        return floors;
    }
}
