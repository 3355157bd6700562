using System.Text.Json.Nodes;
using DmaDiscipline.Integration.Tests.Infrastructure;

namespace DmaDiscipline.Integration.Tests;

/// <summary>
/// Live in an editor: the packed analyzer package in a user's project opened by a real language server
/// (csharp-ls 0.28, a Roslyn-based LSP server, with its <c>analyzersEnabled</c> setting on), as an editor
/// would drive it: the raw-address hand-off is underlined at its line, the disciplined driver is not.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class LanguageServerTests(PackedPackages packages)
{
    private const string ServerPackage = "csharp-ls";
    private const string ServerVersion = "0.28.0";

    private const string Legacy = """
        using DmaDiscipline.Runtime;

        namespace Editor.Drivers;

        public struct RxDesc
        {
            [BusAddress] public ulong Addr;
            public uint Len;
        }

        public static class LegacyRx
        {
            public static void Refill(KBuffer buffer, RxDesc[] ring, int slot)
            {
                ring[slot].Len = (uint)buffer.Length;
                ring[slot].Addr = buffer.PhysicalAddress.Value;
            }
        }
        """;

    private const string Disciplined = """
        using DmaDiscipline.Runtime;

        namespace Editor.Drivers;

        public static class DisciplinedRx
        {
            public static bool Refill(DmaApi dma, KBuffer buffer, RxDesc[] ring, int slot)
            {
                var address = dma.MapSingle(buffer, 0, buffer.Length, DmaDirection.FromDevice);
                if (dma.MappingError(address))
                {
                    return false;
                }

                ring[slot].Len = (uint)buffer.Length;
                ring[slot].Addr = address.Value;
                return true;
            }
        }
        """;

    [Fact]
    public async Task An_editor_on_csharp_ls_shows_DMA001_at_the_hand_off_and_nothing_on_the_disciplined_driver()
    {
        var consumer = new Consumer(
            packages, "EditorConsumer", "src", [PackedPackages.AnalyzersId, PackedPackages.RuntimeId],
            new Dictionary<string, string> { ["src/LegacyRx.cs"] = Legacy, ["src/DisciplinedRx.cs"] = Disciplined });
        var build = await consumer.BuildAsync("editor");
        build.Succeeded();

        // The server as a user installs it, in a folder of its own (not the consumer's package folder).
        var tools = Path.Combine(packages.Root, "tools");
        var install = await DotNetCli.RunAsync(
            consumer.Directory, ["tool", "install", ServerPackage, "--version", ServerVersion, "--tool-path", tools], TimeSpan.FromMinutes(5));
        Assert.True(install.ExitCode == 0, $"installing {ServerPackage} failed:\n{install}");

        var settings = new JsonObject { ["csharp"] = new JsonObject { ["analyzersEnabled"] = true } };
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages.ConsumerPackages };
        if (Path.GetDirectoryName(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")) is { Length: > 0 } dotnetRoot)
        {
            environment["DOTNET_ROOT"] = dotnetRoot; // the tool's launcher finds the runtime the tests run on
        }

        await using var server = LanguageServer.Start(Path.Combine(tools, ServerPackage), consumer.Directory, environment, settings);
        await server.InitializeAsync(consumer.Directory, TimeSpan.FromMinutes(2));
        var legacy = Path.Combine(consumer.Directory, "src", "LegacyRx.cs");
        var disciplined = Path.Combine(consumer.Directory, "src", "DisciplinedRx.cs");
        await server.OpenAsync(legacy);
        await server.OpenAsync(disciplined);

        // The project and its analyzers load in the background: pull until the DMA analyzers have spoken.
        var found = await server.DiagnosticsWhenAsync(legacy, ds => ds.Any(d => d.Code.StartsWith("DMA", StringComparison.Ordinal)), TimeSpan.FromMinutes(5));
        var dma = found.Where(d => d.Code.StartsWith("DMA", StringComparison.Ordinal)).ToList();
        var expectedLine = Legacy.Split('\n').ToList().FindIndex(l => l.Contains("buffer.PhysicalAddress.Value", StringComparison.Ordinal)) + 1;
        var only = Assert.Single(dma);
        Assert.Equal(("DMA001", expectedLine), (only.Code, only.Line));
        Assert.Contains("buffer.PhysicalAddress", only.Message, StringComparison.Ordinal);

        var clean = await server.DiagnosticsAsync(disciplined, TimeSpan.FromMinutes(2));
        Assert.DoesNotContain(clean, d => d.Code.StartsWith("DMA", StringComparison.Ordinal));
    }
}
