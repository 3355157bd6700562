using CsCheck;
using DmaDiscipline.Robustness;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Analyzers.Tests.Robustness;

/// <summary>
/// Code being typed is broken most of the time: the analyzers see every keystroke's snapshot. Real
/// driver sources (the sample drivers, legacy and disciplined) are broken at random — a token
/// deleted, doubled or replaced by another of the file's tokens, a line dropped or moved, the file
/// cut short — and every analyzer runs over the driver project holding the broken file: an analyzer
/// exception (AD0001) is never acceptable, whatever the input. CsCheck prints the seed of a failing
/// mutant; <c>CsCheck_Seed</c> replays it and <c>CsCheck_Iter</c> runs more of them.
/// </summary>
public sealed class MutatedDriverTests
{
    private static readonly Lazy<IReadOnlyList<(string Path, string Text)>> Drivers = new(() =>
        RepositorySources.Read(RepositorySources.CSharpFiles(Path.Combine(RepositorySources.Root, "samples", "DmaDiscipline.Samples.Drivers"))).ToList());

    private static readonly Gen<Mutation> Mutations =
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Enum<MutationKind>(), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue],
            (file, kind, where, other) => new Mutation(file, kind, where, other));

    [Fact]
    public void A_broken_driver_file_never_makes_an_analyzer_throw()
    {
        var drivers = Drivers.Value;
        Assert.True(drivers.Count > 10, "the sample drivers are where the mutants come from");
        Gen.Select(Mutations, Mutations).Sample(pair =>
        {
            // Two mutations, in the same file or two: most real snapshots are broken in more than one place.
            var sources = drivers.ToArray();
            foreach (var mutation in new[] { pair.Item1, pair.Item2 })
            {
                var index = mutation.File % sources.Length;
                sources[index] = (sources[index].Path, SourceMutation.Apply(sources[index].Text, mutation));
            }

            var result = AnalyzerRunner.RunAsync(sources).GetAwaiter().GetResult();
            Assert.True(result.Exceptions.Count == 0, string.Join(Environment.NewLine, result.Exceptions));
        }, iter: Iterations(30), threads: 1);
    }

    [Fact]
    public async Task A_broken_symbols_file_never_makes_an_analyzer_throw()
    {
        // A driver on a framework of its own, configured by its symbols file as a user writes one; the file is broken
        // as a hand edit breaks it: a character lost or mistyped, a line lost or doubled, the file cut short.
        var hal = Path.Combine(RepositorySources.Root, "tests", "DmaDiscipline.CodeFixes.Tests", "FixedDriversRun", "Corpus");
        var sources = RepositorySources.Read(RepositorySources.CSharpFiles(Path.Combine(hal, "Hal")).Concat(RepositorySources.CSharpFiles(Path.Combine(hal, "Shared")))).ToList();
        var symbols = File.ReadAllText(Path.Combine(hal, "Hal", "DmaDiscipline.txt"));
        var intact = await AnalyzerRunner.RunAsync(sources, additionalFiles: [("DmaDiscipline.txt", symbols)]);
        Assert.Empty(intact.Exceptions);
        Assert.Contains(intact.Diagnostics, d => d.Id.StartsWith("DMA00", StringComparison.Ordinal)); // the file is read: its roles find the driver's defects

        const string Typed = ";:(),.+`<>[]#* \t\nMTFP0_";
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, Typed.Length - 1]).Sample(edit =>
        {
            var (kind, where, typed) = edit;
            var lines = symbols.Split('\n');
            var at = where % symbols.Length;
            var broken = kind switch
            {
                0 => symbols.Remove(at, 1),
                1 => symbols.Insert(at, Typed[typed].ToString()),
                2 => string.Join('\n', lines.Where((_, i) => i != where % lines.Length)),
                3 => string.Join('\n', lines.Take(where % lines.Length + 1).Concat(lines.Skip(where % lines.Length))),
                4 => symbols.Substring(0, at),
                _ => symbols.Remove(at, 1).Insert(Math.Min(at + 1, symbols.Length - 1), symbols[at].ToString()), // two characters swapped
            };
            var result = AnalyzerRunner.RunAsync(sources, additionalFiles: [("DmaDiscipline.txt", broken)]).GetAwaiter().GetResult();
            Assert.True(result.Exceptions.Count == 0, $"edit {kind} at {at}:\n" + string.Join(Environment.NewLine, result.Exceptions));
        }, iter: Iterations(60), threads: 1);
    }

    [Theory]
    [InlineData(MutationKind.DeleteToken)]
    [InlineData(MutationKind.DoubleToken)]
    [InlineData(MutationKind.ReplaceToken)]
    [InlineData(MutationKind.DeleteLine)]
    [InlineData(MutationKind.MoveLine)]
    [InlineData(MutationKind.Truncate)]
    public void Each_mutation_changes_the_file(MutationKind kind)
    {
        // A mutation that left the text alone would make the property above test nothing.
        var text = Drivers.Value.OrderByDescending(d => d.Text.Length).First().Text;
        var changed = Enumerable.Range(0, 20).Count(i => SourceMutation.Apply(text, new Mutation(0, kind, i * 7919, i * 104729)) != text);
        Assert.True(changed >= 18, $"{kind} changed the file in {changed} of 20 tries");
    }

    /// <summary>How many mutants a run tries: <paramref name="byDefault"/> in the test run, <c>CsCheck_Iter</c> when hunting.</summary>
    private static int Iterations(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("CsCheck_Iter"), out var asked) && asked > 0 ? asked : byDefault;
}
