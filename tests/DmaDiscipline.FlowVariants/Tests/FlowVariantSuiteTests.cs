using System.Globalization;
using DmaDiscipline.FlowVariants.Generation;
using DmaDiscipline.FlowVariants.Running;

namespace DmaDiscipline.FlowVariants.Tests;

/// <summary>
/// The flow-variant suite as a CI gate: every case compiles, no analyzer throws, and no rule's
/// recall or precision falls under its floor in floors.txt (a ratchet; the goal is written beside it).
/// </summary>
public sealed class FlowVariantSuiteTests
{
    /// <summary>Issue 14 asks for at least this many variants of each rule's defect.</summary>
    private const int MinimumVariants = 40;

    // The suite runs once for all the tests of this class (a few seconds of CPU: one compilation per rule).
    private static readonly Lazy<Task<SuiteRun.Result>> Suite = new(() => SuiteRun.RunAsync());

    public static TheoryData<string> Rules { get; } = [.. Cores.All.Select(c => c.Rule).Distinct()];

    [Fact]
    public async Task Every_case_compiles_against_the_runtime()
    {
        var result = await Suite.Value;
        Assert.Empty(result.CompilerErrors);
    }

    [Fact]
    public async Task No_analyzer_throws_on_any_case()
    {
        var result = await Suite.Value;
        Assert.Empty(result.AnalyzerExceptions);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Each_rule_is_measured_on_at_least_40_variants(string rule)
    {
        var score = (await Suite.Value).Scores.Single(s => s.Rule == rule);
        Assert.True(score.Cases >= MinimumVariants, $"{rule}: {score.Cases} variants counted, {MinimumVariants} wanted");
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Recall_and_precision_hold_their_floors(string rule)
    {
        var result = await Suite.Value;
        var score = result.Scores.Single(s => s.Rule == rule);
        Assert.True(Floors.Load().TryGetValue(rule, out var floor), $"{Floors.FileName} has no line for {rule}");
        var missed = string.Join(" ", result.Outcomes.Where(o => o.Rule == rule && o.Excluded is null && !o.Found).Select(o => $"{o.CoreId}/{o.VariantId}"));
        var wrong = string.Join(" ", result.Outcomes.Where(o => o.Rule == rule && o.Excluded is null && o.FalsePositive).Select(o => $"{o.CoreId}/{o.VariantId}"));
        Assert.True(score.Recall >= floor.Recall, string.Create(CultureInfo.InvariantCulture,
            $"{rule}: recall {score.Recall:0.000} under its floor {floor.Recall:0.00}; missed: {missed}"));
        Assert.True(score.Precision >= floor.Precision, string.Create(CultureInfo.InvariantCulture,
            $"{rule}: precision {score.Precision:0.000} under its floor {floor.Precision:0.00}; false positives on: {wrong}"));
    }

    [Fact]
    public void Floors_never_exceed_the_goal_and_name_every_rule()
    {
        var floors = Floors.Load();
        Assert.Equal(Cores.All.Select(c => c.Rule).Distinct().Order(StringComparer.Ordinal), floors.Keys.Order(StringComparer.Ordinal));
        Assert.All(floors.Values, f => Assert.True(f.Recall <= 1 && f.Precision <= 1 && f.RecallGoal <= 1 && f.PrecisionGoal <= 1, f.ToString()));
    }

    [Fact]
    public void A_malformed_floor_line_is_an_error_that_names_it()
    {
        var error = Assert.Throws<FormatException>(() => Floors.Parse(["# comment", "DMA001 0.5 high 0.95 0.98"]));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
