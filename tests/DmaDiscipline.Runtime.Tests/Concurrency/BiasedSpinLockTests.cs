namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The biased spinlock excludes in every mode — shared while fresh, biased to a thread that takes it
/// alone, shared after a second thread revoked the bias, re-biased to a thread that then takes it
/// alone — and moves between them: a device set up on one thread and driven from another ends up
/// biased to the driving thread without a revocation, and two threads that really share a lock stop
/// re-biasing it after a bounded number of revocations.
/// </summary>
public sealed class BiasedSpinLockTests
{
    private sealed class Guarded
    {
        public BiasedSpinLock Lock;
        public long Before;
        public long After;
        public int Torn;

        /// <summary>One critical section: two plain counters that only a section seen half-done by another could tell apart.</summary>
        public void Increment(int me)
        {
            bool biased = Lock.Enter(me);
            try
            {
                long before = Before;
                Before = before + 1;
                Thread.SpinWait(2);
                if (After != before)
                {
                    Torn++;
                }

                After = before + 1;
            }
            finally
            {
                Lock.Exit(biased);
            }
        }
    }

    [Fact]
    public void ALockSetUpOnOneThread_IsNotBiasedToIt_ButToTheThreadThatThenTakesItAlone_WithoutARevocation()
    {
        var guarded = new Guarded();
        for (int i = 0; i < BiasedSpinLock.FirstBiasAfter / 2; i++)
        {
            guarded.Increment(Environment.CurrentManagedThreadId); // the set-up thread: a few takes
        }

        Assert.True(guarded.Lock.IsShared);
        Assert.False(guarded.Lock.TakenByTwoThreads);

        Threads.Run(1, _ =>
        {
            int me = Environment.CurrentManagedThreadId;
            for (int i = 0; i < BiasedSpinLock.FirstBiasAfter; i++)
            {
                guarded.Increment(me);
            }

            Assert.False(guarded.Lock.IsShared); // biased to the driving thread: nobody's bias was revoked
            Assert.True(guarded.Lock.TakenByTwoThreads);
        });

        guarded.Increment(Environment.CurrentManagedThreadId); // the set-up thread again: revokes
        Assert.True(guarded.Lock.IsShared);
        Assert.Equal((BiasedSpinLock.FirstBiasAfter / 2) + BiasedSpinLock.FirstBiasAfter + 1, guarded.After);
        Assert.Equal(0, guarded.Torn);
    }

    [Fact]
    public void ALockRevokedOnce_IsBiasedAgainOnlyAfterALongerRunAlone()
    {
        var guarded = new Guarded();
        int setUp = Environment.CurrentManagedThreadId;
        for (int i = 0; i < BiasedSpinLock.FirstBiasAfter; i++)
        {
            guarded.Increment(setUp);
        }

        Assert.False(guarded.Lock.IsShared); // biased to the set-up thread

        Threads.Run(1, _ =>
        {
            int me = Environment.CurrentManagedThreadId;
            guarded.Increment(me); // revokes
            for (int i = 1; i < BiasedSpinLock.RebiasAfter; i++)
            {
                guarded.Increment(me);
                if (i == BiasedSpinLock.FirstBiasAfter)
                {
                    Assert.True(guarded.Lock.IsShared); // not yet: a revoked lock waits for RebiasAfter
                }
            }

            Assert.False(guarded.Lock.IsShared);
        });

        Assert.Equal(BiasedSpinLock.FirstBiasAfter + BiasedSpinLock.RebiasAfter, guarded.After);
        Assert.Equal(0, guarded.Torn);
    }

    [Fact]
    public void ThreadsThatTakeTurns_StopReBiasingTheLock_AfterBoundedRevocations()
    {
        var guarded = new Guarded();
        int setUp = Environment.CurrentManagedThreadId;
        guarded.Increment(setUp);
        for (int turn = 0; turn < BiasedSpinLock.MaxRevocations + 2; turn++)
        {
            // Another thread takes it long enough to be re-biased to, then this one takes it back.
            Threads.Run(1, _ =>
            {
                for (int i = 0; i <= BiasedSpinLock.RebiasAfter + 1; i++)
                {
                    guarded.Increment(Environment.CurrentManagedThreadId);
                }
            });
            guarded.Increment(setUp);
        }

        for (int i = 0; i <= BiasedSpinLock.RebiasAfter + 1; i++)
        {
            guarded.Increment(setUp);
        }

        Assert.True(guarded.Lock.IsShared); // no longer re-biased, however long one thread keeps it
        Assert.Equal(0, guarded.Torn);
    }

    [Fact]
    public void EveryModeExcludes_WhileThreadsAlternateBetweenRunningAloneAndTogether()
    {
        var guarded = new Guarded();
        const int threads = 3;
        int rounds = Threads.OpsPerThread(6);
        long expected = 0;
        for (int round = 0; round < rounds; round++)
        {
            // Alone: long enough for the lock to be re-biased to the thread (while revocations remain).
            int alone = round % threads;
            Threads.Run(threads, t =>
            {
                int me = Environment.CurrentManagedThreadId;
                int count = t == alone ? BiasedSpinLock.RebiasAfter * 2 : 0;
                for (int i = 0; i < count; i++)
                {
                    guarded.Increment(me);
                }
            });
            expected += BiasedSpinLock.RebiasAfter * 2;

            // Together: the bias, if any, is revoked under contention.
            Threads.Run(threads, _ =>
            {
                int me = Environment.CurrentManagedThreadId;
                for (int i = 0; i < 20_000; i++)
                {
                    guarded.Increment(me);
                }
            });
            expected += threads * 20_000;
        }

        Assert.Equal(expected, guarded.After);
        Assert.Equal(expected, guarded.Before);
        Assert.Equal(0, guarded.Torn);
    }
}
