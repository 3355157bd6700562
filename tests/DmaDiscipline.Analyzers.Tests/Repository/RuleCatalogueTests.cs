using System.Reflection;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Tests.Repository;

/// <summary>Id → descriptor → page → release tracking is a straight line: a test fails when they drift.</summary>
public sealed class RuleCatalogueTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var field in typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            data.Add((string)field.GetRawConstantValue()!);
        }

        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_id_has_a_descriptor_a_page_a_help_link_and_a_release_entry(string id)
    {
        var descriptor = Assert.Single(AllDescriptors(), d => d.Id == id);
        Assert.Equal($"{DeclaredRepositoryUrl()}/blob/main/docs/rules/{id}.md", descriptor.HelpLinkUri);
        var page = Path.Combine(RepositorySources.Root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), page);
        var text = File.ReadAllText(page);
        foreach (var section in new[] { "## Why", "## Bad", "## Good", "## Configuration", "## Suppression" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        var unshipped = File.ReadAllText(Path.Combine(RepositorySources.Root, "analyzers", "DmaDiscipline.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity, unshipped, StringComparison.Ordinal);
    }

    /// <summary>The help links come from the one repository URL of Directory.Build.props (via the generated Repository.Url).</summary>
    private static string DeclaredRepositoryUrl() =>
        System.Xml.Linq.XDocument.Load(Path.Combine(RepositorySources.Root, "Directory.Build.props")).Descendants("RepositoryUrl").Single().Value.Trim();

    [Fact]
    public void Every_analyzer_supports_only_catalogued_ids_and_every_id_is_reported_by_one()
    {
        var supported = AnalyzerRunner.All.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToList();
        Assert.Equal(supported.Count, supported.Distinct().Count());
        var ids = typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(ids.OrderBy(x => x), supported.OrderBy(x => x));
    }
}
