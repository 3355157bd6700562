using System.Diagnostics;

namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>The commit a checked-out source tree is at, so a measurement never runs on the wrong one unnoticed.</summary>
internal static class Git
{
    public static string Head(string directory)
    {
        var start = new ProcessStartInfo("git", ["-C", directory, "rev-parse", "HEAD"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start git");
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{directory} is not a git checkout: {process.StandardError.ReadToEnd().Trim()}");
    }
}
