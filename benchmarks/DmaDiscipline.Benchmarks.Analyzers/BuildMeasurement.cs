using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// One `dotnet build -p:ReportAnalyzer=true` of the corpus: the Csc task's time, each analyzer's, and
/// the CPU the build used (null in a compiler server, whose work is not the build's child).
/// </summary>
public sealed partial record BuildMeasurement(double CscSeconds, double AnalyzersTotalSeconds, IReadOnlyDictionary<string, double> AnalyzerSeconds, int DmaWarnings, double? CpuSeconds)
{
    [GeneratedRegex(@"^\s*(?<ms>\d+)\s+ms\s+Csc\s+\d+\s+calls", RegexOptions.Multiline)]
    private static partial Regex CscTask();

    [GeneratedRegex(@"Total analyzer execution time:\s*(?<s>[\d.,]+)\s*seconds", RegexOptions.Multiline)]
    private static partial Regex TotalAnalyzers();

    // "   0.123    4   DmaDiscipline.Analyzers.Rules.MappingLifecycleAnalyzer (DMA002, ...)" under the assembly's line;
    // the summary generator's line the same way under the generators' total (the package's cost too).
    [GeneratedRegex(@"^\s*(?<s>[<\d.,]+)\s+(?<pct>[<\d]+)\s+(?<name>DmaDiscipline\.Analyzers\.(Rules|Publishing)\.\w+)", RegexOptions.Multiline)]
    private static partial Regex AnalyzerLine();

    [GeneratedRegex(@"warning (?<id>DMA\d{3})")]
    private static partial Regex DmaWarning();

    /// <summary>
    /// Builds the corpus once; <paramref name="server"/> compiles in the shared compiler server
    /// (VBCSCompiler), as `dotnet build` does by default; <paramref name="withAnalyzers"/> false
    /// builds it without the DMA analyzers, the baseline of the whole-build overhead.
    /// </summary>
    public static BuildMeasurement Run(string project, bool server, bool withAnalyzers = true)
    {
        var cpuBefore = CpuTime.ChildrenSeconds();
        var output = Dotnet(Path.GetDirectoryName(project)!, "build", project, "-c", "Release", "--no-restore", "--no-incremental",
            "-p:ReportAnalyzer=true", "-v:d", "-clp:PerformanceSummary", "-nodeReuse:false", $"-p:UseSharedCompilation={(server ? "true" : "false")}",
            $"-p:DmaAnalyzers={(withAnalyzers ? "true" : "false")}");
        var cpu = server ? null : CpuTime.ChildrenSeconds() - cpuBefore;
        var csc = CscTask().Match(output);
        if (!csc.Success)
        {
            throw new InvalidOperationException("No Csc task time in the build output:\n" + Tail(output));
        }

        var total = TotalAnalyzers().Match(output);
        var analyzers = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match line in AnalyzerLine().Matches(output))
        {
            var name = line.Groups["name"].Value;
            var seconds = ParseSeconds(line.Groups["s"].Value);
            analyzers[name] = analyzers.TryGetValue(name, out var existing) ? Math.Max(existing, seconds) : seconds;
        }

        var warnings = DmaWarning().Matches(output).Select(m => m.Value).Count();
        return new BuildMeasurement(
            int.Parse(csc.Groups["ms"].Value, CultureInfo.InvariantCulture) / 1000.0,
            total.Success ? ParseSeconds(total.Groups["s"].Value) : 0,
            analyzers,
            warnings,
            cpu);
    }

    // The compiler prints "<0.001" for tiny times.
    private static double ParseSeconds(string text) =>
        text.StartsWith('<') ? 0 : double.Parse(text.Replace(',', '.'), CultureInfo.InvariantCulture);

    public static string Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var output = stdout.Result + stderr.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{Tail(output)}");
        }

        return output;
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;
}
