using System.Text.RegularExpressions;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>One diagnostic as MSBuild's console logger prints it: <c>file(line,col): severity ID: message [project]</c>.</summary>
public sealed record BuildDiagnostic(string File, int Line, int Column, string Severity, string Id)
{
    private static readonly Regex Pattern = new(
        @"^\s*(?<file>.+?)\((?<line>\d+),(?<col>\d+)(,\d+,\d+)?\): (?<severity>warning|error|info) (?<id>[A-Z]+[0-9]+): ",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public override string ToString() => $"{File}({Line},{Column}): {Severity} {Id}";

    /// <summary>
    /// The diagnostics of one build, paths relative to <paramref name="projectDirectory"/>. Reads up to the
    /// build's closing line: the summary after it repeats every diagnostic.
    /// </summary>
    public static IReadOnlyList<BuildDiagnostic> Parse(string output, string projectDirectory)
    {
        var found = new List<BuildDiagnostic>();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("Build succeeded", StringComparison.Ordinal) || line.StartsWith("Build FAILED", StringComparison.Ordinal))
            {
                break;
            }

            var match = Pattern.Match(line.TrimEnd('\r'));
            if (match.Success)
            {
                var file = match.Groups["file"].Value;
                var relative = Path.IsPathRooted(file) ? Path.GetRelativePath(projectDirectory, file) : file;
                found.Add(new BuildDiagnostic(
                    relative.Replace('\\', '/'), int.Parse(match.Groups["line"].Value), int.Parse(match.Groups["col"].Value),
                    match.Groups["severity"].Value, match.Groups["id"].Value));
            }
        }

        return found;
    }
}
