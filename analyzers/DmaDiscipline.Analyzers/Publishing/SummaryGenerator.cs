using System;
using System.Collections.Immutable;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Publishing
{
    /// <summary>
    /// Publishes a project's DMA summaries with its assembly (<see cref="PublishedSummary"/>), so that
    /// a project referencing it — as a project or as a package — sees its wrappers, helpers and sources
    /// without a symbols file. A project that uses no sink and names no physical source gets nothing
    /// (no source is added), and is summarised not at all; nor is an application (an executable), nor a
    /// project that sets the MSBuild property <c>DmaDisciplinePublishSummaries</c> to <c>false</c> (one no
    /// driver project references, which would otherwise pay for summaries nobody reads). <c>true</c> makes an
    /// application publish too.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class SummaryGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var files = context.AdditionalTextsProvider.Where(file => SymbolsFile.IsSymbolsFile(file.Path)).Collect();
            var asked = context.AnalyzerConfigOptionsProvider.Select((options, _) => PublishAsked(options.GlobalOptions));
            var published = context.CompilationProvider.Combine(files).Combine(asked).Select((input, cancellationToken) =>
                (input.Right ?? !IsApplication(input.Left.Left))
                    ? Publish(input.Left.Left, input.Left.Right, cancellationToken)
                    : new Result(input.Left.Left.AssemblyName ?? string.Empty, string.Empty, null))
                .WithTrackingName(PublishStep);
            context.RegisterSourceOutput(published, (output, result) =>
            {
                if (result.Failure is { } failure)
                {
                    output.ReportDiagnostic(Diagnostic.Create(Descriptors.DMA903, Location.None, $"'{result.AssemblyName}'", "the DMA summaries published with the assembly", failure));
                }
                else if (result.Source.Length > 0)
                {
                    output.AddSource("DmaDiscipline.Summaries.g.cs", result.Source);
                }
            });
        }

        /// <summary>
        /// The step that decides and computes what is published, once per compilation. Its result is compared by
        /// value: an edit that changes no summary leaves the output unchanged, and nothing after it runs again.
        /// </summary>
        internal const string PublishStep = "DmaDiscipline.Publish";

        /// <summary>The MSBuild property (made visible to the compiler by the package's .targets) that turns publishing off, or on.</summary>
        internal const string PublishProperty = "build_property.DmaDisciplinePublishSummaries";

        /// <summary><c>true</c> or <c>false</c> as the property says; null when it says neither (absent or empty): the default decides.</summary>
        private static bool? PublishAsked(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
        {
            if (!options.TryGetValue(PublishProperty, out var value))
            {
                return null;
            }

            value = value.Trim();
            return string.Equals(value, "false", StringComparison.OrdinalIgnoreCase) ? false
                : string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) ? true
                : (bool?)null;
        }

        /// <summary>
        /// An application (an executable): by default it publishes nothing, since no project references one — a
        /// kernel or a driver host built as an executable pays nothing for summaries nobody reads. A library publishes.
        /// </summary>
        private static bool IsApplication(Compilation compilation) =>
            compilation.Options.OutputKind == OutputKind.ConsoleApplication || compilation.Options.OutputKind == OutputKind.WindowsApplication
            || compilation.Options.OutputKind == OutputKind.WindowsRuntimeApplication;

        private static Result Publish(Compilation compilation, ImmutableArray<AdditionalText> files, System.Threading.CancellationToken cancellationToken)
        {
            var name = compilation.AssemblyName ?? string.Empty;
            try
            {
                var lines = SummaryLines.Compute(compilation, files, cancellationToken);
                if (lines.Count == 0)
                {
                    return new Result(name, string.Empty, null);
                }

                if (compilation.GetTypeByMetadataName(PublishedSummary.AttributeMetadataName) is null)
                {
                    return new Result(name, string.Empty, $"the compilation has no {PublishedSummary.AttributeMetadataName} (a corlib of its own?) to carry its {lines.Count} summary lines; projects that reference it see none of them");
                }

                return new Result(name, PublishedSummary.Source(lines), null);
            }
            catch (Exception exception) when (!(exception is OperationCanceledException))
            {
                // Never a failed generator (CS8785, an error under warnings-as-errors): say what was not published.
                return new Result(name, string.Empty, $"{exception.GetType().Name}: {exception.Message}; projects that reference it see none of its summaries");
            }
        }

        /// <summary>The generator's output, compared by value so that an unchanged summary adds no work downstream.</summary>
        private sealed class Result : IEquatable<Result>
        {
            public Result(string assemblyName, string source, string? failure)
            {
                AssemblyName = assemblyName;
                Source = source;
                Failure = failure;
            }

            public string AssemblyName { get; }
            public string Source { get; }
            public string? Failure { get; }

            public bool Equals(Result? other) =>
                other is not null && other.AssemblyName == AssemblyName && other.Source == Source && other.Failure == Failure;

            public override bool Equals(object? obj) => Equals(obj as Result);

            public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Source) ^ (Failure?.GetHashCode() ?? 0);
        }
    }
}
