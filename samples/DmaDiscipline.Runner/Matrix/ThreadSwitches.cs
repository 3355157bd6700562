using System.Runtime.InteropServices;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Context switches of the calling thread (<c>getrusage(RUSAGE_THREAD)</c> on Linux; zero elsewhere).
/// A voluntary switch is the thread giving its core away because it blocked (a sleep, a wait on a
/// lock or an event): time a queue thread is not working, which its CPU time does not show. An
/// involuntary one is the scheduler taking the core away (another thread or process wanted it).
/// </summary>
internal static class ThreadSwitches
{
    private const int RusageThread = 1;

    /// <summary>The current counts: voluntary, involuntary.</summary>
    public static (long Voluntary, long Involuntary) Now()
    {
        if (OperatingSystem.IsLinux() && GetRusage(RusageThread, out Rusage usage) == 0)
        {
            return (usage.VoluntaryContextSwitches, usage.InvoluntaryContextSwitches);
        }

        return (0, 0);
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, out Rusage usage);

    // struct rusage on 64-bit Linux: two struct timevals, then fourteen longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentSet;
        public long SharedMemory;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntaryContextSwitches;
        public long InvoluntaryContextSwitches;
    }
}
