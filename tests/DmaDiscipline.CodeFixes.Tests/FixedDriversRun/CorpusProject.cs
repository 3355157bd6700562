using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Rules;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.CodeFixes.Tests.FixedDriversRun;

/// <summary>
/// One corpus driver as a project in a workspace: its sources, the symbols file (an additional file, as a
/// user configures a framework), the analyzers, the DMA fixers as an IDE or <c>dotnet format</c> calls them,
/// and emitting the result into a collectible load context.
/// </summary>
internal sealed class CorpusProject
{
    private static readonly DiagnosticAnalyzer[] Analyzers = { new AddressProvenanceAnalyzer(), new MappingLifecycleAnalyzer() };

    /// <summary>The fixers in the order <c>FixAllRounds</c> reaches for them.</summary>
    public static IReadOnlyList<DmaFixer> Fixers => FixAllRounds.All;

    private readonly ProjectId _id;

    private CorpusProject(Solution solution, ProjectId id, byte[]? framework)
    {
        Solution = solution;
        _id = id;
        Framework = framework;
    }

    public Solution Solution { get; private set; }

    public Project Project => Solution.GetProject(_id)!;

    /// <summary>The framework assembly the driver is built against, when it has one of its own (emitted once).</summary>
    public byte[]? Framework { get; }

    public static CorpusProject Load(string name, IEnumerable<(string Path, string Text)> sources, string? symbols, byte[]? framework)
    {
        var workspace = new AdhocWorkspace();
        var id = ProjectId.CreateNewId();
        var references = BaseReferences().ToList();
        if (framework is not null)
        {
            references.Add(MetadataReference.CreateFromImage(framework));
        }

        var info = ProjectInfo.Create(id, VersionStamp.Create(), name, name, LanguageNames.CSharp,
            compilationOptions: Options(),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: references);
        var solution = workspace.CurrentSolution.AddProject(info);
        foreach (var (path, text) in sources)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(id), Path.GetFileName(path), SourceText.From(text), filePath: path);
        }

        if (symbols is not null)
        {
            solution = solution.AddAdditionalDocument(DocumentId.CreateNewId(id), "DmaDiscipline.txt", SourceText.From(symbols), filePath: "/corpus/DmaDiscipline.txt");
        }

        return new CorpusProject(solution, id, framework);
    }

    /// <summary>Compiles a framework library the driver references (not analysed: it is someone else's package).</summary>
    public static byte[] CompileLibrary(string name, IEnumerable<(string Path, string Text)> sources)
    {
        var compilation = CSharpCompilation.Create(name,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, new CSharpParseOptions(LanguageVersion.Latest), s.Path)),
            BaseReferences(), Options());
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{name} does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return stream.ToArray();
    }

    public CorpusProject With(Solution solution) => new(solution, _id, Framework);

    public async Task<ImmutableArray<Diagnostic>> DmaDiagnosticsAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        // Suppressed ones count too: a pragma does not make a physical address a bus address.
        var options = new CompilationWithAnalyzersOptions(Project.AnalyzerOptions, onAnalyzerException: null,
            concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(Analyzers), options).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning)
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    public async Task<ImmutableArray<Diagnostic>> CompilerErrorsAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    /// <summary>Every code action the fixers register at <paramref name="diagnostic"/>, as the IDE's light bulb lists them.</summary>
    public async Task<List<CodeAction>> ActionsAtAsync(Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var document = Solution.GetDocument(diagnostic.Location.SourceTree);
        if (document is null)
        {
            return actions;
        }

        foreach (var fixer in Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
        {
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
            await fixer.RegisterCodeFixesAsync(context);
        }

        return actions;
    }

    /// <summary>Applies one code action; the project as it is afterwards.</summary>
    public async Task<CorpusProject> ApplyAsync(CodeAction action)
    {
        foreach (var operation in await action.GetOperationsAsync(CancellationToken.None))
        {
            if (operation is ApplyChangesOperation apply)
            {
                return With(apply.ChangedSolution);
            }
        }

        return this;
    }

    /// <summary>
    /// Fix All (solution scope, each site's preferred fix) of the first fixer that has diagnostics, through the fixers'
    /// own FixAllProvider, repeated while diagnostics remain and a pass changes something; the passes it took.
    /// </summary>
    public async Task<(CorpusProject Project, int Passes)> FixAllAsync(int bound)
    {
        var current = this;
        for (var pass = 0; pass < bound; pass++)
        {
            var diagnostics = (await current.DmaDiagnosticsAsync()).ToList();
            var fixer = Fixers.FirstOrDefault(f => diagnostics.Any(d => f.FixableDiagnosticIds.Contains(d.Id)));
            if (fixer is null)
            {
                return (current, pass);
            }

            var mine = diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).ToList();
            var first = mine[0];
            var document = current.Solution.GetDocument(first.Location.SourceTree)!;
            var context = new FixAllContext(document, fixer, FixAllScope.Solution, DmaFixer.PreferredKey(first.Id), fixer.FixableDiagnosticIds, new Provider(mine), CancellationToken.None);
            var action = await fixer.GetFixAllProvider().GetFixAsync(context);
            var next = action is null ? current : await current.ApplyAsync(action);
            if (ReferenceEquals(next.Solution, current.Solution) || !await ChangedAsync(current.Solution, next.Solution))
            {
                return (current, pass); // the fixers offer nothing more for what is left
            }

            current = next;
        }

        return (current, bound);
    }

    /// <summary>Emits the project and loads it (with its framework) into a collectible load context.</summary>
    public async Task<CorpusLoadContext> EmitAndLoadAsync()
    {
        var compilation = (await Project.GetCompilationAsync())!;
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("Emit failed: " + string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        var context = new CorpusLoadContext(Project.AssemblyName);
        if (Framework is not null)
        {
            context.Add(new MemoryStream(Framework));
        }

        stream.Position = 0;
        context.Main = context.Add(stream);
        return context;
    }

    private static async Task<bool> ChangedAsync(Solution before, Solution after)
    {
        foreach (var id in after.GetChanges(before).GetProjectChanges().SelectMany(p => p.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true)))
        {
            var oldText = await before.GetDocument(id)!.GetTextAsync();
            var newText = await after.GetDocument(id)!.GetTextAsync();
            if (!oldText.ContentEquals(newText))
            {
                return true;
            }
        }

        return false;
    }

    private static CSharpCompilationOptions Options() =>
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    private static IEnumerable<MetadataReference> BaseReferences()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var file in Directory.GetFiles(runtimeDirectory, "*.dll"))
        {
            if (IsManaged(file))
            {
                yield return MetadataReference.CreateFromFile(file);
            }
        }

        yield return MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location);
    }

    private static bool IsManaged(string file)
    {
        try
        {
            AssemblyName.GetAssemblyName(file);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
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

/// <summary>A corpus driver's assembly (and its framework's) in a load context of their own, unloaded after the run.</summary>
internal sealed class CorpusLoadContext : AssemblyLoadContext
{
    private readonly Dictionary<string, Assembly> _own = new(StringComparer.Ordinal);

    public CorpusLoadContext(string name)
        : base(name + "-" + Guid.NewGuid().ToString("N"), isCollectible: true)
    {
    }

    public Assembly Main { get; set; } = null!;

    public Assembly Add(Stream image)
    {
        var assembly = LoadFromStream(image);
        _own[assembly.GetName().Name!] = assembly;
        return assembly;
    }

    protected override Assembly? Load(AssemblyName assemblyName) =>
        assemblyName.Name is { } name && _own.TryGetValue(name, out var assembly) ? assembly : null; // the rest from the default context
}
