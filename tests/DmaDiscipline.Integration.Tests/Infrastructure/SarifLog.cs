using System.Text.Json;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>The parts of a SARIF 2.1 log (the compiler's ErrorLog) the tests read.</summary>
public sealed class SarifLog
{
    private SarifLog(string version, IReadOnlyList<BuildDiagnostic> results, IReadOnlyDictionary<string, string?> helpUris)
    {
        Version = version;
        Results = results;
        HelpUris = helpUris;
    }

    public string Version { get; }

    /// <summary>Every result; <see cref="BuildDiagnostic.Severity"/> holds the SARIF level (error, warning, note, none).</summary>
    public IReadOnlyList<BuildDiagnostic> Results { get; }

    /// <summary>Each rule's helpUri by rule id.</summary>
    public IReadOnlyDictionary<string, string?> HelpUris { get; }

    public IReadOnlyList<BuildDiagnostic> Dma => Results.Where(r => r.Id.StartsWith("DMA", StringComparison.Ordinal)).ToList();

    public static SarifLog Read(string path, string projectDirectory)
    {
        using var sarif = JsonDocument.Parse(File.ReadAllText(path));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var results = run.GetProperty("results").EnumerateArray()
            .Select(r =>
            {
                var location = r.GetProperty("locations")[0].GetProperty("physicalLocation");
                var file = new Uri(location.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath;
                var region = location.GetProperty("region");
                return new BuildDiagnostic(
                    Path.GetRelativePath(projectDirectory, file).Replace('\\', '/'),
                    region.GetProperty("startLine").GetInt32(), region.GetProperty("startColumn").GetInt32(),
                    r.TryGetProperty("level", out var level) ? level.GetString()! : "warning", r.GetProperty("ruleId").GetString()!);
            })
            .ToList();
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .ToDictionary(
                r => r.GetProperty("id").GetString()!,
                r => r.TryGetProperty("helpUri", out var help) ? help.GetString() : null);
        return new SarifLog(sarif.RootElement.GetProperty("version").GetString()!, results, rules);
    }
}
