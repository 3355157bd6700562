using System.Text;
using DmaDiscipline.CodeFixes.Tests.Infrastructure;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.CodeFixes.Tests.Acceptance;

/// <summary>
/// The acceptance test of the whole product: the legacy sample drivers, Fix All of every DMA code fix,
/// compiled, loaded and run through the runner's scenario matrix (<see cref="DriverMatrix"/>) — clean in every scenario where
/// the unfixed drivers fail. Writes docs/fix-all-before-after.md (the diff and the two matrices).
/// </summary>
public sealed class FixAllAcceptanceTests
{
    internal static readonly string Root = FindRoot();
    private static readonly string LegacyFolder = Path.Combine(Root, "samples", "DmaDiscipline.Samples.Drivers", "Legacy");

    /// <summary>The SDK's implicit usings of the drivers project (ImplicitUsings=enable).</summary>
    internal const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    [Fact]
    public Task Fixed_legacy_drivers_compile_without_DMA_diagnostics_and_run_clean_in_every_scenario() =>
        AbsorbedFailures.NoneAsync(FixAndRunLegacyDriversAsync);

    private async Task FixAndRunLegacyDriversAsync()
    {
        var sources = Directory.GetFiles(LegacyFolder, "*.cs").OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Path: Path.GetRelativePath(Root, p).Replace('\\', '/'), Text: File.ReadAllText(p)))
            .ToList();
        var pipeline = FixAllPipeline.Load("DmaDiscipline.Samples.Drivers.LegacyFixed",
            sources.Append(("GlobalUsings.g.cs", ImplicitUsings)), References());
        Assert.Empty(await pipeline.CompilerErrorsAsync());
        var before = await pipeline.DmaDiagnosticsAsync();
        Assert.Contains(before, d => d.Id == "DMA001");

        await pipeline.FixAllAsync(bound: 12);

        var errors = await pipeline.CompilerErrorsAsync();
        var after = await pipeline.DmaDiagnosticsAsync();
        var fixedSources = new List<(string Path, string Before, string After)>();
        foreach (var (path, text) in sources)
        {
            var document = pipeline.Project.Documents.Single(d => d.FilePath == path);
            fixedSources.Add((path, text, (await document.GetTextAsync()).ToString()));
        }

        Assert.True(errors.IsEmpty, "The fixed drivers do not compile:\n" + string.Join("\n", errors) + "\n" + Dump(fixedSources));
        Assert.True(after.IsEmpty, "DMA diagnostics remain after Fix All:\n" + string.Join("\n", after) + "\n" + Dump(fixedSources));

        var assembly = await pipeline.EmitAndLoadAsync();
        var unfixed = DriverMatrix.RunCatalog("legacy-net", "legacy-blk");
        // The runner holds an external driver to the disciplined family's expectations.
        var fixedCells = DriverMatrix.Run(
            ExternalDriver.FromType("legacy-net (fixed)", assembly.GetType("DmaDiscipline.Samples.Drivers.Legacy.LegacyVirtioNetDriver", throwOnError: true)!),
            ExternalDriver.FromType("legacy-blk (fixed)", assembly.GetType("DmaDiscipline.Samples.Drivers.Legacy.LegacyVirtioBlkDriver", throwOnError: true)!));

        WriteReport(before, pipeline.Passes, fixedSources, unfixed, fixedCells);

        // The unfixed drivers fail where the scenarios say they must; the fixed ones meet the disciplined bar everywhere.
        Assert.All(unfixed, cell => Assert.True(cell.AsExpected, $"unfixed {cell.Driver} in {cell.Scenario}: expected {cell.Expected}, got {cell.Summary}"));
        Assert.Contains(unfixed, cell => cell.Failed);
        Assert.All(fixedCells, cell => Assert.True(cell.AsExpected, $"{cell.Driver} in {cell.Scenario}: expected {cell.Expected}, got {cell.Summary}"));
        Assert.All(fixedCells.Where(c => c.Expected == "Ok"), cell => Assert.False(cell.Failed, $"{cell.Driver} in {cell.Scenario}: {cell.Summary}"));
        Assert.Contains(fixedCells, c => c.Expected == "Ok");
    }

    internal static IEnumerable<MetadataReference> References()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var file in Directory.GetFiles(runtimeDirectory, "*.dll"))
        {
            if (IsManagedReference(file))
            {
                yield return MetadataReference.CreateFromFile(file);
            }
        }

        yield return MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location);
        yield return MetadataReference.CreateFromFile(typeof(DmaDiscipline.Samples.Drivers.Virtio.VirtioMmioDriver).Assembly.Location);
    }

    private static bool IsManagedReference(string file)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(file);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private static void WriteReport(IReadOnlyCollection<Diagnostic> before, IReadOnlyList<string> passes, List<(string Path, string Before, string After)> files, IReadOnlyList<MatrixCell> unfixed, IReadOnlyList<MatrixCell> fixedCells)
    {
        var text = new StringBuilder();
        text.Append("# Fix All on the legacy drivers: before and after\n\n");
        text.Append("Generated by `FixAllAcceptanceTests` (tests/DmaDiscipline.CodeFixes.Tests/Acceptance) — do not edit by hand; run\n");
        text.Append("`dotnet test tests/DmaDiscipline.CodeFixes.Tests -c Release` to regenerate it.\n\n");
        text.Append("The legacy virtio drivers (samples/DmaDiscipline.Samples.Drivers/Legacy) hand the device CPU physical addresses.\n");
        text.Append("The test loads them into a workspace, runs the DmaDiscipline analyzers, applies Fix All (solution scope) of every\n");
        text.Append("DMA code fix until none is offered, compiles the result, loads it and runs it through the runner's scenario matrix.\n");
        text.Append("Every fix alternative on a corpus of independently written buggy drivers is run the same way in\n");
        text.Append("[fixed-drivers-run.md](fixed-drivers-run.md).\n\n");
        text.Append("## Diagnostics before the fixes\n\n");
        foreach (var group in before.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append($"- {group.Key}: {group.Count()}\n");
        }

        text.Append("\n## Fix All passes\n\n");
        foreach (var pass in passes)
        {
            text.Append($"- {pass}\n");
        }

        text.Append("\nAfter the last pass the project compiles with no errors and no DMA diagnostic.\n\n## The diff\n\n```diff\n");
        foreach (var (path, oldText, newText) in files.Where(f => f.Before != f.After))
        {
            text.Append(UnifiedDiff.Of(path, oldText, newText));
        }

        text.Append("```\n\n## Matrix before: the unfixed legacy drivers\n\n");
        Matrix(text, unfixed);
        text.Append("\n## Matrix after: the same drivers after Fix All\n\n");
        text.Append("Run as the disciplined family: expected to be clean wherever a driver that uses the DMA API is\n");
        text.Append("(the lying-firmware scenario without the quirk misroutes DMA whatever the driver does).\n\n");
        Matrix(text, fixedCells);
        var path2 = Path.Combine(Root, "docs", "fix-all-before-after.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path2)!);
        File.WriteAllText(path2, text.ToString());
    }

    private static void Matrix(StringBuilder text, IReadOnlyList<MatrixCell> cells)
    {
        var scenarios = cells.Select(c => c.Scenario).Distinct().ToList();
        text.Append("| driver | ").Append(string.Join(" | ", scenarios)).Append(" |\n");
        text.Append("|---|").Append(string.Concat(scenarios.Select(_ => "---|"))).Append('\n');
        foreach (var row in cells.GroupBy(c => c.Driver))
        {
            text.Append("| ").Append(row.Key).Append(" | ");
            text.Append(string.Join(" | ", scenarios.Select(s => row.Where(c => c.Scenario == s).Select(c => c.Summary + (c.AsExpected ? string.Empty : " (unexpected)")).FirstOrDefault() ?? "")));
            text.Append(" |\n");
        }
    }

    private static string Dump(List<(string Path, string Before, string After)> files) =>
        string.Join("\n", files.Select(f => UnifiedDiff.Of(f.Path, f.Before, f.After)));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DmaDiscipline.sln not found above " + AppContext.BaseDirectory);
    }
}
