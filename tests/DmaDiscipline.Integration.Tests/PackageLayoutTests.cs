using System.IO.Compression;
using System.Xml.Linq;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>What is inside each .nupkg, and what its nuspec promises.</summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class PackageLayoutTests(PackedPackages packages)
{
    [Fact]
    public void Analyzer_package_holds_analyzers_build_files_presets_and_rule_pages_and_no_lib()
    {
        var rulePages = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Find(), "docs", "rules"), "*.md")
            .Select(page => "docs/rules/" + Path.GetFileName(page));
        Assert.Equal(
            new[]
            {
                "README.md",
                "analyzers/dotnet/cs/DmaDiscipline.Analyzers.dll",
                "analyzers/dotnet/cs/DmaDiscipline.CodeFixes.dll",
                "build/DmaDiscipline.Analyzers.props",
                "build/DmaDiscipline.Analyzers.targets",
                "buildTransitive/DmaDiscipline.Analyzers.props",
                "buildTransitive/DmaDiscipline.Analyzers.targets",
                "config/DmaDiscipline.none.globalconfig",
                "config/DmaDiscipline.recommended.globalconfig",
                "config/DmaDiscipline.strict.globalconfig",
            }.Concat(rulePages).Order(StringComparer.Ordinal),
            ContentOf(packages.AnalyzersPackage));
    }

    [Fact]
    public void Analyzer_package_is_a_development_dependency_without_dependencies()
    {
        var nuspec = Nuspec(packages.AnalyzersPackage);

        Assert.Equal(PackedPackages.AnalyzersId, Metadata(nuspec, "id"));
        Assert.Equal(packages.Version, Metadata(nuspec, "version"));
        Assert.Equal("true", Metadata(nuspec, "developmentDependency"));
        Assert.DoesNotContain(nuspec.Descendants(), e => e.Name.LocalName == "dependency");
        AssertCommonMetadata(nuspec, "analyzers");
    }

    [Fact]
    public async Task Dotnet_add_package_installs_the_analyzers_as_a_private_development_dependency()
    {
        var project = XDocument.Parse(await packages.VendorConsumer.ProjectTextAsync());

        var reference = project.Descendants("PackageReference").Single(r => r.Attribute("Include")?.Value == PackedPackages.AnalyzersId);
        Assert.Equal("all", reference.Element("PrivateAssets")?.Value);
        Assert.Contains("buildtransitive", reference.Element("IncludeAssets")?.Value ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("analyzers", reference.Element("IncludeAssets")?.Value ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Runtime_package_holds_the_library_its_xml_docs_and_a_readme()
    {
        Assert.Equal(
            ["README.md", "lib/net8.0/DmaDiscipline.Runtime.dll", "lib/net8.0/DmaDiscipline.Runtime.xml"],
            ContentOf(packages.RuntimePackage));
        var nuspec = Nuspec(packages.RuntimePackage);
        Assert.Equal(PackedPackages.RuntimeId, Metadata(nuspec, "id"));
        Assert.Equal(packages.Version, Metadata(nuspec, "version"));
        AssertCommonMetadata(nuspec, "dma");
    }

    private static void AssertCommonMetadata(XDocument nuspec, string tag)
    {
        var license = nuspec.Descendants().Single(e => e.Name.LocalName == "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Metadata(nuspec, "readme"));
        Assert.Contains(tag, Metadata(nuspec, "tags")!.Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Metadata(nuspec, "description")));

        // The one repository URL of Directory.Build.props, which the help links are built from too.
        Assert.Equal(RepositoryUrl.Url, Metadata(nuspec, "projectUrl"));
        var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.Equal(RepositoryUrl.Url, repository.Attribute("url")?.Value);
        Assert.Equal(RepositoryUrl.Branch, repository.Attribute("branch")?.Value);
    }

    /// <summary>The package's files without the OPC bookkeeping every .nupkg has.</summary>
    private static List<string> ContentOf(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName)
            .Where(n => !n.StartsWith("_rels/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal)
                && n != "[Content_Types].xml" && !n.EndsWith(".nuspec", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static XDocument Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
        return XDocument.Load(stream);
    }

    private static string? Metadata(XDocument nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name && e.Parent?.Name.LocalName == "metadata")?.Value;
}
