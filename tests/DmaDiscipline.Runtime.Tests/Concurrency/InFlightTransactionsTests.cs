namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// A strict drain in the shared mode (two threads have transacted through the domain): it waits for a
/// transaction in flight on a page it invalidated, and only for such a one — a second queue's copy on
/// other pages does not hold up the first queue's unmap. A transaction is held open on its own thread
/// between its begin and its end, as a slow copy would hold it.
/// </summary>
public sealed class InFlightTransactionsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Drain_WaitsForATransactionOnItsPages_AndNotForOneOnOtherPages()
    {
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Environment.CurrentManagedThreadId, 1, 1)); // this thread owns the domain

        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var device = new Thread(() =>
        {
            long token = transactions.Begin(Environment.CurrentManagedThreadId, 10, 11); // a second thread: shared from now on
            begun.Set();
            release.Wait();
            transactions.End(token);
        });
        device.Start();
        begun.Wait();

        Thread otherPages = Drain(transactions, 12, 20);
        Assert.True(otherPages.Join(TimeSpan.FromSeconds(30)), "a drain of pages 12-20 waited for a transaction on pages 10-11");

        Thread samePages = Drain(transactions, 11, 11);
        Assert.False(samePages.Join(Patience), "a drain of page 11 returned while a transaction on it was in flight");

        release.Set();
        Assert.True(samePages.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the transaction ended");
        device.Join();
    }

    [Fact]
    public void Drain_InTheSharedMode_WaitsForTransactionsThatHaveNoSlotOfTheirOwn()
    {
        // A transaction inside another on one thread finds its slot busy and counts in the epoch counters.
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Environment.CurrentManagedThreadId, 1, 1));

        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var device = new Thread(() =>
        {
            long outer = transactions.Begin(Environment.CurrentManagedThreadId, 10, 10);
            long inner = transactions.Begin(Environment.CurrentManagedThreadId, 30, 30);
            transactions.End(outer);
            begun.Set();
            release.Wait();
            transactions.End(inner);
        });
        device.Start();
        begun.Wait();

        Thread drain = Drain(transactions, 30, 30);
        Assert.False(drain.Join(Patience), "a drain of page 30 returned while a transaction on it was in flight without a slot");

        release.Set();
        Assert.True(drain.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the transaction ended");
        device.Join();
    }

    /// <summary>A drain on a thread of its own (a strict unmap on another CPU); join it to see whether it returned.</summary>
    private static Thread Drain(InFlightTransactions transactions, ulong firstPage, ulong lastPage)
    {
        var thread = new Thread(() => transactions.Drain(firstPage, lastPage, Environment.CurrentManagedThreadId)) { IsBackground = true };
        thread.Start();
        return thread;
    }
}
