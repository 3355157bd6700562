using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// Where the summary generator's time goes on one compilation, in figures the machine's load does not
/// move: the thread's CPU time (<see cref="CpuTime"/>) and the bytes it allocates, least of several
/// warm passes, each on a fresh compilation of the same trees (as a build hands the generator one).
/// </summary>
public static class GeneratorPhases
{
    /// <summary>The parts: the symbols and the facts the generator decides on, the carriers, then the summaries themselves.</summary>
    /// <param name="published">A file to write the published lines into (to compare two versions of the generator), or null.</param>
    public static string Measure(Func<int, Compilation> fresh, ImmutableArray<AdditionalText> files, int passes, string? published = null)
    {
        (double Cpu, long Bytes) Part(Action action)
        {
            var cpu = CpuTime.ThreadMilliseconds() ?? 0;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            action();
            return ((CpuTime.ThreadMilliseconds() ?? 0) - cpu, GC.GetAllocatedBytesForCurrentThread() - bytes);
        }

        var rows = new List<((double Cpu, long Bytes) Symbols, (double Cpu, long Bytes) Carriers, (double Cpu, long Bytes) Lines, int Count, int Bodies)>();
        for (var i = -1; i < passes; i++)
        {
            var compilation = fresh(i);
            DmaSymbols? symbols = null;
            var count = 0;
            var bodies = 0;
            var symbolsPart = Part(() => symbols = DmaSymbols.Create(compilation, files, default));
            var carriersPart = Part(() => symbols!.Carriers(default));
            // The generator's own entry: the symbols and carriers above are found computed (one instance per compilation).
            IReadOnlyList<string> lines = [];
            var linesPart = Part(() =>
            {
                lines = SummaryLines.Compute(compilation, files, default, out var summarised);
                count = lines.Count;
                bodies = summarised.Count;
            });
            if (i >= 0)
            {
                rows.Add((symbolsPart, carriersPart, linesPart, count, bodies));
            }

            if (published is not null)
            {
                File.WriteAllLines(published, lines);
            }
        }

        static string Least(IEnumerable<(double Cpu, long Bytes)> parts) =>
            string.Create(CultureInfo.InvariantCulture, $"{parts.Min(p => p.Cpu):F0} ms | {parts.Min(p => p.Bytes) / 1024:N0} KB");

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Summary generator by part, least of {passes} warm passes on fresh compilations (thread CPU, allocated): {rows[0].Count} lines published, {rows[0].Bodies} bodies summarised.");
        text.AppendLine();
        text.AppendLine("| part | CPU | allocated |");
        text.AppendLine("|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| symbols: runtime, symbols files, published summaries of references | {Least(rows.Select(r => r.Symbols))} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| carriers: names and declarations read once | {Least(rows.Select(r => r.Carriers))} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| summaries of the visible members | {Least(rows.Select(r => r.Lines))} |");
        return text.ToString();
    }
}
