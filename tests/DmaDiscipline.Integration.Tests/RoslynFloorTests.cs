using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>
/// The packed analyzer assemblies load in every host from Roslyn 4.14 on (Visual Studio 17.14, .NET SDK
/// 9.0.300): they target netstandard2.0 and reference no assembly, and no assembly version, that such a
/// host does not carry. An analyzer built against a newer Roslyn or System.Collections.Immutable fails to
/// load there (CS8032), silently for the user.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class RoslynFloorTests(PackedPackages packages)
{
    /// <summary>What a Roslyn 4.14 compiler or IDE host carries: Roslyn's own assemblies and the versions its 4.14.0 packages depend on.</summary>
    private static readonly Dictionary<string, Version> Host = new(StringComparer.Ordinal)
    {
        ["netstandard"] = new(2, 0, 0, 0),
        ["Microsoft.CodeAnalysis"] = new(4, 14, 0, 0),
        ["Microsoft.CodeAnalysis.CSharp"] = new(4, 14, 0, 0),
        ["Microsoft.CodeAnalysis.Workspaces"] = new(4, 14, 0, 0),
        ["Microsoft.CodeAnalysis.CSharp.Workspaces"] = new(4, 14, 0, 0),
        ["System.Collections.Immutable"] = new(9, 0, 0, 0),
        ["System.Reflection.Metadata"] = new(9, 0, 0, 0),
        ["System.Composition.AttributedModel"] = new(9, 0, 0, 0),
        ["System.Composition.Runtime"] = new(9, 0, 0, 0),
        ["System.Memory"] = new(4, 0, 1, 2),
        ["System.Buffers"] = new(4, 0, 3, 0),
        ["System.Numerics.Vectors"] = new(4, 1, 4, 0),
        ["System.Runtime.CompilerServices.Unsafe"] = new(6, 0, 0, 0),
        ["System.Threading.Tasks.Extensions"] = new(4, 2, 0, 1),
        ["Microsoft.Bcl.AsyncInterfaces"] = new(9, 0, 0, 0),
    };

    [Fact]
    public void Packed_analyzers_reference_only_what_a_Roslyn_4_14_host_carries()
    {
        var assemblies = ReadAnalyzerAssemblies();
        Assert.Contains("DmaDiscipline.Analyzers", assemblies.Keys);
        Assert.Contains("Microsoft.CodeAnalysis", assemblies["DmaDiscipline.Analyzers"].Keys);

        var problems = new List<string>();
        foreach (var (assembly, references) in assemblies)
        {
            foreach (var (name, version) in references)
            {
                if (assemblies.ContainsKey(name))
                {
                    continue; // shipped side by side in analyzers/dotnet/cs
                }

                if (!Host.TryGetValue(name, out var carried))
                {
                    problems.Add($"{assembly} references {name} {version}, which a Roslyn 4.14 host does not carry");
                }
                else if (version > carried)
                {
                    problems.Add($"{assembly} references {name} {version}; a Roslyn 4.14 host carries {carried}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>Each dll under analyzers/dotnet/cs/: its name and its assembly references.</summary>
    private Dictionary<string, Dictionary<string, Version>> ReadAnalyzerAssemblies()
    {
        var result = new Dictionary<string, Dictionary<string, Version>>(StringComparer.Ordinal);
        using var zip = ZipFile.OpenRead(packages.AnalyzersPackage);
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal) && e.Name.EndsWith(".dll", StringComparison.Ordinal)))
        {
            using var copy = new MemoryStream();
            using (var stream = entry.Open())
            {
                stream.CopyTo(copy);
            }

            copy.Position = 0;
            using var pe = new PEReader(copy);
            var metadata = pe.GetMetadataReader();
            var name = metadata.GetString(metadata.GetAssemblyDefinition().Name);
            result[name] = metadata.AssemblyReferences
                .Select(metadata.GetAssemblyReference)
                .ToDictionary(r => metadata.GetString(r.Name), r => r.Version, StringComparer.Ordinal);
        }

        return result;
    }
}
