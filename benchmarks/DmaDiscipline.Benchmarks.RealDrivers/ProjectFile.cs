using System.Xml.Linq;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>
/// What a csproj says about its compilation, read without MSBuild: the properties that shape it (with those of
/// Directory.Build.props files above it), its C# files (SDK default globs or explicit items, shared projects'
/// .projitems), and its project references. MSBuild targets are not evaluated: a codebase whose targets change
/// references says so in its corpus.txt. Of the conditions, only the comparisons a configuration selects by
/// (<c>'$(Configuration)|$(Platform)' == 'Debug|x86'</c>, <c>==</c> or <c>!=</c> of two quoted strings after the
/// properties read so far are put in) are evaluated; a group or property under any other condition is not read.
/// </summary>
internal sealed record ProjectFile(
    string Path,
    string Name,
    IReadOnlyList<string> Sources,
    IReadOnlyList<string> ProjectReferences,
    IReadOnlyList<string> DefineConstants,
    bool AllowUnsafe,
    bool Nullable,
    IReadOnlyList<string> MissingSources,
    IReadOnlyList<string> GlobalUsings)
{
    // The namespaces Microsoft.NET.Sdk imports when ImplicitUsings is enabled.
    private static readonly string[] SdkImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    /// <param name="configuration">The solution configuration the codebase builds the project in (<c>Debug|x86</c>), or
    /// null: then only unconditioned groups are read, as before a configuration is chosen.</param>
    public static ProjectFile Read(string path, string codebaseRoot, string? configuration = null)
    {
        path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var project = XDocument.Load(path).Root ?? throw new FormatException($"{path}: empty project");
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (configuration?.Split('|') is [var name, var platform])
        {
            properties["Configuration"] = name;
            properties["Platform"] = platform;
        }
        foreach (var props in DirectoryBuildProps(directory, codebaseRoot))
        {
            ReadProperties(XDocument.Load(props).Root!, properties, configuration is not null);
        }

        // A project's own <Import> of a .props/.targets file of the codebase (MOSA's ../Mosa.BareMetal.targets sets
        // AllowUnsafeBlocks and DisableImplicitFrameworkReferences for every project): its unconditioned properties
        // apply where the import stands; the ones MOSA and the others write stand before the project's own groups.
        foreach (var imported in ImportedPropertyFiles(project, directory, codebaseRoot))
        {
            ReadProperties(XDocument.Load(imported).Root!, properties, configuration is not null);
        }

        ReadProperties(project, properties, configuration is not null);

        var sdkStyle = project.Attribute("Sdk") is not null;
        var sources = new List<string>();
        if (sdkStyle && !IsFalse(properties, "EnableDefaultCompileItems"))
        {
            sources.AddRange(Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(file => !UnderBuildOutput(directory, file)));
        }

        sources.AddRange(CompileItems(project, directory, "Include"));
        foreach (var import in Elements(project, "Import"))
        {
            var imported = import.Attribute("Project")?.Value;
            if (imported is not null && imported.EndsWith(".projitems", StringComparison.OrdinalIgnoreCase))
            {
                var itemsPath = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, imported.Replace('\\', '/')));
                var items = XDocument.Load(itemsPath).Root!;
                sources.AddRange(CompileItems(items, System.IO.Path.GetDirectoryName(itemsPath)!, "Include"));
            }
        }

        var removed = CompileItems(project, directory, "Remove").ToHashSet(StringComparer.Ordinal);
        // A reference with ReferenceOutputAssembly="false" (an analyzer or build-order reference) gives the compilation nothing, as in MSBuild.
        var references = Elements(project, "ProjectReference")
            .Where(reference => !string.Equals(reference.Attribute("ReferenceOutputAssembly")?.Value ?? reference.Element(reference.Name.Namespace + "ReferenceOutputAssembly")?.Value, "false", StringComparison.OrdinalIgnoreCase))
            .Select(reference => reference.Attribute("Include")?.Value)
            .OfType<string>()
            .Select(include => System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, include.Replace('\\', '/'))))
            .ToList();

        // A listed file that is not there (outside the codebase, or named through a property MSBuild would set, such as
        // a path into another repository's checkout) is not compiled, and is reported rather than failing the run.
        var listed = sources.Where(source => !removed.Contains(source)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ProjectFile(
            path,
            System.IO.Path.GetFileNameWithoutExtension(path),
            listed.Where(File.Exists).ToList(),
            references,
            Defines(properties),
            properties.TryGetValue("AllowUnsafeBlocks", out var unsafeBlocks) && unsafeBlocks.Equals("true", StringComparison.OrdinalIgnoreCase),
            properties.TryGetValue("Nullable", out var nullable) && nullable.Equals("enable", StringComparison.OrdinalIgnoreCase),
            listed.Where(source => !File.Exists(source)).ToList(),
            ReadGlobalUsings(project, properties, sdkStyle));
    }

    // The SDK imports the nearest Directory.Build.props; we read every one up to the codebase's root, outermost first.
    private static IEnumerable<string> DirectoryBuildProps(string directory, string codebaseRoot)
    {
        var found = new List<string>();
        var root = System.IO.Path.GetFullPath(codebaseRoot);
        for (var current = directory; current is not null && current.StartsWith(root, StringComparison.Ordinal); current = System.IO.Path.GetDirectoryName(current))
        {
            var candidate = System.IO.Path.Combine(current, "Directory.Build.props");
            if (File.Exists(candidate))
            {
                found.Add(candidate);
            }
        }

        found.Reverse();
        return found;
    }

    // Imports outside the codebase (the SDK's) or that do not exist as written ($(...) paths) are not read.
    private static IEnumerable<string> ImportedPropertyFiles(XElement project, string directory, string codebaseRoot)
    {
        var root = System.IO.Path.GetFullPath(codebaseRoot);
        return Elements(project, "Import")
            .Where(import => import.Attribute("Condition") is null)
            .Select(import => import.Attribute("Project")?.Value)
            .OfType<string>()
            .Where(value => !value.Contains("$(", StringComparison.Ordinal)
                && (value.EndsWith(".props", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".targets", StringComparison.OrdinalIgnoreCase)))
            .Select(value => System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, value.Replace('\\', '/'))))
            .Where(file => file.StartsWith(root, StringComparison.Ordinal) && File.Exists(file));
    }

    private static void ReadProperties(XElement root, Dictionary<string, string> properties, bool evaluate)
    {
        foreach (var group in Elements(root, "PropertyGroup").Where(group => Holds(group, properties, evaluate)))
        {
            foreach (var property in group.Elements().Where(property => Holds(property, properties, evaluate)))
            {
                var value = property.Value.Trim();
                var name = property.Name.LocalName;
                properties[name] = properties.TryGetValue(name, out var previous)
                    ? value.Replace($"$({name})", previous, StringComparison.OrdinalIgnoreCase)
                    : value.Replace($"$({name})", "", StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>
    /// Whether the element's condition holds: none does; a comparison of two quoted strings (after the properties read
    /// so far are put in, an unset one empty) holds when they are equal (<c>==</c>) or not (<c>!=</c>), ignoring case, as
    /// MSBuild compares; any other condition is taken not to hold (it is not evaluated). Without a configuration
    /// (<paramref name="evaluate"/> false) no condition holds.
    /// </summary>
    private static bool Holds(XElement element, Dictionary<string, string> properties, bool evaluate)
    {
        if (element.Attribute("Condition")?.Value is not { } condition)
        {
            return true;
        }

        if (!evaluate)
        {
            return false;
        }

        var expanded = System.Text.RegularExpressions.Regex.Replace(condition, @"\$\((\w+)\)", match => properties.TryGetValue(match.Groups[1].Value, out var value) ? value : "");
        var comparison = System.Text.RegularExpressions.Regex.Match(expanded, @"^\s*'([^']*)'\s*(==|!=)\s*'([^']*)'\s*$");
        if (!comparison.Success)
        {
            return false;
        }

        var equal = string.Equals(comparison.Groups[1].Value.Trim(), comparison.Groups[3].Value.Trim(), StringComparison.OrdinalIgnoreCase);
        return comparison.Groups[2].Value == "==" ? equal : !equal;
    }

    private static IEnumerable<string> CompileItems(XElement root, string directory, string attribute) =>
        Elements(root, "Compile")
            .Select(item => item.Attribute(attribute)?.Value)
            .OfType<string>()
            .SelectMany(value => value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(value => value.Replace("$(MSBuildThisFileDirectory)", "", StringComparison.OrdinalIgnoreCase).Replace('\\', '/'))
            .SelectMany(value => Expand(directory, value));

    // Explicit items and the simple wildcards csproj files use ("Folder/**/*.cs", "*.cs").
    private static IEnumerable<string> Expand(string directory, string value)
    {
        if (!value.Contains('*'))
        {
            return [System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, value))];
        }

        var recursive = value.Contains("**", StringComparison.Ordinal);
        var folder = value[..value.IndexOf('*', StringComparison.Ordinal)].TrimEnd('/');
        var pattern = System.IO.Path.GetFileName(value);
        var start = System.IO.Path.Combine(directory, folder);
        return Directory.Exists(start)
            ? Directory.EnumerateFiles(start, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly).Select(System.IO.Path.GetFullPath)
            : [];
    }

    /// <summary>The global usings the SDK would generate: its implicit ones where ImplicitUsings is enable/true, then the project's <c>Using</c> items (a <c>Remove</c> takes one out).</summary>
    private static IReadOnlyList<string> ReadGlobalUsings(XElement project, Dictionary<string, string> properties, bool sdkStyle)
    {
        var usings = new List<string>();
        if (sdkStyle && properties.TryGetValue("ImplicitUsings", out var implicitUsings)
            && (implicitUsings.Equals("enable", StringComparison.OrdinalIgnoreCase) || implicitUsings.Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            usings.AddRange(SdkImplicitUsings);
        }

        foreach (var item in Elements(project, "Using"))
        {
            if (item.Attribute("Include")?.Value is { } included && item.Attribute("Alias") is null && item.Attribute("Static") is null && !usings.Contains(included))
            {
                usings.Add(included);
            }
            else if (item.Attribute("Remove")?.Value is { } removed)
            {
                usings.Remove(removed);
            }
        }

        return usings;
    }

    private static IEnumerable<XElement> Elements(XElement root, string localName) =>
        root.Descendants().Where(element => element.Name.LocalName == localName);

    private static bool UnderBuildOutput(string projectDirectory, string file)
    {
        var relative = System.IO.Path.GetRelativePath(projectDirectory, file).Replace('\\', '/');
        return relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal);
    }

    private static bool IsFalse(Dictionary<string, string> properties, string name) =>
        properties.TryGetValue(name, out var value) && value.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyList<string> Defines(Dictionary<string, string> properties) =>
        properties.TryGetValue("DefineConstants", out var value)
            ? value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
}
