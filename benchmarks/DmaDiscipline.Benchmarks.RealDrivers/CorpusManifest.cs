namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>
/// One codebase as tests/RealDrivers/&lt;name&gt;/corpus.txt describes it: where it comes from, which of its projects
/// are compiled (each one compilation), whether they get framework reference assemblies, and the configuration the
/// codebase's solution builds them in (<c>configuration: Debug|x86</c>: the property groups conditioned on it apply).
/// </summary>
internal sealed record CorpusManifest(
    string Name,
    string Directory,
    string Repository,
    string Commit,
    string Root,
    IReadOnlyList<string> Projects,
    bool Framework,
    string? Configuration = null)
{
    public static CorpusManifest Read(string directory)
    {
        var path = Path.Combine(directory, "corpus.txt");
        string? repository = null, commit = null, root = null, configuration = null;
        var projects = new List<string>();
        var framework = true;
        var lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'key: value'");
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "repository": repository = value; break;
                case "commit": commit = value; break;
                case "root": root = value; break;
                case "project": projects.Add(value); break;
                case "configuration":
                    configuration = value.Split('|') is [{ Length: > 0 }, { Length: > 0 }]
                        ? value
                        : throw new FormatException($"{path}:{lineNumber}: configuration is 'Configuration|Platform', as a solution names it (Debug|x86)");
                    break;
                case "framework":
                    framework = value switch
                    {
                        "none" => false,
                        "sdk" => true,
                        _ => throw new FormatException($"{path}:{lineNumber}: framework is 'none' or 'sdk'"),
                    };
                    break;
                default: throw new FormatException($"{path}:{lineNumber}: unknown key '{key}'");
            }
        }

        if (repository is null || commit is null || projects.Count == 0)
        {
            throw new FormatException($"{path}: needs repository, commit and at least one project");
        }

        return new CorpusManifest(Path.GetFileName(directory), directory, repository, commit, root ?? ".", projects, framework, configuration);
    }
}
