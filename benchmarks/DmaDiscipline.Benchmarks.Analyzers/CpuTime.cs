using System.Runtime.InteropServices;

namespace DmaDiscipline.Benchmarks.Analyzers;

/// <summary>
/// CPU time (user + system) as the kernel accounts it (getrusage): unlike wall-clock time it does
/// not count time spent waiting for a core. Linux only (the struct layout is Linux's); elsewhere null.
/// </summary>
public static class CpuTime
{
    private const int RusageChildren = -1;
    private const int RusageThread = 1;

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);

    /// <summary>
    /// Seconds of CPU used so far by this process's finished children. A build's `dotnet` process
    /// reaps the compiler and MSBuild nodes it starts, so the difference across one build is the CPU
    /// that build used in all its processes (for a compiler server's work there is none).
    /// </summary>
    public static double? ChildrenSeconds() => Seconds(RusageChildren);

    /// <summary>Milliseconds of CPU used so far by the calling thread (a resolution of a few milliseconds).</summary>
    public static double? ThreadMilliseconds() => Seconds(RusageThread) * 1e3;

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, [Out] long[] time);

    private const int ClockThreadCpuTime = 3;

    /// <summary>
    /// Nanoseconds of CPU used so far by the calling thread, as the scheduler accounts it (exact, unlike
    /// <see cref="ThreadMilliseconds"/>): for timing one callback at a time. Linux only; elsewhere 0.
    /// </summary>
    public static long ThreadNanoseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var time = new long[2];
        return ClockGetTime(ClockThreadCpuTime, time) == 0 ? time[0] * 1_000_000_000 + time[1] : 0;
    }

    private static double? Seconds(int who)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct rusage: two struct timeval (seconds, microseconds) then fourteen longs.
        var usage = new long[18];
        return GetRusage(who, usage) == 0 ? usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6 : null;
    }
}
