using System.Runtime.InteropServices;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// The CPU time (user + system) of this process's finished children, as the kernel accounts it
/// (getrusage RUSAGE_CHILDREN). A build's `dotnet` process reaps the compiler and MSBuild nodes it
/// starts, so the difference across one build is the CPU that build used in all its processes:
/// unlike ReportAnalyzer's callback times, it does not count time spent waiting for a core. Linux
/// only (the struct layout is Linux's); elsewhere, and for a compiler server's work, there is none.
/// </summary>
public static class ChildCpu
{
    private const int RusageChildren = -1;

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);

    /// <summary>Seconds of CPU used so far by finished children, or null where it cannot be read.</summary>
    public static double? Seconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct rusage: two struct timeval (seconds, microseconds) then fourteen longs.
        var usage = new long[18];
        return GetRusage(RusageChildren, usage) == 0 ? usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6 : null;
    }
}
