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
    // counts in _ownerPins with plain stores, every other thread in _sharedPins with an atomic add;
    // only the sum means anything (a mapping made on one thread may be released on another). A map
    // racing a free either pins a live buffer or sees it freed, never both: a pinner counts itself,
    // then reads the life state; a free marks the buffer Freeing, makes every thread's plain counts
    // visible (a process-wide barrier, unless the freeing thread is the owner and so sees its own),
    // then sums the counts — an asymmetric Dekker pair, so one of the two sees the other. A pinner
    // that sees Freeing takes its pin back and waits for the outcome.
    private const int Live = 0;
    private const int Freeing = 1;
    private const int Freed = 2;
    private int _life;
    private int _pinOwner;   // managed thread id of the first pinner; 0 before
    private int _ownerPins;  // written by the owner only
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
    internal int Pins => Math.Max(Volatile.Read(ref _ownerPins) + Volatile.Read(ref _sharedPins), 0);

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

        int owner = Volatile.Read(ref _pinOwner);
        if (owner != 0 && owner != Environment.CurrentManagedThreadId)
        {
            // The owner's plain counts become visible, and its later reads of the life state see Freeing.
            Interlocked.MemoryBarrierProcessWide();
        }

        int pins = Volatile.Read(ref _ownerPins) + Volatile.Read(ref _sharedPins);
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
            int owner = Volatile.Read(ref _pinOwner);
            bool owned = owner == me || (owner == 0 && Interlocked.CompareExchange(ref _pinOwner, me, 0) == 0);
            if (owned)
            {
                Volatile.Write(ref _ownerPins, _ownerPins + 1);
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
                Volatile.Write(ref _ownerPins, _ownerPins - 1);
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
