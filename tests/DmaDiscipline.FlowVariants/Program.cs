using System.Globalization;
using DmaDiscipline.FlowVariants.Generation;
using DmaDiscipline.FlowVariants.Report;
using DmaDiscipline.FlowVariants.Running;

namespace DmaDiscipline.FlowVariants;

/// <summary>
/// The suite's command line. Without arguments: runs every rule and prints the scores and what was
/// missed. <c>--rule DMA00N</c> (repeatable) runs only those rules; <c>--write PATH</c> writes the
/// markdown table; <c>--dump DIR</c> writes the rendered cases; <c>--label TEXT</c> says in the
/// table what was measured (default: the current commit); <c>--runtime</c> also runs the cases of
/// DMA002–DMA006 under the DMA-API debug layer (<see cref="RuntimeCheck"/>).
/// </summary>
public static class Program
{
    /// <summary>Exit code 0 on success; 1 on compiler errors or analyzer exceptions; 2 on bad arguments.</summary>
    public static async Task<int> Main(string[] args)
    {
        string? write = null, dump = null, label = null;
        var runtime = false;
        var rules = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--write" when value is not null: write = value; i++; break;
                case "--dump" when value is not null: dump = value; i++; break;
                case "--label" when value is not null: label = value; i++; break;
                case "--rule" when value is not null: rules.Add(value.ToUpperInvariant()); i++; break;
                case "--runtime": runtime = true; break;
                default:
                    await Console.Error.WriteLineAsync($"unknown or incomplete argument '{args[i]}'; usage: [--rule DMA00N]... [--write docs/flow-variants.md] [--dump DIR] [--label TEXT] [--runtime]");
                    return 2;
            }
        }

        var unknown = rules.Where(r => Cores.All.All(c => c.Rule != r)).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"no core for {string.Join(", ", unknown)}; rules: {string.Join(", ", Cores.All.Select(c => c.Rule).Distinct())}");
            return 2;
        }

        var cores = rules.Count == 0 ? Cores.All : Cores.All.Where(c => rules.Contains(c.Rule)).ToList();
        if (dump is not null)
        {
            foreach (var rule in cores.GroupBy(c => c.Rule))
            {
                foreach (var (path, text) in SuiteRun.Sources(rule, Variant.All))
                {
                    var file = Path.Combine(dump, path);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    await File.WriteAllTextAsync(file, text);
                }
            }
        }

        var result = await SuiteRun.RunAsync(cores);
        foreach (var error in result.CompilerErrors.Concat(result.AnalyzerExceptions))
        {
            await Console.Error.WriteLineAsync(error);
        }

        var floors = Floors.Load();
        foreach (var score in result.Scores)
        {
            var floor = floors.GetValueOrDefault(score.Rule);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{score.Rule}: {score.Found}/{score.Cases} found, {score.FalsePositives} FP, {score.Excluded} not counted; recall {score.Recall:0.000} precision {score.Precision:0.000} (floor {floor?.Recall:0.00}/{floor?.Precision:0.00})"));
            var missed = result.Outcomes.Where(o => o.Rule == score.Rule && o.Excluded is null && !o.Found).Select(o => $"{o.CoreId}/{o.VariantId}");
            var wrong = result.Outcomes.Where(o => o.Rule == score.Rule && o.Excluded is null && o.FalsePositive).Select(o => $"{o.CoreId}/{o.VariantId}");
            var unclean = result.Outcomes.Where(o => o.Rule == score.Rule && o.Excluded is null && o.OtherRulesOnTwin.Count > 0).Select(o => $"{o.CoreId}/{o.VariantId}({string.Join("+", o.OtherRulesOnTwin)})");
            Console.WriteLine($"  missed: {string.Join(" ", missed)}");
            Console.WriteLine($"  FP on twin: {string.Join(" ", wrong)}");
            Console.WriteLine($"  other rules on twin (not scored): {string.Join(" ", unclean)}");
        }

        var checkedAtRunTime = runtime ? RuntimeCheck.Run(cores) : null;
        if (checkedAtRunTime is not null)
        {
            // Does each case mean what it says? Run it under the DMA-API debug layer.
            foreach (var core in checkedAtRunTime.GroupBy(o => o.CoreId))
            {
                var unseen = core.Where(o => !o.DefectReported).Select(o => o.VariantId);
                var wrong = core.Where(o => o.TwinReported).Select(o => o.VariantId);
                Console.WriteLine($"{core.Key} at run time: {core.Count(o => o.DefectReported)}/{core.Count()} defects reported by the debug layer, {core.Count(o => o.TwinReported)} twins reported");
                Console.WriteLine($"  defect not reported: {string.Join(" ", unseen)}");
                Console.WriteLine($"  twin reported: {string.Join(" ", wrong)}");
            }
        }

        if (write is not null)
        {
            await File.WriteAllTextAsync(write, FlowVariantsTable.Markdown(result, floors, label ?? "the current commit", checkedAtRunTime));
            Console.WriteLine($"wrote {write}");
        }

        return result.CompilerErrors.Count == 0 && result.AnalyzerExceptions.Count == 0 ? 0 : 1;
    }
}
