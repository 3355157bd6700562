using System.Runtime.InteropServices;

namespace DmaDiscipline.Runtime.Virtio;

/// <summary>
/// Who is processing one virtqueue right now: a device processes each queue on one thread, as a
/// hardware queue engine does, while different queues run on different threads at once. A notify
/// that arrives while another thread (or the same thread, from an interrupt handler) is processing
/// the queue does not wait: it marks the queue to be looked at again and the running thread loops.
/// Padded to two cache lines so that two queues driven from two cores never share one.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct QueueRunner
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int RunningAgain = 2;

    [FieldOffset(64)]
    private int _state;

    [FieldOffset(72)]
    private long _notifications;

    [FieldOffset(80)]
    private long _usedBufferInterrupts;

    /// <summary>QueueNotify writes for this queue.</summary>
    public readonly long Notifications => Volatile.Read(in _notifications);

    /// <summary>Counts a notify (atomic: nothing stops two threads notifying one queue, even if drivers do not).</summary>
    public void CountNotify() => Interlocked.Increment(ref _notifications);

    /// <summary>Used buffer notifications this queue's runs raised.</summary>
    public readonly long UsedBufferInterrupts => Volatile.Read(in _usedBufferInterrupts);

    /// <summary>Counts a used buffer notification (only the thread that holds the queue does).</summary>
    public void CountUsedBufferInterrupt() => Volatile.Write(ref _usedBufferInterrupts, _usedBufferInterrupts + 1);

    /// <summary>Takes the queue for the calling thread; false if another run is in progress (which will now loop once more).</summary>
    public bool TryEnter()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            int next = state == Idle ? Running : RunningAgain;
            if (state == RunningAgain || Interlocked.CompareExchange(ref _state, next, state) == state)
            {
                return state == Idle;
            }
        }
    }

    /// <summary>Gives the queue up unless a notify arrived meanwhile; true if the caller must process again.</summary>
    public bool ExitOrAgain()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running)
        {
            return false;
        }

        Volatile.Write(ref _state, Running);
        return true;
    }

    /// <summary>Gives the queue up whatever happened (a model threw).</summary>
    public void Abandon() => Volatile.Write(ref _state, Idle);
}
