using DmaDiscipline.Integration.Tests.Consumers;

namespace DmaDiscipline.Integration.Tests.Infrastructure;

/// <summary>
/// Packs DmaDiscipline.Analyzers and DmaDiscipline.Runtime once per test run into a temporary feed.
/// The sources are packed from a copy so that the pack never writes into the repository's bin/ and obj/
/// while the solution build or other tests use them. The version is unique per run and consumers restore
/// into their own package folder, so no NuGet cache can serve bits from an earlier run.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
    public const string AnalyzersId = "DmaDiscipline.Analyzers";
    public const string RuntimeId = "DmaDiscipline.Runtime";

    /// <summary>Set to 1 to keep the temporary folder (feed, consumers, build output) for inspection.</summary>
    private const string KeepVariable = "DMADISCIPLINE_IT_KEEP";

    private static readonly HashSet<string> NotCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", "bin", "obj", "TestResults", "artifacts", "BenchmarkDotNet.Artifacts", ".vs", ".idea",
    };

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "dmadiscipline-it-" + Guid.NewGuid().ToString("N")[..12]);

    public string Version { get; } = $"0.1.0-it.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>NUGET_PACKAGES of every consumer: empty at the start of the run.</summary>
    public string ConsumerPackages => Path.Combine(Root, "packages");

    public string AnalyzersPackage => Path.Combine(Feed, $"{AnalyzersId}.{Version}.nupkg");

    public string RuntimePackage => Path.Combine(Feed, $"{RuntimeId}.{Version}.nupkg");

    public CommandResult? Pack { get; private set; }

    /// <summary>Consumers are shared by the tests so that each is written and restored once.</summary>
    public Consumer DriverConsumer => _driverConsumer.Value;

    public Consumer VendorConsumer => _vendorConsumer.Value;

    public Consumer LayeredConsumer => _layeredConsumer.Value;

    private readonly Lazy<Consumer> _driverConsumer;
    private readonly Lazy<Consumer> _vendorConsumer;
    private readonly Lazy<Consumer> _layeredConsumer;

    public PackedPackages()
    {
        _driverConsumer = new Lazy<Consumer>(() => Consumers.DriverConsumer.Create(this));
        _vendorConsumer = new Lazy<Consumer>(() => Consumers.VendorConsumer.Create(this));
        _layeredConsumer = new Lazy<Consumer>(() => Consumers.LayeredConsumer.Create(this));
    }

    public async Task InitializeAsync()
    {
        var source = Path.Combine(Root, "src");
        CopyTree(RepositoryRoot.Find(), source);

        // One pack of the two packable projects, like 'dotnet pack DmaDiscipline.sln' without building tests and samples.
        var filter = Path.Combine(source, "Packages.slnf");
        File.WriteAllText(filter, """
            {
              "solution": {
                "path": "DmaDiscipline.sln",
                "projects": [
                  "analyzers/DmaDiscipline.Analyzers.Package/DmaDiscipline.Analyzers.Package.csproj",
                  "sim-runtime/DmaDiscipline.Runtime/DmaDiscipline.Runtime.csproj"
                ]
              }
            }
            """);
        Pack = await DotNetCli.RunAsync(
            source,
            ["pack", filter, "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false", "-tl:off", "-v:m"],
            TimeSpan.FromMinutes(8));
        if (Pack.ExitCode != 0 || !File.Exists(AnalyzersPackage) || !File.Exists(RuntimePackage))
        {
            throw new InvalidOperationException($"Packing failed:\n{Pack}");
        }

        Directory.CreateDirectory(ConsumerPackages);
    }

    public Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable(KeepVariable) != "1")
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A compiler server may still hold a file open; the folder is in the temp area.
            }
        }

        return Task.CompletedTask;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            try
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
            catch (FileNotFoundException)
            {
                // Gone since it was listed: a scratch file of a test running beside this one, not a source.
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (!NotCopied.Contains(name) && (File.GetAttributes(directory) & FileAttributes.ReparsePoint) == 0)
            {
                CopyTree(directory, Path.Combine(to, name));
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PackedPackagesCollection : ICollectionFixture<PackedPackages>
{
    // One collection: the fixture packs once and the builds run one after another (2 cores are shared).
    public const string Name = "Packed packages";
}
