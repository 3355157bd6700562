using System.Collections.Generic;
using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>DMA900: a line of a DmaDiscipline.txt symbols file that cannot be read (it is ignored by the other rules).</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SymbolsFileAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.DMA900);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
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
                SymbolsFile.Parse(file.AdditionalFile.Path, text, new List<SymbolsFile.Entry>(), errors);
                foreach (var error in errors)
                {
                    file.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA900, error.Location, error.Message));
                }
            });
        }
    }
}
