using System.Reflection;
using System.Runtime.Loader;
using DmaDiscipline.Runner.Matrix;
using DmaDiscipline.Samples.Drivers.Disciplined;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DmaDiscipline.Samples.Tests;

/// <summary>
/// The runner README's "Running your own driver" example is what a user copies: it is compiled as the top-level program
/// of a project with the SDK's implicit usings, beside two drivers of the user's own (written here, wrapping the
/// runner's disciplined drivers), and run; its matrix must come out clean.
/// </summary>
public sealed class RunnerReadmeExampleTests
{
    private const string Heading = "## Running your own driver (`DriverMatrix`)";

    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>The user's drivers the example names: a type with the probe's constructor, and one a factory builds.</summary>
    private const string UsersDrivers = """
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;
        using DmaDiscipline.Runtime.Virtio.Blk;
        using DmaDiscipline.Runtime.Virtio.Net;
        using DmaDiscipline.Samples.Drivers.Disciplined;

        public sealed class MyNetDriver(Device device, VirtioMmioTransport transport) : INetDriver
        {
            private readonly VirtioNetDriver _inner = new(device, transport);
            public int MaxFrameLength => _inner.MaxFrameLength;
            public bool TrySend(ReadOnlySpan<byte> frame) => _inner.TrySend(frame);
            public int Receive(Span<byte> frame) => _inner.Receive(frame);
            public void Poll() => _inner.Poll();
            public void Dispose() => _inner.Dispose();
        }

        public sealed class MyBlkDriver(Device device, VirtioMmioTransport transport, int queueSize) : IBlkDriver
        {
            private readonly VirtioBlkDriver _inner = new(device, transport, new VirtioBlkDriverOptions { QueueSize = queueSize });
            public int QueueDepth => _inner.QueueDepth;
            public bool Submit(bool write, ulong sector, KBuffer data, int length, int tag) => _inner.Submit(write, sector, data, length, tag);
            public void Kick() => _inner.Kick();
            public bool TryComplete(out int tag, out bool ok) => _inner.TryComplete(out tag, out ok);
            public void Dispose() => _inner.Dispose();
        }
        """;

    [Fact]
    public void The_example_compiles_as_a_program_and_its_matrix_is_clean()
    {
        var example = Example();
        var program = example + "\nreturn clean && strict.AsExpected ? 0 : 1;\n";
        var compilation = CSharpCompilation.Create(
            "RunnerReadmeExample",
            [Parse(ImplicitUsings), Parse(program), Parse(UsersDrivers)],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)) + "\n" + example);

        var context = new AssemblyLoadContext("RunnerReadmeExample", isCollectible: true);
        try
        {
            image.Position = 0;
            var entry = context.LoadFromStream(image).EntryPoint!;
            var exitCode = entry.Invoke(null, entry.GetParameters().Length == 0 ? [] : [Array.Empty<string>()]);
            Assert.Equal(0, exitCode);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void The_example_names_the_matrix_api_it_is_about()
    {
        var example = Example();

        Assert.Contains("ExternalDriver.FromType(", example);
        Assert.Contains("ExternalDriver.Blk(", example);
        Assert.Contains("DriverMatrix.RunCell(", example);
        Assert.Contains("DriverMatrix.Run(", example);
    }

    /// <summary>The first <c>csharp</c> block under <see cref="Heading"/> in the runner's README.</summary>
    private static string Example()
    {
        var lines = File.ReadAllLines(Path.Combine(Root(), "samples", "DmaDiscipline.Runner", "README.md"));
        var at = Array.FindIndex(lines, l => l.TrimEnd() == Heading);
        Assert.True(at >= 0, $"the runner's README has no '{Heading}'");
        var start = Array.FindIndex(lines, at + 1, l => l.TrimEnd() == "```csharp");
        var next = Array.FindIndex(lines, at + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        Assert.True(start > at && (next < 0 || start < next), $"no csharp block under '{Heading}'");
        var end = Array.FindIndex(lines, start + 1, l => l.TrimEnd() == "```");
        Assert.True(end > start, "an unclosed csharp block");
        return string.Join("\n", lines[(start + 1)..end]);
    }

    private static SyntaxTree Parse(string text) => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest));

    /// <summary>The framework's assemblies and the ones a consumer of the runner references.</summary>
    private static IEnumerable<MetadataReference> References()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var ours = new[] { typeof(DriverMatrix).Assembly, typeof(VirtioNetDriver).Assembly, typeof(DmaDiscipline.Runtime.Device).Assembly }
            .Select(a => a.Location);
        return framework.Concat(ours).Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path));
    }

    private static string Root()
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
