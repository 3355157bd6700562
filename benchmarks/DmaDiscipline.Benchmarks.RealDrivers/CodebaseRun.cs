using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>A diagnostic of the analyzers, at a site relative to the codebase's root ("dir/File.cs:line").</summary>
internal sealed record Finding(string Id, string Site, string Message);

/// <summary>What one project's compilation gave.</summary>
/// <param name="MissingSources">Files the project lists that are not in the codebase (not compiled).</param>
internal sealed record ProjectResult(string Name, int Files, int CompileErrors, string TopErrors, int MissingSources = 0);

/// <summary>What analysing one codebase gave: its findings, its crashes (AD0001), its projects.</summary>
internal sealed record CodebaseResult(
    CorpusManifest Corpus,
    string SourceCommit,
    IReadOnlyList<string> UnresolvedSymbols,
    IReadOnlyList<ProjectResult> Projects,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> AnalyzerExceptions,
    TimeSpan AnalysisTime);

/// <summary>
/// One compilation per project of the codebase, in reference order (a project reference is a compilation
/// reference), the analyzers run over each with the codebase's symbols file. As in a build, the analyzer
/// package's source generators run on each project first, and a project's references are the referenced
/// projects' compilations with what the generators added (the summaries they publish). Nothing is emitted or executed.
/// </summary>
internal static class CodebaseRun
{
    /// <param name="rewrite">What a file's text is replaced with before parsing (its full path and text in; a broken copy
    /// for <c>--mutants</c>), or null to read the files as they are.</param>
    public static async Task<CodebaseResult> RunAsync(CorpusManifest corpus, string sourceDirectory, string symbolsFileName, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<ISourceGenerator> generators, IReadOnlyList<MetadataReference> framework, bool timing = false, Func<string, string, string>? rewrite = null)
    {
        var root = Path.GetFullPath(Path.Combine(sourceDirectory, corpus.Root));
        var projects = corpus.Projects.Select(project => ProjectFile.Read(Path.Combine(sourceDirectory, project), sourceDirectory, corpus.Configuration)).ToList();
        var symbols = new SymbolsFile(Path.Combine(corpus.Directory, symbolsFileName));
        var options = new AnalyzerOptions([symbols]);
        var built = new Dictionary<string, CSharpCompilation>(StringComparer.Ordinal);
        var results = new List<ProjectResult>();
        var findings = new List<Finding>();
        var exceptions = new List<string>();
        var time = TimeSpan.Zero;

        foreach (var project in InReferenceOrder(projects))
        {
            var parse = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: Defines(project, corpus.Framework));
            var trees = project.Sources.Select(file => CSharpSyntaxTree.ParseText(SourceText.From(rewrite is null ? File.ReadAllText(file) : rewrite(file, File.ReadAllText(file)), System.Text.Encoding.UTF8), parse, file)).ToList();
            if (project.GlobalUsings.Count > 0)
            {
                // What the SDK generates for ImplicitUsings and <Using> items (obj/…GlobalUsings.g.cs).
                trees.Add(CSharpSyntaxTree.ParseText(string.Concat(project.GlobalUsings.Select(name => $"global using global::{name};\n")), parse, Path.Combine(Path.GetDirectoryName(project.Path)!, "obj", project.Name + ".GlobalUsings.g.cs")));
            }

            var references = new List<MetadataReference>(corpus.Framework ? framework : []);
            foreach (var reference in TransitiveReferences(project, projects))
            {
                references.Add(built.TryGetValue(reference, out var referenced)
                    ? referenced.ToMetadataReference()
                    : throw new InvalidOperationException($"{project.Path} references {reference}, which is not among the measured projects of {corpus.Name}"));
            }

            CSharpCompilation compilation = CSharpCompilation.Create(
                project.Name,
                trees,
                references,
                new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    allowUnsafe: project.AllowUnsafe,
                    nullableContextOptions: project.Nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                    concurrentBuild: true));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            results.Add(new ProjectResult(
                project.Name,
                trees.Count,
                errors.Count,
                string.Join(", ", errors.GroupBy(e => e.Id).OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Key} ×{g.Count()} (first at {Site(g.First().Location, root)})")),
                project.MissingSources.Count));

            var clock = Stopwatch.StartNew();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var generatorTime = TimeSpan.Zero;
            if (!generators.IsEmpty)
            {
                var driver = CSharpGeneratorDriver.Create(generators, [symbols], parse).RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
                compilation = (CSharpCompilation)generated;
                generatorTime = driver.GetTimingInfo().ElapsedTime;
                foreach (var result in driver.GetRunResult().Results)
                {
                    if (result.Exception is { } exception)
                    {
                        exceptions.Add($"{project.Name}: {result.Generator.GetGeneratorType().Name}: {exception.GetType().Name}: {exception.Message}");
                    }
                }

                findings.AddRange(generatorDiagnostics.Select(d => new Finding(d.Id, Site(d.Location, root), d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
            }

            built[project.Path] = compilation;
            var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
                options,
                onAnalyzerException: (exception, analyzer, _) =>
                {
                    lock (exceptions)
                    {
                        exceptions.Add($"{project.Name}: {analyzer.GetType().Name}: {exception.GetType().Name}: {exception.Message}");
                    }
                },
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: timing));
            var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
            time += clock.Elapsed;
            if (timing)
            {
                // Where a project's time goes: the generators, then each analyzer (the analyzer driver's telemetry:
                // callback wall time summed over threads), and what the whole step allocated.
                var perAnalyzer = new List<string>();
                foreach (var analyzer in analyzers)
                {
                    var telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default).ConfigureAwait(false);
                    perAnalyzer.Add($"{analyzer.GetType().Name} {telemetry.ExecutionTime.TotalSeconds:0.00} s");
                }

                Console.WriteLine($"  {project.Name}: {clock.Elapsed.TotalSeconds:0.00} s, generators {generatorTime.TotalSeconds:0.00} s, {string.Join(", ", perAnalyzer)}; allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (1024 * 1024)} MB");
            }

            foreach (var diagnostic in diagnostics)
            {
                if (diagnostic.Id == "AD0001")
                {
                    lock (exceptions)
                    {
                        exceptions.Add($"{project.Name}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
                    }

                    continue;
                }

                findings.Add(new Finding(diagnostic.Id, Site(diagnostic.Location, root), diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        // A symbols-file id that names nothing in any of the codebase's compilations would silently weaken the
        // configuration (and the measurement): list it.
        var unresolved = symbols.Ids()
            .Where(entry => !built.Values.Any(compilation => DocumentationCommentId.GetFirstSymbolForDeclarationId(entry.Id, compilation) is not null))
            .Select(entry => $"line {entry.Line}: {entry.Id}")
            .ToList();

        return new CodebaseResult(corpus, Git.Head(sourceDirectory), unresolved, results, findings, exceptions.Distinct().ToList(), time);
    }

    private static string Site(Location location, string root)
    {
        if (!location.IsInSource)
        {
            return location.Kind.ToString();
        }

        var span = location.GetLineSpan();
        return $"{Path.GetRelativePath(root, span.Path).Replace('\\', '/')}:{span.StartLinePosition.Line + 1}";
    }

    // The SDK's implicit symbols for a Release build of a .NET project, and the project's own.
    private static IEnumerable<string> Defines(ProjectFile project, bool framework) =>
        (framework ? new[] { "TRACE", "RELEASE", "NET", "NETCOREAPP" } : [])
            .Concat(project.DefineConstants)
            .Distinct(StringComparer.Ordinal);

    // SDK-style project references are transitive: a project compiles against what its references reference
    // (MOSA's device system sees the corlib through the runtime project). Direct references first, then theirs.
    internal static IEnumerable<string> TransitiveReferences(ProjectFile project, IReadOnlyList<ProjectFile> projects)
    {
        var byPath = projects.ToDictionary(p => p.Path, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>(project.ProjectReferences);
        while (pending.Count > 0)
        {
            var reference = pending.Dequeue();
            if (!seen.Add(reference))
            {
                continue;
            }

            yield return reference;
            if (byPath.TryGetValue(reference, out var referenced))
            {
                foreach (var next in referenced.ProjectReferences)
                {
                    pending.Enqueue(next);
                }
            }
        }
    }

    private static IEnumerable<ProjectFile> InReferenceOrder(List<ProjectFile> projects)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var remaining = new List<ProjectFile>(projects);
        while (remaining.Count > 0)
        {
            var ready = remaining.FirstOrDefault(p => p.ProjectReferences.All(done.Contains))
                ?? throw new InvalidOperationException($"Project references form a cycle or leave the measured set: {string.Join(", ", remaining.Select(p => p.Name))}");
            remaining.Remove(ready);
            done.Add(ready.Path);
            yield return ready;
        }
    }
}
