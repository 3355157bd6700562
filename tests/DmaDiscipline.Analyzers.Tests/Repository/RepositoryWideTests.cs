using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Repository;

/// <summary>Every analyzer over every C# file of the repository: no analyzer exception (AD0001), ever; the runtime itself is clean.</summary>
public sealed class RepositoryWideTests
{
    [Fact]
    public async Task Every_project_of_the_repository_is_analysed_without_an_exception()
    {
        var projects = RepositorySources.Projects().Where(p => p.Files.Count > 0).ToList();
        Assert.Contains(projects, p => p.Project == "DmaDiscipline.Analyzers");
        foreach (var (project, files) in projects)
        {
            // The runtime is compiled as itself; everything else as driver code referencing it.
            var isRuntime = project == "DmaDiscipline.Runtime";
            var result = await AnalyzerRunner.RunAsync(RepositorySources.Read(files), referenceRuntime: !isRuntime, assemblyName: project);
            Assert.True(result.Exceptions.Count == 0, $"{project}: {string.Join(Environment.NewLine, result.Exceptions)}");
        }
    }

    [Fact]
    public async Task The_runtime_sources_produce_no_DMA_diagnostic()
    {
        var files = RepositorySources.CSharpFiles(Path.Combine(RepositorySources.Root, "sim-runtime", "DmaDiscipline.Runtime"));
        Assert.NotEmpty(files);
        var result = await AnalyzerRunner.RunAsync(RepositorySources.Read(files), referenceRuntime: false, assemblyName: "DmaDiscipline.Runtime");
        Assert.Empty(result.CompilerErrors);
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal)));
    }
}
