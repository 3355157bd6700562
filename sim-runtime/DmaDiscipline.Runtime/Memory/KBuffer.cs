using System.Runtime.CompilerServices;

namespace DmaDiscipline.Runtime;

/// <summary>
/// A physically contiguous kernel buffer (the <c>kmalloc</c> analogue). The CPU uses
/// <see cref="Span"/>; a device may only reach it through a mapping from its <see cref="DmaApi"/>.
/// While a streaming, coherent or VFIO mapping covers it the buffer is pinned (as VFIO pins pages):
/// <see cref="PhysicalMemory.Free"/> refuses it, so its frames cannot be handed to a new owner that
/// the device could then reach.
/// </summary>
public sealed class KBuffer
{
    private readonly byte[] _data;

    // The pin count is biased, as BiasedSpinLock is: the first thread to pin the buffer (its owner)
    // counts in _ownerPins with plain stores, and so does the second (in _secondPins) — a buffer that
    // the probing thread mapped first and a queue's thread maps from then on costs neither an atomic
    // instruction; every other thread counts in _sharedPins with an atomic add. Only the sum means
    // anything (a mapping made on one thread may be released on another). A map
    // racing a free either pins a live buffer or sees it freed, never both: a pinner counts itself,
    // then reads the life state; a free marks the buffer Freeing, makes every thread's plain counts
    // visible (a process-wide barrier, unless no thread but the freeing one counts plainly),
    // then sums the counts — an asymmetric Dekker pair, so one of the two sees the other. A pinner
    // that sees Freeing takes its pin back and waits for the outcome.
    private const int Live = 0;
    private const int Freeing = 1;
    private const int Freed = 2;
    private int _life;
    private int _pinOwner;   // managed thread id of the first pinner; 0 before
    private int _ownerPins;  // written by the owner only
    private int _secondOwner; // managed thread id of the second thread to pin; 0 before
    private int _secondPins; // written by the second owner only
    private int _sharedPins; // atomic adds by every other thread

    internal KBuffer(PhysicalMemory memory, PhysAddr physical, int length, byte[] data)
    {
        Memory = memory;
        Physical = physical;
        Length = length;
        _data = data;
    }

    /// <summary>Length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// The CPU's view of the bytes. Taking it while a device owns the buffer (mapped FromDevice or
    /// Bidirectional and not synced for the CPU) is reported by the DMA debug layer (DMA005): on real
    /// hardware the CPU could read stale cache lines or bytes the device has not written back yet.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed (use after free).</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfFreed();
            if (DeviceOwners != 0)
            {
                Memory.CpuAccessWhileDeviceOwned?.Invoke(this);
            }

            return _data.AsSpan(0, Length);
        }
    }

    /// <summary>The CPU physical address of the first byte. Never device-visible: map the buffer instead.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    public PhysAddr PhysicalAddress
    {
        get
        {
            ThrowIfFreed();
            return Physical;
        }
    }

    /// <summary>Whether <see cref="PhysicalMemory.Free"/> was called.</summary>
    public bool IsFreed => Volatile.Read(ref _life) == Freed;

    internal PhysicalMemory Memory { get; }

    internal PhysAddr Physical { get; }

    internal int Pages => (Length + PhysicalMemory.PageSize - 1) >> PhysicalMemory.PageShift;

    /// <summary>Live mappings that pin the buffer.</summary>
    internal int Pins => Math.Max(Volatile.Read(ref _ownerPins) + Volatile.Read(ref _secondPins) + Volatile.Read(ref _sharedPins), 0);

    /// <summary>Live streaming mappings that give the device ownership (maintained by the debug layer).</summary>
    internal int DeviceOwners { get; set; }

    /// <summary>The debug layer's entry for the latest mapping that gave the device ownership.</summary>
    internal object? DebugOwner { get; set; }

    /// <summary>The bytes without the ownership check, for the DMA layer's own copies (bounce buffers).</summary>
    internal Span<byte> Bytes => _data.AsSpan(0, Length);

    /// <inheritdoc />
    public override string ToString() => $"KBuffer({Length} bytes at {Physical}{(IsFreed ? ", freed" : string.Empty)})";

    /// <summary>Marks the buffer freed if nothing pins it. Returns the pins found: 0 freed it, more refused, −1 was already freed.</summary>
    internal int TryMarkFreed()
    {
        var spin = default(SpinWait);
        int life;
        while ((life = Interlocked.CompareExchange(ref _life, Freeing, Live)) != Live)
        {
            if (life == Freed)
            {
                return -1;
            }

            spin.SpinOnce(); // another free of the same buffer decides first
        }

        int me = Environment.CurrentManagedThreadId;
        int owner = Volatile.Read(ref _pinOwner);
        int second = Volatile.Read(ref _secondOwner);
        if ((owner != 0 && owner != me) || (second != 0 && second != me))
        {
            // The owners' plain counts become visible, and their later reads of the life state see Freeing.
            Interlocked.MemoryBarrierProcessWide();
        }

        int pins = Volatile.Read(ref _ownerPins) + Volatile.Read(ref _secondPins) + Volatile.Read(ref _sharedPins);
        Volatile.Write(ref _life, pins > 0 ? Live : Freed);
        return Math.Max(pins, 0);
    }

    /// <summary>Pins the buffer for a new mapping, for the thread <paramref name="me"/> (its managed id).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was freed.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void Pin(int me)
    {
        if (Volatile.Read(ref _pinOwner) == me)
        {
            Volatile.Write(ref _ownerPins, _ownerPins + 1);
            if (Volatile.Read(ref _life) == Live)
            {
                return;
            }

            Volatile.Write(ref _ownerPins, _ownerPins - 1);
        }
        else if (Volatile.Read(ref _secondOwner) == me)
        {
            Volatile.Write(ref _secondPins, _secondPins + 1);
            if (Volatile.Read(ref _life) == Live)
            {
                return;
            }

            Volatile.Write(ref _secondPins, _secondPins - 1);
        }

        PinSlow(me);
    }

    /// <summary>Drops one pin (its mapping is gone), on the thread <paramref name="me"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void Unpin(int me)
    {
        if (Volatile.Read(ref _pinOwner) == me)
        {
            Volatile.Write(ref _ownerPins, _ownerPins - 1);
        }
        else if (Volatile.Read(ref _secondOwner) == me)
        {
            Volatile.Write(ref _secondPins, _secondPins - 1);
        }
        else
        {
            Interlocked.Decrement(ref _sharedPins);
        }
    }

    private void PinSlow(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            ref int plain = ref PlainCountOf(me);
            bool owned = !Unsafe.IsNullRef(ref plain);
            if (owned)
            {
                Volatile.Write(ref plain, plain + 1);
            }
            else
            {
                Interlocked.Increment(ref _sharedPins);
            }

            int life = Volatile.Read(ref _life);
            if (life == Live)
            {
                return;
            }

            // A free is deciding (it may count this pin and be refused) or has freed: take the pin back.
            if (owned)
            {
                Volatile.Write(ref plain, plain - 1);
            }
            else
            {
                Interlocked.Decrement(ref _sharedPins);
            }

            if (life == Freed)
            {
                ThrowFreed();
            }

            spin.SpinOnce();
        }
    }

    /// <summary>The count thread <paramref name="me"/> adds to with plain stores (claiming the first or second owner's if free), or a null reference: it counts atomically.</summary>
    private ref int PlainCountOf(int me)
    {
        int owner = Volatile.Read(ref _pinOwner);
        if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _pinOwner, me, 0) == 0))
        {
            return ref _ownerPins;
        }

        int second = Volatile.Read(ref _secondOwner);
        if (second == me || (second == 0 && Interlocked.CompareExchange(ref _secondOwner, me, 0) == 0))
        {
            return ref _secondPins;
        }

        return ref Unsafe.NullRef<int>();
    }

    internal void ThrowIfFreed()
    {
        if (IsFreed)
        {
            ThrowFreed();
        }
    }

    private void ThrowFreed() =>
        throw new ObjectDisposedException(nameof(KBuffer), $"Use after free of the buffer at {Physical} ({Length} bytes).");
}
