using System.Collections.Immutable;
using System.Reflection;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.CodeFixes.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.CodeFixes.Tests.Acceptance;

/// <summary>
/// What a developer does with the product: open the driver project, run the analyzers, apply Fix All
/// (solution scope) of every DMA code fix, again while anything is still offered, then build.
/// </summary>
public sealed class FixAllPipeline
{
    private static readonly DiagnosticAnalyzer[] Analyzers = { new AddressProvenanceAnalyzer(), new MappingLifecycleAnalyzer() };

    /// <summary>Every DMA fixer, in the order a developer would reach for them: addresses first, then the mapping life cycle.</summary>
    private static readonly CodeFixProvider[] Fixers =
    {
        new RawPhysicalAddressFixer(),
        new MappingErrorCheckFixer(),
        new MismatchedUnmapOrSyncFixer(),
        new CpuAccessWhileDeviceOwnedFixer(),
        new MappingNotReleasedFixer(),
        new ForgedBusAddressFixer(),
    };

    private readonly AdhocWorkspace _workspace = new();
    private ProjectId _project = null!;

    /// <summary>Fix All passes applied, with the equivalence keys used in each.</summary>
    public List<string> Passes { get; } = new();

    public Solution Solution => _workspace.CurrentSolution;

    public static FixAllPipeline Load(string assemblyName, IEnumerable<(string Path, string Text)> sources, IEnumerable<MetadataReference> references)
    {
        var pipeline = new FixAllPipeline();
        var id = ProjectId.CreateNewId();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
            // The fixed legacy types live in the drivers assembly too: this compilation's own ones win (CS0436).
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS0436"] = ReportDiagnostic.Suppress, ["CS1591"] = ReportDiagnostic.Suppress });
        var info = ProjectInfo.Create(id, VersionStamp.Create(), assemblyName, assemblyName, LanguageNames.CSharp,
            compilationOptions: options,
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: references);
        var solution = pipeline._workspace.CurrentSolution.AddProject(info);
        foreach (var (path, text) in sources)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(id), Path.GetFileName(path), SourceText.From(text), filePath: path);
        }

        if (!pipeline._workspace.TryApplyChanges(solution))
        {
            throw new InvalidOperationException("The workspace refused the driver project.");
        }

        pipeline._project = id;
        return pipeline;
    }

    public Project Project => Solution.GetProject(_project)!;

    public async Task<ImmutableArray<Diagnostic>> DmaDiagnosticsAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        // Suppressed ones count too: a driver that silences DMA001 with a pragma still hands the device a physical address.
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
            concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(Analyzers), options).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
    }

    public async Task<ImmutableArray<Diagnostic>> CompilerErrorsAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error || d.IsWarningAsError).ToImmutableArray();
    }

    /// <summary>Applies Fix All of every fix kind on offer until none is (or <paramref name="bound"/> passes).</summary>
    public async Task FixAllAsync(int bound)
    {
        for (var pass = 0; pass < bound; pass++)
        {
            // In source order: concurrent analysis reports in any order, and the passes (and the report) must not depend on it.
            var diagnostics = (await DmaDiagnosticsAsync())
                .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(d => d.Location.SourceSpan.Start)
                .ToList();
            var applied = false;
            foreach (var fixer in Fixers)
            {
                var mine = diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).ToList();
                foreach (var key in await OfferedKeysAsync(fixer, mine))
                {
                    var (id, equivalenceKey, first) = key;
                    var document = Solution.GetDocument(first.Location.SourceTree)!;
                    var context = new FixAllContext(document, fixer, FixAllScope.Solution, equivalenceKey, new[] { id }, new Provider(mine), CancellationToken.None);
                    var action = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                    if (action is null)
                    {
                        continue;
                    }

                    foreach (var operation in await action.GetOperationsAsync(CancellationToken.None))
                    {
                        if (operation is ApplyChangesOperation apply && !ReferenceEquals(apply.ChangedSolution, Solution) && _workspace.TryApplyChanges(apply.ChangedSolution))
                        {
                            Passes.Add($"pass {pass + 1}: {equivalenceKey}");
                            applied = true;
                        }
                    }

                    // One fix kind per round: the diagnostics of the others were computed on the old text.
                    break;
                }

                if (applied)
                {
                    break;
                }
            }

            if (!applied)
            {
                return;
            }
        }
    }

    private async Task<List<(string Id, string Key, Diagnostic First)>> OfferedKeysAsync(CodeFixProvider fixer, List<Diagnostic> diagnostics)
    {
        var keys = new List<(string, string, Diagnostic)>();
        foreach (var diagnostic in diagnostics)
        {
            var document = Solution.GetDocument(diagnostic.Location.SourceTree);
            if (document is null)
            {
                continue;
            }

            var actions = new List<CodeAction>();
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
            await fixer.RegisterCodeFixesAsync(context);
            foreach (var action in actions)
            {
                if (action.EquivalenceKey is { } key && !keys.Any(k => k.Item2 == key))
                {
                    keys.Add((diagnostic.Id, key, diagnostic));
                }
            }
        }

        return keys;
    }

    /// <summary>Emits the fixed project and loads it into its own load context (dependencies come from the default one).</summary>
    public async Task<Assembly> EmitAndLoadAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("Emit failed: " + string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        stream.Position = 0;
        var context = new System.Runtime.Loader.AssemblyLoadContext(Project.AssemblyName + Guid.NewGuid().ToString("N"), isCollectible: false);
        return context.LoadFromStream(stream);
    }

    private sealed class Provider : FixAllContext.DiagnosticProvider
    {
        private readonly List<Diagnostic> _diagnostics;

        public Provider(List<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath).ToList());

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(Array.Empty<Diagnostic>());
    }
}
