using System.Diagnostics;
using System.Runtime.InteropServices;
using DmaDiscipline.Runtime;

// The runtime's hot operations timed by the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that a
// loaded host's preemptions do not count: the least of several rounds of many operations each,
// reported in ns per operation. Uses only public API that exists before and after issue 15's
// thread-safety work, so compare-runtime.sh builds it against both runtimes.
int rounds = args.Length > 0 ? int.Parse(args[0]) : 7;
const int Operations = 1_000_000;
var data = new byte[4096];

foreach (string platform in new[] { "identity", "strict", "lazy", "bounce" })
{
    var machine = new Machine(new MachineOptions
    {
        Debug = DmaDebugMode.Off,
        Confidential = platform == "bounce",
        Iommu = new IommuOptions
        {
            DefaultDomain = platform == "identity" ? DomainKind.Identity : DomainKind.Translated,
            Invalidation = platform == "lazy" ? InvalidationMode.Lazy : InvalidationMode.Strict,
        },
    });
    Device nic = machine.AddDevice(new DeviceId(0, 3, 0), new DeviceOptions { Name = "nic", Ats = true });
    KBuffer buffer = machine.Memory.Allocate(1500);
    Report($"map+unmap 1500 B, {platform}", () =>
    {
        DmaAddr address = nic.Dma.MapSingle(buffer, 0, 1500, DmaDirection.ToDevice);
        if (!nic.Dma.MappingError(address))
        {
            nic.Dma.UnmapSingle(address, 1500, DmaDirection.ToDevice);
        }
    });

    if (platform is "identity" or "strict")
    {
        KBuffer page = machine.Memory.Allocate(4096);
        DmaAddr mapped = nic.Dma.MapSingle(page, 0, 4096, DmaDirection.Bidirectional);
        Report($"device read 8 B, {platform}{(platform == "strict" ? " (ATS hit)" : string.Empty)}", () => nic.Bus.TryRead(mapped, data.AsSpan(0, 8)));
        Report($"device write 8 B, {platform}{(platform == "strict" ? " (ATS hit)" : string.Empty)}", () => nic.Bus.TryWrite(mapped, data.AsSpan(0, 8)));
    }
}

void Report(string what, Action operation)
{
    for (int i = 0; i < 20_000; i++)
    {
        operation(); // warm-up: every method reaches its optimized tier
    }

    double best = double.MaxValue;
    for (int round = 0; round < rounds; round++)
    {
        TimeSpan start = ThreadCpu();
        for (int i = 0; i < Operations; i++)
        {
            operation();
        }

        best = Math.Min(best, (ThreadCpu() - start).TotalNanoseconds / Operations);
    }

    Console.WriteLine($"{what}\t{best:F1}");
}

static TimeSpan ThreadCpu()
{
    if (OperatingSystem.IsLinux() && Native.ClockGetTime(3, out Native.Timespec time) == 0)
    {
        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100));
    }

    return Process.GetCurrentProcess().TotalProcessorTime;
}

internal static class Native
{
    [DllImport("libc", EntryPoint = "clock_gettime")]
    public static extern int ClockGetTime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
