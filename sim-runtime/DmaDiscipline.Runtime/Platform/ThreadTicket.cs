namespace DmaDiscipline.Runtime;

/// <summary>
/// A number per thread, handed out in the order threads first ask (1, 2, 3 …), for choosing the
/// thread's slot in per-CPU state (IOVA caches, striped in-flight counts): up to N threads that run
/// at once take N different slots of N. The current processor would be the Linux way, but asking
/// for it costs a system call on hosts without RDPID, more than the work the slot saves; a thread
/// that moves between CPUs keeps its slot, which is what matters for cache lines.
/// </summary>
internal static class ThreadTicket
{
    [ThreadStatic]
    private static int t_ticket;
    private static int s_tickets;

    /// <summary>The calling thread's ticket (positive; a thread-static read after the first call).</summary>
    public static int Current
    {
        get
        {
            int ticket = t_ticket;
            return ticket != 0 ? ticket : t_ticket = Math.Max(1, Interlocked.Increment(ref s_tickets) & int.MaxValue);
        }
    }
}
