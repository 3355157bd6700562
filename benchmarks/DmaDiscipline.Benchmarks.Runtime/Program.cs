using BenchmarkDotNet.Running;

namespace DmaDiscipline.Benchmarks.Runtime;

/// <summary>
/// Runtime (simulated machine) benchmarks. Always in-process: the repository's central package
/// management and warnings-as-errors would otherwise apply to BenchmarkDotNet's generated project.
/// Example: <c>dotnet run -c Release -- --filter '*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        string[] arguments = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(arguments);
    }
}
