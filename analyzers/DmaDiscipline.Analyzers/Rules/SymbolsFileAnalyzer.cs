using System.Collections.Generic;
using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// DMA900: a line of a DmaDiscipline.txt symbols file that cannot be read, or whose role or parameter
    /// cannot apply to the member it names (it is ignored by the other rules). DMA901: a readable line
    /// whose id names nothing in the compilation, with the nearest id that does. Both also for the
    /// summaries referenced assemblies publish (<see cref="Publishing.PublishedSummary"/>): a line that
    /// cannot be read, does not fit its member, or names nothing (stale) is reported without a location.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SymbolsFileAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA900, Descriptors.DMA901);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationAction(compilation =>
            {
                var symbols = DmaSymbols.Create(compilation.Compilation, compilation.Options, compilation.CancellationToken);
                foreach (var problem in symbols.PublishedProblems)
                {
                    compilation.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, Location.None, problem.Message));
                }
            });
            context.RegisterAdditionalFileAction(file =>
            {
                if (!SymbolsFile.IsSymbolsFile(file.AdditionalFile.Path))
                {
                    return;
                }

                var text = file.AdditionalFile.GetText(file.CancellationToken);
                if (text is null)
                {
                    return;
                }

                var errors = new List<SymbolsFile.Error>();
                var entries = new List<SymbolsFile.Entry>();
                SymbolsFile.Parse(file.AdditionalFile.Path, text, entries, errors);
                foreach (var error in errors)
                {
                    file.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA900, error.Location, error.Message));
                }

                foreach (var entry in entries)
                {
                    file.CancellationToken.ThrowIfCancellationRequested();
                    if (SymbolsFileCheck.Check(entry, file.Compilation) is { } problem)
                    {
                        file.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, entry.Location, problem.Severity, additionalLocations: null, properties: null, problem.Message));
                    }
                }
            });
        }
    }
}
