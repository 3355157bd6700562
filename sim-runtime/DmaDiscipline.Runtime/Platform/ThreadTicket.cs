namespace DmaDiscipline.Runtime;

/// <summary>
/// A number per thread, handed out in the order threads first ask (1, 2, 3 …), for choosing the
/// thread's slot in per-CPU state (IOVA caches, striped in-flight counts, counter stripes, lazy
/// flush queues, swiotlb areas): up to N threads that run at once take N different slots of N. The
/// current processor would be the Linux way, but asking for it costs a system call on hosts without
/// RDPID, more than the work the slot saves; a thread that moves between CPUs keeps its slot, which
/// is what matters for cache lines.
/// The ticket is found by the caller's managed thread id, which every DMA operation has read once
/// already, in a table indexed by it — not in a <c>[ThreadStatic]</c>, whose read is a call into the
/// runtime here (<c>__tls_get_addr</c>), several per operation. A managed id is reused after its
/// thread ends; the new thread then keeps the old ticket, and no two live threads share one.
/// </summary>
internal static class ThreadTicket
{
    private static readonly object s_assign = new();
    private static int[] s_byThread = new int[64]; // managed thread id → ticket; 0: none yet
    private static int s_tickets;

    /// <summary>The ticket of the thread whose <see cref="Environment.CurrentManagedThreadId"/> is <paramref name="me"/> (positive).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int Of(int me)
    {
        int[] table = Volatile.Read(ref s_byThread);
        if ((uint)me < (uint)table.Length && table[me] is int ticket and not 0)
        {
            return ticket;
        }

        return Assign(me);
    }

    private static int Assign(int me)
    {
        lock (s_assign)
        {
            int[] table = s_byThread;
            if (me >= table.Length)
            {
                // Readers of the old table find 0 and come here: published whole, entries never change.
                int[] grown = new int[Math.Max(me + 1, table.Length * 2)];
                table.CopyTo(grown, 0);
                Volatile.Write(ref s_byThread, grown);
                table = grown;
            }

            if (table[me] == 0)
            {
                s_tickets = s_tickets == int.MaxValue ? 1 : s_tickets + 1;
                Volatile.Write(ref table[me], s_tickets);
            }

            return table[me];
        }
    }
}
