using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DmaDiscipline.Analyzers.Publishing;
using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// What the package's work is, in counts the machine's load does not move: the bodies the summary generator
/// summarises, and, on the compilation it leaves and on a compilation of freshly parsed trees without it, the
/// bodies each rule family is handed, lets through its prefilter and analyses, those its tree walk declines (each then
/// built into a control-flow graph; for DMA002–DMA006 also those in which the walk finds something, whose graph is built
/// unless the walk's findings are the graph's), and the callee bodies it summarises.
/// Built on the analyzers' own entry points (<c>Prepare</c>, <c>RootToAnalyse</c>, <c>Walk</c>, the graph walk), as
/// the test assembly's <c>TraversalChecked</c> is; the mapping rules' tree walk only (their graph walk adds no summary).
/// </summary>
public static class Counts
{
    public static string Measure(IReadOnlyList<CostGoals.Corpus> corpora, string runtimeDll)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(runtimeDll))
            .ToList();
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| corpus | compilation | bodies | DMA001/008: prefilter, analysed, declined by the tree walk, callees summarised | DMA002–006: prefilter, declined by the tree walk, found something, callees summarised | generator: bodies summarised, lines | carriers computed |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var corpus in corpora)
        {
            var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
            var sources = Directory.GetFiles(corpus.Directory, "*.cs").Order(StringComparer.Ordinal).Select(file => (file, File.ReadAllText(file))).ToList();
            List<SyntaxTree> Parsed() => sources.Select(f => CSharpSyntaxTree.ParseText(f.Item2, parse, f.file)).ToList();
            var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, concurrentBuild: false);
            var additional = corpus.SymbolsFile is null ? ImmutableArray<AdditionalText>.Empty : ImmutableArray.Create<AdditionalText>(new FileText(corpus.SymbolsFile));

            var fresh = CSharpCompilation.Create("Generated", Parsed(), references, options);
            var generatorCarriers = SharedCarriersComputed();
            var lines = SummaryLines.Compute(fresh, additional, default, out var summarised);
            var generatorRow = string.Create(inv, $"{summarised.Count}, {lines.Count}");
            CSharpGeneratorDriver.Create([new SummaryGenerator().AsSourceGenerator()], additional, parse).RunGeneratorsAndUpdateCompilation(fresh, out var generated, out _);
            var afterGenerator = Count(generated, additional);
            text.AppendLine(inv, $"| {corpus.Name} | after the generator | {afterGenerator.Bodies} | {afterGenerator.Address} | {afterGenerator.Mapping} | {generatorRow} | {SharedCarriersComputed() - generatorCarriers} |");
            var beforeAlone = SharedCarriersComputed();
            var alone = Count(CSharpCompilation.Create("Alone", Parsed(), references, options), additional);
            text.AppendLine(inv, $"| {corpus.Name} | alone (trees parsed afresh) | {alone.Bodies} | {alone.Address} | {alone.Mapping} | | {SharedCarriersComputed() - beforeAlone} |");
        }

        return text.ToString();
    }

    private static int SharedCarriersComputed() => SharedCarriers.Computed;

    private static (int Bodies, string Address, string Mapping) Count(Compilation compilation, ImmutableArray<AdditionalText> additional)
    {
        var counter = new Counter();
        var run = compilation.WithAnalyzers([counter], new CompilationWithAnalyzersOptions(new AnalyzerOptions(additional), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        var diagnostics = run.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (diagnostics.FirstOrDefault(d => d.Id == "AD0001") is { } failure)
        {
            throw new InvalidOperationException(failure.GetMessage(CultureInfo.InvariantCulture));
        }

        return (counter.Bodies,
            string.Create(CultureInfo.InvariantCulture, $"{counter.AddressPrefiltered}, {counter.AddressAnalysed}, {counter.AddressDeclined}, {counter.AddressSummaries?.Summarised.Count ?? 0}"),
            string.Create(CultureInfo.InvariantCulture, $"{counter.MappingPrefiltered}, {counter.MappingDeclined}, {counter.MappingFound}, {counter.MappingSummaries?.SummarisedCount ?? 0}"));
    }

#pragma warning disable RS1001, RS1025, RS1026 // A benchmark's probe, run only here.
    private sealed class Counter : DiagnosticAnalyzer
    {
        public int Bodies;
        public int AddressPrefiltered;
        public int AddressAnalysed;
        public int MappingPrefiltered;
        public int AddressDeclined;
        public int MappingDeclined;
        public int MappingFound;
        public DmaDiscipline.Analyzers.Flow.AddressSummaries? AddressSummaries;
        public DmaDiscipline.Analyzers.Flow.MappingSummaries? MappingSummaries;

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => new AddressProvenanceAnalyzer().SupportedDiagnostics;

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(start =>
            {
                var address = AddressProvenanceAnalyzer.Prepare(start.Compilation, start.Options, start.CancellationToken);
                var mapping = MappingLifecycleAnalyzer.Prepare(start.Compilation, start.Options, start.CancellationToken);
                AddressSummaries = address?.Summaries;
                MappingSummaries = mapping?.Summaries;
                start.RegisterCodeBlockAction(block =>
                {
                    Bodies++;
                    if (address is { } a)
                    {
                        AddressPrefiltered += a.Carriers.MayReachSink(block.CodeBlock) ? 1 : 0;
                        if (AddressProvenanceAnalyzer.RootToAnalyse(block, a.Symbols, a.Carriers, a.Summaries) is { } root)
                        {
                            AddressAnalysed++;
                            if (AddressProvenanceAnalyzer.Walk(root, block.OwningSymbol, a.Symbols, a.Summaries) is null)
                            {
                                AddressDeclined++;
                                AddressProvenanceAnalyzer.OverGraphs(root, block.OwningSymbol, a.Symbols, a.Summaries, _ => { }, block.CancellationToken, null);
                            }
                        }
                    }

                    if (mapping is { } m && MappingLifecycleAnalyzer.RootToAnalyse(block, m.Symbols, m.Summaries) is { } mapped)
                    {
                        MappingPrefiltered++;
                        var walked = MappingLifecycleAnalyzer.Walk(mapped, block.OwningSymbol, m.Symbols, m.Summaries);
                        MappingDeclined += walked is null ? 1 : 0;
                        MappingFound += walked is { Count: > 0 } ? 1 : 0;
                    }
                });
            });
        }
    }
#pragma warning restore RS1001, RS1025, RS1026

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) =>
            Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllText(Path));
    }
}
