namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The modes of a domain's in-flight transactions. Owned: one thread transacts and drains. Per thread
/// (a second thread has transacted): each IOTLB partition's owner marks its transactions with plain
/// stores, and a drain waits only for the partitions the cleared entries name (the caches that
/// translated the pages). Shared, for good (two threads of one partition index, or drains that keep
/// needing a barrier): a strict drain waits for a
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
        InFlightTransactions transactions = SharedForGood();

        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var device = new Thread(() =>
        {
            long token = transactions.Begin(Environment.CurrentManagedThreadId, 10, 11);
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
        InFlightTransactions transactions = SharedForGood();

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
        InFlightTransactions transactions = SharedForGood();
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
        InFlightTransactions transactions = SharedForGood();
        OnOtherThread(me =>
        {
            long untouched = transactions.BeginRead(me, 100, 100);
            Assert.True(transactions.EndRead(untouched), "a read that no invalidation overtook was refused");

            long overtaken = transactions.BeginRead(me, 100, 100);
            long invalidation = transactions.BeginInvalidation(me, 96, 101);
            Assert.NotEqual(InFlightTransactions.OwnedToken, invalidation);
            transactions.EndInvalidation(invalidation, 96, 101);
            Assert.False(transactions.EndRead(overtaken), "a read overtaken by an invalidation of its page was taken as valid");

            long after = transactions.BeginRead(me, 100, 100);
            Assert.True(transactions.EndRead(after), "a read begun after the invalidation ended was refused");
        });
    }

    [Fact]
    public void ARead_BegunWhileAnInvalidationOfItsGranuleIsUnderWay_IsPublished_AndADrainWaitsForIt()
    {
        InFlightTransactions transactions = SharedForGood();
        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool valid = false;
        var device = new Thread(() =>
        {
            int me = Environment.CurrentManagedThreadId;
            long invalidation = transactions.BeginInvalidation(me, 200, 200); // under way: the read cannot vouch for itself
            long token = transactions.BeginRead(me, 201, 201);
            transactions.EndInvalidation(invalidation, 200, 200);
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
    public void TheSwitchFromOwned_WaitsForTheOwnersInvalidationUnderWay()
    {
        // Otherwise a read of the second thread could translate through an entry the owner clears
        // next, and no drain would wait for it.
        var transactions = new InFlightTransactions();
        int me = Environment.CurrentManagedThreadId;
        long owned = transactions.BeginInvalidation(me, 50, 50);
        Assert.Equal(InFlightTransactions.OwnedToken, owned);

        long token = 0;
        var reader = new Thread(() => token = transactions.BeginRead(Environment.CurrentManagedThreadId, 50, 50)) { IsBackground = true };
        reader.Start();
        Assert.False(reader.Join(Patience), "a second thread's read began while the owner's invalidation was under way");

        transactions.EndInvalidation(owned, 50, 50);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the read did not begin after the owner's invalidation ended");
        Assert.True(transactions.EndRead(token), "a read begun after the only invalidation ended was refused");
    }

    [Fact]
    public void ASecondThread_SwitchesTheDomainToPerThreadCounts()
    {
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Owner, 1, 1));
        Assert.False(transactions.IsPerThread);

        transactions.End(transactions.Begin(Second, 2, 2));

        Assert.True(transactions.IsPerThread);
        transactions.End(transactions.Begin(Owner, 3, 3)); // the first thread counts per thread too
        Assert.True(transactions.IsPerThread);
    }

    [Fact]
    public void InThePerThreadMode_ADrainWaitsForATransactionOfAPartitionTheEntriesName()
    {
        InFlightTransactions transactions = PerThread();
        long token = transactions.Begin(Second, 10, 10);

        Thread drain = Drain(transactions, 10, 10, Third, 1 << IoTlb.PartitionIndex(Second));
        Assert.False(drain.Join(Patience), "a drain returned while a transaction of a partition that cached the page was in flight");

        transactions.End(token);
        Assert.True(drain.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the transaction ended");
    }

    [Fact]
    public void InThePerThreadMode_ADrainDoesNotWaitForPartitionsTheEntriesDoNotName()
    {
        // Only a thread whose cache translated the page (and marked its entry) can be using it: a
        // queue that unmaps what it alone translated waits for nobody, and makes no barrier.
        InFlightTransactions transactions = PerThread();
        long token = transactions.Begin(Second, 10, 10);

        Thread own = Drain(transactions, 10, 10, Third, 1 << IoTlb.PartitionIndex(Third));
        Assert.True(own.Join(TimeSpan.FromSeconds(30)), "a drain of a page only the drainer's partition cached waited for another thread");
        Thread none = Drain(transactions, 10, 10, Third, 0);
        Assert.True(none.Join(TimeSpan.FromSeconds(30)), "a drain of a page no cache held waited for another thread");

        transactions.End(token);
    }

    [Fact]
    public void InThePerThreadMode_AnInvalidationUnderWay_HoldsUpADrainOfItsPartition()
    {
        InFlightTransactions transactions = PerThread();
        long invalidation = transactions.BeginInvalidation(Second, 40, 40);
        Assert.NotEqual(InFlightTransactions.OwnedToken, invalidation);

        Thread drain = Drain(transactions, 40, 40, Third, 1 << IoTlb.PartitionIndex(Second));
        Assert.False(drain.Join(Patience), "a drain returned while an invalidation of a named partition was under way");

        transactions.EndInvalidation(invalidation, 40, 40);
        Assert.True(drain.Join(TimeSpan.FromSeconds(30)), "the drain did not return after the invalidation ended");
    }

    [Fact]
    public void TwoThreadsOfOnePartitionIndex_SwitchTheDomainToShared_AfterItsTransactionsInFlightEnd()
    {
        // Their caches share a partition, so an entry's marks cannot tell them apart.
        InFlightTransactions transactions = PerThread();
        using var begun = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var device = new Thread(() =>
        {
            long token = transactions.Begin(Second, 10, 10);
            begun.Set();
            release.Wait();
            transactions.End(token);
        });
        device.Start();
        begun.Wait();

        const int SameIndexAsSecond = Second + 16;
        long shared = 0;
        var twin = new Thread(() => shared = transactions.Begin(SameIndexAsSecond, 20, 20)) { IsBackground = true };
        twin.Start();
        Assert.False(twin.Join(Patience), "the switch to shared did not wait for a transaction marked in flight");

        release.Set();
        Assert.True(twin.Join(TimeSpan.FromSeconds(30)), "the switch did not finish after the transaction ended");
        device.Join();
        Assert.True(transactions.IsShared);
        transactions.End(shared);
    }

    [Fact]
    public void DrainsThatKeepNeedingABarrier_SwitchTheDomainToShared()
    {
        // A device driven from another thread than its unmaps: after a bounded number of process-wide
        // barriers, fences per transaction instead.
        InFlightTransactions transactions = PerThread();
        int second = 1 << IoTlb.PartitionIndex(Second);
        for (int i = 0; i < transactions.CrossDrainsBeforeShared; i++)
        {
            transactions.Drain(10, 10, Third, second);
            Assert.True(transactions.IsPerThread);
        }

        transactions.Drain(10, 10, Third, second);

        Assert.True(transactions.IsShared);
    }

    /// <summary>Managed thread ids (no thread runs under them) of three threads in different IOTLB partitions; the in-flight bookkeeping trusts the id it is given.</summary>
    private const int Owner = 2_000;
    private const int Second = 2_001;
    private const int Third = 2_002;

    /// <summary>A domain that two threads have transacted through: per-thread counts.</summary>
    private static InFlightTransactions PerThread()
    {
        var transactions = new InFlightTransactions();
        transactions.End(transactions.Begin(Owner, 1, 1));
        transactions.End(transactions.Begin(Second, 1, 1));
        Assert.True(transactions.IsPerThread);
        return transactions;
    }

    /// <summary>A domain switched to shared for good (as two threads of one partition index switch it).</summary>
    private static InFlightTransactions SharedForGood()
    {
        InFlightTransactions transactions = PerThread();
        transactions.Publish();
        Assert.True(transactions.IsShared);
        return transactions;
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
    private static Thread Drain(InFlightTransactions transactions, ulong firstPage, ulong lastPage) =>
        Drain(transactions, firstPage, lastPage, 0, IoTlb.AllPartitions);

    /// <summary>A drain on a thread of its own as the thread <paramref name="me"/> (0: the new thread's own id), after an invalidation whose entries named <paramref name="cachedBy"/>.</summary>
    private static Thread Drain(InFlightTransactions transactions, ulong firstPage, ulong lastPage, int me, int cachedBy)
    {
        var thread = new Thread(() => transactions.Drain(firstPage, lastPage, me == 0 ? Environment.CurrentManagedThreadId : me, cachedBy)) { IsBackground = true };
        thread.Start();
        return thread;
    }
}
