namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// An owned counter is exact whoever adds: its owner with plain adds, every other thread in the stripe
/// of its ticket — more threads than stripes, so some share one — and a reset clears every part.
/// </summary>
public sealed class OwnedCounterTests
{
    private sealed class Holder
    {
        public OwnedCounter Counter;
    }

    [Fact]
    public void Value_SumsTheOwnerAndEveryOtherThread_EvenWhenThreadsShareAStripe()
    {
        var holder = new Holder();
        holder.Counter.Add(5); // this thread owns it
        const int threads = 20; // more than the 16 stripes
        const int adds = 10_000;

        Threads.Run(threads, t =>
        {
            for (int i = 0; i < adds; i++)
            {
                holder.Counter.Add(t + 1);
            }
        });

        Assert.Equal(5 + (adds * (threads * (threads + 1) / 2)), holder.Counter.Value);
        holder.Counter.Reset();
        Assert.Equal(0, holder.Counter.Value);
    }

    [Fact]
    public void Value_IsExactAndNeverGoesBack_WhileTwoThreadsThatDoNotOwnItAddInTheirStripes()
    {
        // The shape of a device set up on one thread and driven from two queue threads: the owner is
        // idle, and each queue thread adds in its own stripe (the inline path) while a reader sums.
        var holder = new Holder();
        holder.Counter.Add(1); // this thread owns it, then stays out of the adding
        const int adds = 200_000;
        long last = 0;
        bool backwards = false;

        Threads.Run(3, t =>
        {
            if (t == 2)
            {
                while (Volatile.Read(ref last) < 1 + (2 * adds))
                {
                    long now = holder.Counter.Value;
                    backwards |= now < Volatile.Read(ref last);
                    Volatile.Write(ref last, Math.Max(now, Volatile.Read(ref last)));
                }

                return;
            }

            for (int i = 0; i < adds; i++)
            {
                holder.Counter.Add(1);
            }
        });

        Assert.False(backwards, "a sum read while two threads added went backwards");
        Assert.Equal(1 + (2 * adds), holder.Counter.Value);
    }
}
