using System.Xml.Linq;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>The repository URL and branch as Directory.Build.props declares them: the one place help links, nuspecs and docs take them from.</summary>
public static class RepositoryUrl
{
    private static readonly Lazy<(string Url, string Branch)> Declared = new(Read);

    /// <summary>The repository's URL (RepositoryUrl).</summary>
    public static string Url => Declared.Value.Url;

    /// <summary>The branch links point into (RepositoryBranch).</summary>
    public static string Branch => Declared.Value.Branch;

    /// <summary>The address of a file of the repository, as the docs and help links write it.</summary>
    public static string Of(string relativePath) => $"{Url}/blob/{Branch}/{relativePath.Replace('\\', '/')}";

    private static (string, string) Read()
    {
        var props = XDocument.Load(Path.Combine(RepositoryRoot.Find(), "Directory.Build.props"));
        string Property(string name) =>
            props.Descendants(name).SingleOrDefault()?.Value.Trim()
            ?? throw new InvalidOperationException($"Directory.Build.props declares no {name}.");
        return (Property("RepositoryUrl").TrimEnd('/'), Property("RepositoryBranch"));
    }
}
