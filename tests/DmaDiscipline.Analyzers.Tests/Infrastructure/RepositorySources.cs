namespace DmaDiscipline.Analyzers.Tests.Infrastructure;

/// <summary>The repository's own C# sources, found from the test's output folder by walking up to DmaDiscipline.sln.</summary>
public static class RepositorySources
{
    /// <summary>The global usings the SDK's ImplicitUsings adds to every project of the repository.</summary>
    public const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    public static string Root { get; } = FindRoot();

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

    /// <summary>The .cs files under <paramref name="directory"/>, without build output.</summary>
    public static IReadOnlyList<string> CSharpFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(path => !IsBuildOutput(path))
                .OrderBy(path => path, StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>Every project folder of the repository (a folder with a .csproj), with its sources.</summary>
    public static IEnumerable<(string Project, IReadOnlyList<string> Files)> Projects() =>
        Directory.EnumerateFiles(Root, "*.csproj", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (Path.GetFileNameWithoutExtension(path), CSharpFiles(Path.GetDirectoryName(path)!)));

    public static IEnumerable<(string Path, string Text)> Read(IEnumerable<string> files, bool withImplicitUsings = true)
    {
        foreach (var file in files)
        {
            yield return (Path.GetRelativePath(Root, file), File.ReadAllText(file));
        }

        if (withImplicitUsings)
        {
            yield return ("ImplicitUsings.g.cs", ImplicitUsings);
        }
    }

    private static bool IsBuildOutput(string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Any(p => p is "bin" or "obj" or "BenchmarkDotNet.Artifacts" or "TestResults" or ".git");
    }
}
