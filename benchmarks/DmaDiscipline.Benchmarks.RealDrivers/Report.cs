using System.Globalization;
using System.Text;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>
/// One measurement as a section of docs/real-drivers.md: the table per codebase, the misses grouped by what finding
/// them takes, the false positives, the crashes. A section is replaced by a later run with the same label; the
/// hand-written rest of the page is kept.
/// </summary>
internal static class Report
{
    public static string Section(string label, string analyzerPath, string symbolsFileName, IReadOnlyList<(CodebaseResult Result, GroundTruth Truth, Score Score)> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(Begin(label));
        text.AppendLine($"### Measurement: {label}");
        text.AppendLine();
        text.AppendLine($"Analyzer `{analyzerPath}`, symbols file `{symbolsFileName}` of each codebase, run {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by");
        text.AppendLine("`benchmarks/DmaDiscipline.Benchmarks.RealDrivers`. Times were measured on a shared, loaded machine: indicative only.");
        text.AppendLine();
        text.AppendLine("| codebase | commit | projects (files, compile errors) | defects | found | missed | DMA001/DMA008 diagnostics | false positives | recall | precision | AD0001 | other DMA diagnostics | analysis time |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (result, _, score) in runs)
        {
            var projects = string.Join("; ", result.Projects.Select(p => $"{p.Name} ({p.Files}, {p.CompileErrors})"));
            var others = string.Join(", ", result.Findings.Where(f => !Score.Rules.Contains(f.Id)).GroupBy(f => f.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Corpus.Name} | `{result.SourceCommit[..7]}` | {projects} | {score.Defects} | {score.Found.Count} | {score.Missed.Count} | {score.TruePositiveDiagnostics + score.FalsePositives.Count} | {score.FalsePositives.Count} | {score.Recall:0.00} | {(double.IsNaN(score.Precision) ? "–" : score.Precision.ToString("0.00", CultureInfo.InvariantCulture))} | {result.AnalyzerExceptions.Count} | {(others.Length == 0 ? "–" : others)} | {result.AnalysisTime.TotalSeconds:0.0} s |"));
        }

        text.AppendLine();
        text.AppendLine("Precision is over diagnostics (the share of DMA001/DMA008 diagnostics that find a defect); \"–\" when there was none.");
        foreach (var (result, _, score) in runs.Where(r => r.Result.Projects.Any(p => p.CompileErrors > 0)))
        {
            text.AppendLine($"Compile errors in {result.Corpus.Name}: {string.Join("; ", result.Projects.Where(p => p.CompileErrors > 0).Select(p => $"{p.Name}: {p.TopErrors}" + (p.MissingSources > 0 ? $" ({p.MissingSources} listed files absent)" : string.Empty)))}.");
        }

        foreach (var (result, _, _) in runs.Where(r => r.Result.UnresolvedSymbols.Count > 0))
        {
            text.AppendLine($"Symbols-file ids of {result.Corpus.Name} that name nothing in its compilations: {string.Join("; ", result.UnresolvedSymbols)}.");
        }

        if (runs.All(r => r.Result.UnresolvedSymbols.Count == 0))
        {
            text.AppendLine("Every id of every symbols file names a symbol of its codebase's compilations.");
        }

        text.AppendLine();
        text.AppendLine("#### Misses, by what finding them takes");
        text.AppendLine();
        text.AppendLine("| codebase | what finding it takes | missed | sites |");
        text.AppendLine("|---|---|---|---|");
        foreach (var (result, _, score) in runs)
        {
            foreach (var group in score.Missed.GroupBy(m => m.Needs).OrderByDescending(g => g.Count()))
            {
                text.AppendLine($"| {result.Corpus.Name} | {group.Key} | {group.Count()} | {string.Join(", ", group.Select(m => $"{m.Kind} `{m.Site}`"))} |");
            }
        }

        text.AppendLine();
        text.AppendLine("#### False positives");
        text.AppendLine();
        var any = false;
        foreach (var (result, _, score) in runs)
        {
            foreach (var fp in score.FalsePositives)
            {
                any = true;
                text.AppendLine($"- {result.Corpus.Name} `{fp.Finding.Site}` {fp.Finding.Id} — {fp.Note}. Message: {fp.Finding.Message}");
            }
        }

        if (!any)
        {
            text.AppendLine("None.");
        }

        text.AppendLine();
        text.AppendLine("#### Found");
        text.AppendLine();
        foreach (var (result, _, score) in runs)
        {
            text.AppendLine($"- {result.Corpus.Name}: {(score.Found.Count == 0 ? "none" : string.Join(", ", score.Found.Select(f => $"{f.Kind} `{f.Site}`")))}");
        }

        var crashes = runs.SelectMany(r => r.Result.AnalyzerExceptions.Select(e => $"{r.Result.Corpus.Name}: {e}")).ToList();
        if (crashes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("#### AD0001 (analyzer exceptions)");
            text.AppendLine();
            foreach (var crash in crashes)
            {
                text.AppendLine($"- {crash}");
            }
        }

        text.AppendLine(End(label));
        return text.ToString();
    }

    /// <summary>Puts the section into the page in place of an earlier one with the same label, or at its end.</summary>
    public static string Merge(string page, string label, string section)
    {
        var begin = page.IndexOf(Begin(label), StringComparison.Ordinal);
        var end = page.IndexOf(End(label), StringComparison.Ordinal);
        if (begin >= 0 && end > begin)
        {
            return page[..begin] + section + page[(end + End(label).Length)..].TrimStart('\r', '\n').Insert(0, "\n");
        }

        return page.TrimEnd() + "\n\n" + section;
    }

    private static string Begin(string label) => $"<!-- measurement: {label} -->";

    private static string End(string label) => $"<!-- end of measurement: {label} -->";
}
