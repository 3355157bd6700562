namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// A strict drain in the shared mode (two threads have transacted through the domain): it waits for a
/// transaction in flight on a page it invalidated (whether the transaction has a slot in its granule's
/// stripe or, across granules, counts in the epoch counters), and only for such a one — a second queue's copy on
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

    [Theory]
    [InlineData(15UL, 15UL)] // the granule of the transaction's first page
    [InlineData(16UL, 16UL)] // the next granule, where its last page is
    public void ATransactionAcrossTwoGranules_HoldsUpADrainOfEither(ulong drainFirst, ulong drainLast)
    {
        // Slots are per granule's stripe; a transaction across a granule boundary has none and counts
        // in the epoch counters, which every drain reads.
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Environment.CurrentManagedThreadId, 1, 1));
        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var device = new Thread(() =>
        {
            long token = transactions.Begin(Environment.CurrentManagedThreadId, 15, 16);
            begun.Set();
            release.Wait();
            transactions.End(token);
        });
        device.Start();
        begun.Wait();

        Thread drain = Drain(transactions, drainFirst, drainLast);
        Assert.False(drain.Join(Patience), $"a drain of page {drainFirst} returned while a transaction on pages 15-16 was in flight");
        release.Set();
        Assert.True(drain.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the transaction ended");
        device.Join();
    }

    [Fact]
    public void EndRead_InTheSharedMode_IsFalseExactly_WhenAnInvalidationOfItsPagesBeganAfterTheReadDid()
    {
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Environment.CurrentManagedThreadId, 1, 1)); // this thread owns the domain
        OnOtherThread(me =>
        {
            long untouched = transactions.BeginRead(me, 100, 100); // a second thread: shared from now on
            Assert.True(transactions.EndRead(untouched), "a read that no invalidation overtook was refused");

            long overtaken = transactions.BeginRead(me, 100, 100);
            bool owned = transactions.BeginInvalidation(me, 96, 101);
            Assert.False(owned, "an invalidation in the shared mode was taken as the owner's");
            transactions.EndInvalidation(owned, 96, 101);
            Assert.False(transactions.EndRead(overtaken), "a read overtaken by an invalidation of its page was taken as valid");

            long after = transactions.BeginRead(me, 100, 100);
            Assert.True(transactions.EndRead(after), "a read begun after the invalidation ended was refused");
        });
    }

    [Fact]
    public void ARead_BegunWhileAnInvalidationOfItsGranuleIsUnderWay_IsPublished_AndADrainWaitsForIt()
    {
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Environment.CurrentManagedThreadId, 1, 1));
        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool valid = false;
        var device = new Thread(() =>
        {
            int me = Environment.CurrentManagedThreadId;
            transactions.End(transactions.Begin(me, 2, 2)); // shared from now on
            bool owned = transactions.BeginInvalidation(me, 200, 200); // under way: the read cannot vouch for itself
            long token = transactions.BeginRead(me, 201, 201);
            transactions.EndInvalidation(owned, 200, 200);
            begun.Set();
            release.Wait();
            valid = transactions.EndRead(token);
        });
        device.Start();
        begun.Wait();

        Thread drain = Drain(transactions, 201, 201);
        Assert.False(drain.Join(Patience), "a drain returned while a read published during an invalidation was in flight");
        release.Set();
        Assert.True(drain.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the read ended");
        device.Join();
        Assert.True(valid, "a published read was refused");
    }

    [Fact]
    public void TheSwitchToShared_WaitsForTheOwnersInvalidationUnderWay()
    {
        // Otherwise a read of the second thread, unpublished, could translate through an entry the
        // owner clears next, and no count would tell it.
        var transactions = new InFlightTransactions();
        int me = Environment.CurrentManagedThreadId;
        bool owned = transactions.BeginInvalidation(me, 50, 50);
        Assert.True(owned, "the first thread's invalidation was not the owner's");

        long token = 0;
        var reader = new Thread(() => token = transactions.BeginRead(Environment.CurrentManagedThreadId, 50, 50)) { IsBackground = true };
        reader.Start();
        Assert.False(reader.Join(Patience), "a second thread's read began while the owner's invalidation was under way");

        transactions.EndInvalidation(owned, 50, 50);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the read did not begin after the owner's invalidation ended");
        Assert.True(transactions.EndRead(token), "a read begun after the only invalidation ended was refused");
    }

    /// <summary>Runs <paramref name="body"/> on a new thread (given its managed id) and waits for it, rethrowing what it threw.</summary>
    private static void OnOtherThread(Action<int> body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body(Environment.CurrentManagedThreadId);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>A drain on a thread of its own (a strict unmap on another CPU); join it to see whether it returned.</summary>
    private static Thread Drain(InFlightTransactions transactions, ulong firstPage, ulong lastPage)
    {
        var thread = new Thread(() => transactions.Drain(firstPage, lastPage, Environment.CurrentManagedThreadId)) { IsBackground = true };
        thread.Start();
        return thread;
    }
}
