using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>
/// The DmaDiscipline analyzers loaded from a built DmaDiscipline.Analyzers.dll (this branch's or another's), as a
/// compiler host loads an analyzer reference.
/// </summary>
internal static class AnalyzerAssembly
{
    public static ImmutableArray<DiagnosticAnalyzer> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No analyzer assembly at {path}: build analyzers/DmaDiscipline.Analyzers -c Release first, or pass --analyzer PATH.", path);
        }

        var reference = new AnalyzerFileReference(Path.GetFullPath(path), new Loader());
        var failures = new List<string>();
        reference.AnalyzerLoadFailed += (_, e) => failures.Add($"{e.TypeName}: {e.Message}");
        var analyzers = reference.GetAnalyzers(LanguageNames.CSharp);
        if (failures.Count > 0 || analyzers.IsEmpty)
        {
            throw new InvalidOperationException($"Could not load the analyzers of {path}: {string.Join("; ", failures.DefaultIfEmpty("no analyzer found"))}");
        }

        return analyzers;
    }

    /// <summary>
    /// The source generators of the same assembly (the summary generator: what each project publishes with its
    /// assembly for the projects that reference it), as the compiler runs them before the analyzers.
    /// </summary>
    public static ImmutableArray<ISourceGenerator> LoadGenerators(string path)
    {
        var reference = new AnalyzerFileReference(Path.GetFullPath(path), new Loader());
        var failures = new List<string>();
        reference.AnalyzerLoadFailed += (_, e) => failures.Add($"{e.TypeName}: {e.Message}");
        var generators = reference.GetGenerators(LanguageNames.CSharp);
        return failures.Count > 0
            ? throw new InvalidOperationException($"Could not load the generators of {path}: {string.Join("; ", failures)}")
            : generators;
    }

    // Loads the analyzer into its own context, so that its Roslyn references resolve to the host's (shared) ones.
    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        private readonly AssemblyLoadContext _context = new("DmaDiscipline analyzers");

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);
    }
}
