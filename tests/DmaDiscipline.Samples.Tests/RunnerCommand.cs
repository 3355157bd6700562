using DmaDiscipline.Runner.Matrix;

namespace DmaDiscipline.Samples.Tests;

/// <summary>Runs the runner's command line in this process, capturing standard output (tests that use it share the "Console" collection).</summary>
internal static class RunnerCommand
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        TextWriter stdout = Console.Out;
        TextWriter stderr = Console.Error;
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(TextWriter.Null);
        try
        {
            object? result = typeof(MatrixRun).Assembly.EntryPoint!.Invoke(null, [args]);
            return ((int)result!, output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
