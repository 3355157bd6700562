using System.Collections.Concurrent;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// Runs one body per thread, all released together by a barrier, and fails the test with every
/// exception any thread threw: an internal exception of the runtime is a failure like any other.
/// </summary>
internal static class Threads
{
    /// <summary>
    /// Operations per thread. CI runs a bounded count; <c>DMADISCIPLINE_SOAK_OPS</c> sets a larger one
    /// (the README's figures come from a run with 1 000 000).
    /// </summary>
    public static int OpsPerThread(int ci) =>
        int.TryParse(Environment.GetEnvironmentVariable("DMADISCIPLINE_SOAK_OPS"), out int soak) && soak > 0 ? soak : ci;

    public static void Run(int count, Action<int> body)
    {
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(count);
        var threads = new Thread[count];
        for (int t = 0; t < count; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    body(index);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} thread(s) failed:\n{string.Join("\n---\n", failures.Take(4))}");
    }
}
