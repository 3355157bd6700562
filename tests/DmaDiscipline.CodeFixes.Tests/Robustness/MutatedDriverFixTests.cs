using System.Collections.Concurrent;
using CsCheck;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Tests.Acceptance;
using DmaDiscipline.Robustness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.CodeFixes.Tests.Robustness;

/// <summary>
/// The light bulb is asked for on code being typed. The legacy drivers — full of DMA001 sites with
/// every fix on offer — are broken at random (a token deleted, doubled or replaced by another of the
/// file's tokens, a line dropped), and every DMA fixer is asked for its fixes on every DMA diagnostic
/// of the broken project, and each fix offered is computed, as the IDE previews it: no fixer may throw,
/// and none may fail inside and quietly offer nothing (<see cref="DmaFixer.AbsorbedFailures"/>).
/// CsCheck prints the seed of a failing mutant; <c>CsCheck_Seed</c> replays it and <c>CsCheck_Iter</c>
/// runs more of them.
/// </summary>
public sealed class MutatedDriverFixTests
{
    /// <summary>The legacy sample drivers and the fixed-drivers corpus's buggy drivers (those on the runtime alone), as one project.</summary>
    private static readonly Lazy<List<(string Path, string Text)>> Legacy = new(() =>
    {
        var root = FixAllAcceptanceTests.Root;
        var corpus = Path.Combine(root, "tests", "DmaDiscipline.CodeFixes.Tests", "FixedDriversRun", "Corpus");
        return new[] { Path.Combine(root, "samples", "DmaDiscipline.Samples.Drivers", "Legacy"), Path.Combine(corpus, "Blk"), Path.Combine(corpus, "Net"), Path.Combine(corpus, "Shared") }
            .SelectMany(folder => Directory.GetFiles(folder, "*.cs"))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Path.GetRelativePath(root, p).Replace('\\', '/'), File.ReadAllText(p)))
            .Append(("GlobalUsings.g.cs", FixAllAcceptanceTests.ImplicitUsings))
            .ToList();
    });

    private static readonly Lazy<List<MetadataReference>> References = new(() => FixAllAcceptanceTests.References().ToList());

    [Fact]
    public void Every_fix_on_a_broken_legacy_driver_is_computed_without_a_failure()
    {
        var legacy = Legacy.Value;
        // Edits that keep most of the file, so that the fixers still find diagnostics to work on: no line moved, no file cut short.
        MutationKind[] kinds = [MutationKind.DeleteToken, MutationKind.DoubleToken, MutationKind.ReplaceToken, MutationKind.DeleteLine];
        Gen.Select(Gen.Int[0, legacy.Count - 2], Gen.Int[0, kinds.Length - 1].Select(k => kinds[k]), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue],
            (file, kind, where, other) => new Mutation(file, kind, where, other)).Sample(mutation =>
        {
            var sources = legacy.ToList();
            sources[mutation.File] = (sources[mutation.File].Path, SourceMutation.Apply(sources[mutation.File].Text, mutation));
            var failures = FixesOfAsync(sources).GetAwaiter().GetResult();
            Assert.True(failures.Count == 0, $"{mutation} ({sources[mutation.File].Path}):\n" + string.Join("\n", failures));
        }, iter: Iterations(8), threads: 1);
    }

    [Fact]
    public async Task The_unbroken_legacy_drivers_offer_fixes_that_are_all_computed()
    {
        // The property above only means something if the fixers are reached: on the intact drivers they are, many times.
        var offered = new List<string>();
        var failures = await FixesOfAsync(Legacy.Value, offered);
        Assert.Empty(failures);
        Assert.Empty(await FixAllPipeline.Load("Intact", Legacy.Value, References.Value).CompilerErrorsAsync());
        Assert.True(offered.Count >= 10, $"only {offered.Count} fixes offered on the legacy drivers");
    }

    /// <summary>Every fix every DMA fixer offers on the project's DMA diagnostics, computed; the failures, thrown or absorbed.</summary>
    private static async Task<List<string>> FixesOfAsync(IEnumerable<(string Path, string Text)> sources, List<string>? offered = null)
    {
        var failures = new ConcurrentQueue<string>();
        DmaFixer.AbsorbedFailures.Value = e => failures.Enqueue("absorbed: " + e);
        try
        {
            var pipeline = FixAllPipeline.Load("Mutated", sources, References.Value);
            foreach (var diagnostic in await pipeline.DmaDiagnosticsAsync())
            {
                var document = pipeline.Solution.GetDocument(diagnostic.Location.SourceTree);
                if (document is null)
                {
                    continue;
                }

                foreach (var fixer in FixAllRounds.All.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    try
                    {
                        var actions = new List<CodeAction>();
                        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                        foreach (var action in actions)
                        {
                            offered?.Add(action.Title);
                            foreach (var operation in await action.GetOperationsAsync(CancellationToken.None))
                            {
                                if (operation is ApplyChangesOperation apply)
                                {
                                    foreach (var changed in apply.ChangedSolution.GetChanges(pipeline.Solution).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()))
                                    {
                                        _ = await apply.ChangedSolution.GetDocument(changed)!.GetTextAsync();
                                    }
                                }
                            }
                        }
                    }
                    catch (Exception ex)
                    {
                        failures.Enqueue($"{fixer.GetType().Name} threw on {diagnostic}: {ex}");
                    }
                }
            }
        }
        finally
        {
            DmaFixer.AbsorbedFailures.Value = null;
        }

        return failures.ToList();
    }

    /// <summary>How many mutants a run tries: <paramref name="byDefault"/> in the test run, <c>CsCheck_Iter</c> when hunting.</summary>
    private static int Iterations(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("CsCheck_Iter"), out var asked) && asked > 0 ? asked : byDefault;
}
