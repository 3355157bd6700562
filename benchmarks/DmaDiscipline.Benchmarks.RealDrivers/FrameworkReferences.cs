using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>
/// The SDK's reference assemblies (packs/Microsoft.NETCore.App.Ref) of the runtime this program runs on: what a
/// `dotnet build` of an SDK-style project gives the compiler. Nothing is downloaded.
/// </summary>
internal static class FrameworkReferences
{
    public static IReadOnlyList<MetadataReference> Load()
    {
        // .../dotnet/shared/Microsoft.NETCore.App/<version>/ → .../dotnet
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var major = Environment.Version.Major;
        var version = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => name.StartsWith($"{major}.", StringComparison.Ordinal))
                .OrderByDescending(name => Version.TryParse(name.Split('-')[0], out var v) ? v : new Version())
                .FirstOrDefault()
            : null;
        var refDirectory = version is null ? null : Path.Combine(packs, version, "ref", $"net{major}.0");
        if (refDirectory is null || !Directory.Exists(refDirectory))
        {
            throw new DirectoryNotFoundException($"No reference assemblies for .NET {major} under {packs}: install the .NET SDK {major}.");
        }

        return Directory.EnumerateFiles(refDirectory, "*.dll")
            .Order(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
    }
}
