using System.Collections.Immutable;
using System.Reflection;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.FlowVariants.Generation;
using DmaDiscipline.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.FlowVariants.Running;

/// <summary>
/// Renders every case of a rule into one compilation (one file per side of each case, a namespace
/// each), runs every DMA analyzer over it in process and classifies the reports by file.
/// </summary>
public static class SuiteRun
{
    /// <summary>The result of running the suite: outcomes, and what must never happen (compiler errors, analyzer exceptions).</summary>
    public sealed record Result(IReadOnlyList<CaseOutcome> Outcomes, IReadOnlyList<string> CompilerErrors, IReadOnlyList<string> AnalyzerExceptions)
    {
        /// <summary>The score of each rule, in rule order.</summary>
        public IReadOnlyList<RuleScore> Scores => Outcomes.Select(o => o.Rule).Distinct().Select(r => RuleScore.Of(r, Outcomes)).ToList();
    }

    /// <summary>Every analyzer the analyzer assembly ships (found by reflection, so new analyzers are run without touching the suite).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(MappingLifecycleAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The running framework's own assemblies, plus the runtime the drivers are written against.
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(DmaApi).Assembly.Location))
            .ToImmutableArray();
    });

    /// <summary>Runs the cases of <paramref name="cores"/> (every rule by default) under every variant.</summary>
    public static async Task<Result> RunAsync(IEnumerable<DefectCore>? cores = null, IReadOnlyList<Variant>? variants = null)
    {
        var runs = await Task.WhenAll((cores ?? Cores.All).GroupBy(core => core.Rule).Select(rule => Task.Run(() => RunRuleAsync(rule.Key, [.. rule], variants ?? Variant.All))));
        return new Result(
            runs.SelectMany(r => r.Outcomes).ToList(),
            runs.SelectMany(r => r.CompilerErrors).ToList(),
            runs.SelectMany(r => r.AnalyzerExceptions).ToList());
    }

    /// <summary>The sources of one rule's compilation: the prelude and both sides of every case of its cores (excluded ones too: they must compile).</summary>
    public static IEnumerable<(string Path, string Text)> Sources(IEnumerable<DefectCore> cores, IEnumerable<Variant> variants) =>
        cores.SelectMany(core => variants.SelectMany(v => new[] { Side.Defect, Side.Twin }.Select(side => (CaseSource.PathOf(core, v.Id, side), Laid(CaseSource.Render(core, v, side))))))
            .Prepend(("Prelude.cs", CaseSource.Prelude));

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>The rendered text laid out one statement a line, so that a report's line says which statement it is on.</summary>
    private static string Laid(string text) => CSharpSyntaxTree.ParseText(text, Parse).GetRoot().NormalizeWhitespace().ToFullString();

    /// <summary>The compilation of one rule's cases (<paramref name="cores"/> are that rule's).</summary>
    public static CSharpCompilation Compile(string rule, IEnumerable<DefectCore> cores, IEnumerable<Variant> variants) =>
        CSharpCompilation.Create("FlowVariants_" + rule,
            Sources(cores, variants).Select(s => CSharpSyntaxTree.ParseText(s.Text, Parse, s.Path)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static async Task<Result> RunRuleAsync(string rule, IReadOnlyList<DefectCore> cores, IReadOnlyList<Variant> variants)
    {
        var compilation = Compile(rule, cores, variants);
        var trees = compilation.SyntaxTrees.ToList();
        var errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();

        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync();
        exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.ToString()));

        var byFile = diagnostics
            .Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal) && d.Location.SourceTree is not null)
            .ToLookup(d => d.Location.SourceTree!.FilePath, StringComparer.Ordinal);
        var runMethods = trees.ToDictionary(t => t.FilePath, RunMethod, StringComparer.Ordinal);
        var outcomes = cores.SelectMany(core => variants.Select(v =>
        {
            // Found: reported in the defect's Run method (its local functions and lambdas included),
            // where the flaw is; a report in a helper is not the defect (on the twin it is a false positive).
            var defectPath = CaseSource.PathOf(core, v.Id, Side.Defect);
            var defect = byFile[defectPath].Where(d => d.Id == core.Rule && runMethods[defectPath].Contains(d.Location.SourceSpan)).ToList();
            var twin = byFile[CaseSource.PathOf(core, v.Id, Side.Twin)].ToList();
            return new CaseOutcome(
                core.Id,
                core.Rule,
                v.Id,
                v.Exclusion(core),
                defect.Count > 0,
                twin.Any(d => d.Id == core.Rule),
                defect.Select(d => d.Location.GetLineSpan().StartLinePosition.Line + 1).Distinct().Order().ToList(),
                twin.Where(d => d.Id != core.Rule).Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToList());
        })).ToList();
        return new Result(outcomes, errors, exceptions);
    }

    private static Microsoft.CodeAnalysis.Text.TextSpan RunMethod(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Identifier.ValueText == "Run")?.Span ?? default;
}
