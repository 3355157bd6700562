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
}
