using System.Security;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>
/// A user's project that references the packed packages: written once, given its packages once with
/// 'dotnet add package' (which restores), then built in as many variants as the tests need. Each variant
/// gets its own obj/ and bin/ folders so that no variant's incremental state decides another's result. Sources are grouped in case folders; <c>-p:ConsumerCase=name</c>
/// compiles one of them, so a case's .editorconfig applies to its sources only, as it would in a repository.
/// </summary>
public sealed class Consumer
{
    private readonly PackedPackages _packages;
    private readonly IReadOnlyList<string> _packageIds;
    private readonly SemaphoreSlim _restore = new(1, 1);
    private bool _restored;

    public Consumer(
        PackedPackages packages, string name, string defaultCase, IReadOnlyList<string> packageIds, IReadOnlyDictionary<string, string> files,
        string extraItems = "")
    {
        _packages = packages;
        _packageIds = packageIds;
        Name = name;
        Files = files;
        Directory = Path.Combine(packages.Root, "consumers", name);
        System.IO.Directory.CreateDirectory(Directory);

        File.WriteAllText(ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                <ConsumerCase Condition="'$(ConsumerCase)' == ''">{defaultCase}</ConsumerCase>
                <!-- A project's own choice of preset, written in its body as a user would. -->
                <DmaDisciplineAnalysisMode Condition="'$(ChosenAnalysisMode)' != ''">$(ChosenAnalysisMode)</DmaDisciplineAnalysisMode>
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="$(ConsumerCase)/**/*.cs" />
            {extraItems}  </ItemGroup>
            </Project>
            """);

        // The temporary feed in addition to the machine's sources (its user-level NuGet.Config).
        File.WriteAllText(Path.Combine(Directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="dmadiscipline-it" value="{SecurityElement.Escape(packages.Feed)}" />
              </packageSources>
            </configuration>
            """);

        foreach (var (path, text) in files)
        {
            var full = Path.Combine(Directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
    }

    public string Name { get; }

    public string Directory { get; }

    public string ProjectFile => Path.Combine(Directory, Name + ".csproj");

    /// <summary>Every file of the consumer, by path relative to <see cref="Directory"/>.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>The diagnostics promised by the markers in the files of one case folder and in the project folder's symbols files.</summary>
    public IReadOnlyList<ExpectedDiagnostic> ExpectedIn(string consumerCase) =>
        Files.Where(f => f.Key.StartsWith(consumerCase + "/", StringComparison.Ordinal) || !f.Key.Contains('/'))
            .SelectMany(f => ExpectedDiagnostic.In(f.Key, f.Value))
            .ToList();

    public async Task<ConsumerBuild> BuildAsync(string variant, params string[] arguments)
    {
        await RestoreAsync();
        var result = await DotNetCli.RunAsync(
            Directory,
            [
                "build", ProjectFile, "--no-restore", "-nodeReuse:false", "-tl:off", "-v:m",
                $"-p:IntermediateOutputPath=obj/{variant}/", $"-p:OutputPath=bin/{variant}/", .. arguments,
            ],
            TimeSpan.FromMinutes(4),
            Environment);
        return new ConsumerBuild(result, BuildDiagnostic.Parse(result.Output, Directory));
    }

    /// <summary>Builds one variant with an ErrorLog (SARIF 2.1) and reads the log.</summary>
    public async Task<(ConsumerBuild Build, SarifLog Log)> BuildWithErrorLogAsync(string variant, params string[] arguments)
    {
        var log = Path.Combine(Directory, "sarif", variant + ".sarif");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(log)!);

        // %2C: a bare comma would split the -p argument in two and leave a SARIF 1.0 log.
        var build = await BuildAsync(variant, [$"-p:ErrorLog={log}%2Cversion=2.1", .. arguments]);
        Assert.True(File.Exists(log), $"no SARIF log at {log}:\n{build.Result}");
        return (build, SarifLog.Read(log, Directory));
    }

    /// <summary>The project file as it is after the packages were added.</summary>
    public async Task<string> ProjectTextAsync()
    {
        await RestoreAsync();
        return await File.ReadAllTextAsync(ProjectFile);
    }

    /// <summary>Evaluates the project (no build) and returns the full paths of one item type, as MSBuild sees them.</summary>
    public async Task<IReadOnlyList<string>> EvaluateItemsAsync(string itemType, params string[] arguments)
    {
        await RestoreAsync();
        var result = await DotNetCli.RunAsync(
            Directory, ["msbuild", ProjectFile, $"-getItem:{itemType}", "-nodeReuse:false", .. arguments], TimeSpan.FromMinutes(2), Environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Evaluating {Name} failed:\n{result}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        return json.RootElement.GetProperty("Items").GetProperty(itemType).EnumerateArray()
            .Select(item => item.GetProperty("FullPath").GetString()!)
            .ToList();
    }

    private Dictionary<string, string> Environment => new() { ["NUGET_PACKAGES"] = _packages.ConsumerPackages };

    private async Task RestoreAsync()
    {
        await _restore.WaitAsync();
        try
        {
            if (_restored)
            {
                return;
            }

            // As a user installs them: 'dotnet add package' writes the reference (and its asset metadata) and restores.
            foreach (var id in _packageIds)
            {
                var result = await DotNetCli.RunAsync(
                    Directory, ["add", ProjectFile, "package", id, "--version", _packages.Version], TimeSpan.FromMinutes(4), Environment);
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"Adding {id} to {Name} failed:\n{result}");
                }
            }

            // The projects it references (a consumer of several projects) are restored with it.
            var restore = await DotNetCli.RunAsync(Directory, ["restore", ProjectFile, "-nodeReuse:false"], TimeSpan.FromMinutes(4), Environment);
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException($"Restoring {Name} failed:\n{restore}");
            }

            _restored = true;
        }
        finally
        {
            _restore.Release();
        }
    }
}

/// <summary>One build of a consumer: the command's result and the diagnostics it printed.</summary>
public sealed record ConsumerBuild(CommandResult Result, IReadOnlyList<BuildDiagnostic> Diagnostics)
{
    /// <summary>The DmaDiscipline diagnostics (DMA0xx, DMA9xx); other analyzers are not under test.</summary>
    public IReadOnlyList<BuildDiagnostic> Dma => Diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal)).ToList();
}
