using System.Diagnostics;
using System.Text;
using DmaDiscipline.Runtime;

namespace DmaDiscipline.CodeFixes.Tests.Acceptance;

/// <summary>
/// The command-line client CI uses: <c>dotnet format analyzers</c> with the DMA analyzers and code fixes,
/// on a copy of the legacy drivers and on a corpus mixing several rules. One pass fixes everything it can;
/// a second pass (<c>--verify-no-changes</c>) finds nothing to change.
/// </summary>
public sealed class DotnetFormatTests
{
    private static readonly string[] Rules = { "DMA001", "DMA002", "DMA003", "DMA004", "DMA005", "DMA008" };

    /// <summary>Several rules in one file: a descriptor field of unknown direction, an unchecked map, an unmap of the wrong length.</summary>
    private const string Mixed = """
        using DmaDiscipline.Runtime;

        namespace Mixed;

        public struct Desc
        {
            [BusAddress] public ulong Addr;
            public uint Len;
        }

        public sealed class Driver
        {
            private const int ENOMEM = 12;
            private readonly DmaApi _dma;
            private readonly Desc[] _descs = new Desc[8];

            public Driver(DmaApi dma) => _dma = dma;

            public int Post(int i, KBuffer buf, int off)
            {
                if (off < 0)
                {
                    return -22;
                }

                _descs[i].Addr = buf.PhysicalAddress.Value + (ulong)off; // DMA001 expected
                _descs[i].Len = (uint)(buf.Length - off);
                return 0;
            }

            public bool Send(KBuffer buf)
            {
                DmaAddr a = _dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice);
                _descs[0].Addr = a.Value;
                return true;
            }

            public void Finish(DmaAddr a, KBuffer buf)
            {
                DmaAddr b = _dma.MapSingle(buf, 0, 128, DmaDirection.FromDevice);
                if (_dma.MappingError(b))
                {
                    return;
                }

                _descs[1].Addr = b.Value;
                _dma.UnmapSingle(b, 64, DmaDirection.FromDevice);
            }
        }
        """;

    [Fact]
    public async Task Dotnet_format_fixes_the_legacy_drivers_in_one_pass()
    {
        var legacy = Path.Combine(RepositoryRoot(), "samples", "DmaDiscipline.Samples.Drivers", "Legacy");
        var files = Directory.GetFiles(legacy, "*.cs").ToDictionary(p => Path.GetFileName(p), File.ReadAllText);
        await OnePassAsync("legacy", files);
    }

    [Fact]
    public async Task Dotnet_format_fixes_a_corpus_mixing_the_rules_in_one_pass()
    {
        await OnePassAsync("mixed", new Dictionary<string, string> { ["Mixed.cs"] = Mixed });
    }

    private static async Task OnePassAsync(string name, IReadOnlyDictionary<string, string> files)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dmadiscipline-format-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var project = WriteProject(directory, files);
            var first = await RunAsync(directory, new[] { "format", "analyzers", project, "--severity", "warn", "-v", "n", "--diagnostics" }.Concat(Rules).ToArray());
            Assert.True(first.ExitCode == 0, first.ToString());
            var changed = files.Where(f => File.ReadAllText(Path.Combine(directory, f.Key)) != f.Value).Select(f => f.Key).ToList();
            Assert.True(changed.Count > 0, "dotnet format changed nothing:\n" + first);

            var second = await RunAsync(directory, new[] { "format", "analyzers", project, "--severity", "warn", "--verify-no-changes", "--no-restore", "-v", "n", "--diagnostics" }.Concat(Rules).ToArray());
            Assert.True(second.ExitCode == 0, "A second pass still changes code:\n" + second + "\nAfter the first pass:\n" + string.Join("\n", files.Keys.Select(f => File.ReadAllText(Path.Combine(directory, f)))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A user's project: the sources, the runtime (and the samples' virtio layer the legacy drivers build on) and the DMA analyzers and fixes.</summary>
    private static string WriteProject(string directory, IReadOnlyDictionary<string, string> files)
    {
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }

        var bin = AppContext.BaseDirectory;
        var project = Path.Combine(directory, "Corpus.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NoWarn>$(NoWarn);CS0436</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="{typeof(DmaApi).Assembly.Location}" />
                <Reference Include="{typeof(DmaDiscipline.Samples.Drivers.Virtio.VirtioMmioDriver).Assembly.Location}" />
                <Analyzer Include="{Path.Combine(bin, "DmaDiscipline.Analyzers.dll")}" />
                <Analyzer Include="{Path.Combine(bin, "DmaDiscipline.CodeFixes.dll")}" />
              </ItemGroup>
            </Project>
            """);
        return project;
    }

    private sealed record Result(string CommandLine, int ExitCode, string Output)
    {
        public override string ToString() => $"> {CommandLine}\nexit code {ExitCode}\n{Output}";
    }

    private static async Task<Result> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // 'dotnet test' exports MSBuild's own paths to the test host; a user's shell has none of them.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A guard against a hang, not a speed check: under load one run took 9 minutes where a quiet one takes one.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet " + string.Join(' ', arguments) + " did not finish:\n" + output);
        }

        process.WaitForExit();
        lock (output)
        {
            return new Result("dotnet " + string.Join(' ', arguments), process.ExitCode, output.ToString());
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DmaDiscipline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("DmaDiscipline.sln not found above " + AppContext.BaseDirectory);
    }
}
