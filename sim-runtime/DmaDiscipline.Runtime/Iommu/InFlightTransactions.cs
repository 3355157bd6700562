namespace DmaDiscipline.Runtime;

/// <summary>
/// The device transactions in flight through one domain, so that a strict unmap returns only after
/// every transaction that may have translated through a removed entry has moved its bytes (VT-d's
/// drain-reads/drain-writes bits of an IOTLB invalidation). A transaction is counted from before its
/// first translation until its copy is done, with the bus pages it accesses; a drain runs after the
/// invalidation it completes, for the pages that invalidation removed.
/// <para>
/// Three modes, as a biased lock. <b>Owned</b>: while one thread issues every transaction and every
/// drain of the domain (a single-queue device driven from one CPU), it counts in a field only it
/// writes, and its drain waits for nothing: it cannot be inside one of its own transactions, and no
/// other thread issues any. This costs a transaction two plain stores and a drain nothing.
/// <b>Per thread</b>, as soon as a second thread begins a transaction or drains: the switch makes
/// every thread's stores visible (a process-wide memory barrier, once per domain) and waits for the
/// owner's transactions in flight, while any other thread waits for the switch to finish. From then
/// on each thread counts its transactions (and invalidations) with plain stores in the marker of its
/// IOTLB partition (<see cref="IoTlb.PartitionIndex"/>; claimed by the first thread of that index),
/// on a line of its own, and a drain asks the page table who can be using the pages: a translation
/// fills its thread's partition and marks the entry as cached by it before it is used (a
/// compare-and-exchange; one that finds the entry changed faults), and the unmap's exchange returns
/// the marks. A drain whose entries name only the drainer's own partition (two queues, each unmapping
/// what it alone translated) waits for nothing and makes no fence; otherwise a process-wide barrier
/// makes the named partitions' markers visible (their later translations see the cleared entries)
/// and it waits for the transactions it sees marked. So two queues on two cores pay per transaction
/// what one queue does, where the shared mode below cost a full fence per write and counts that both
/// queues' unmaps and reads touched (a second queue's strict cells spent 1.3-1.6x a queue's CPU per
/// operation, with the shared mode about a third of the difference).
/// <b>Shared</b>, for good, from the per-thread mode, when two threads of one partition index
/// transact (their caches' marks cannot tell them apart) or after <see cref="CrossDrainsBeforeShared"/>
/// drains needed a barrier (a device driven from other threads than its unmaps: fences per
/// transaction cost less than a barrier per unmap); the switch waits for every transaction marked in
/// flight. From then on each thread publishes its transaction in a slot of its own, as Linux keeps per-CPU
/// state (<c>percpu_ref</c>, the IOVA rcache): the slot of its <see cref="ThreadTicket"/> in the
/// stripe of the transaction's 64 KiB granule (16 stripes by hash), claimed once, on cache lines no
/// other slot shares, holding a sequence number and the bus pages the transaction accesses. A drain
/// reads the claimed slots of its pages' stripes only and waits only for a transaction that is in
/// flight on pages it invalidated: two queues of one device on two cores, whose IOVAs come from
/// granules of their own, write no common line per transaction, a drain does not pull the other
/// queue's slot lines away (which cost that queue's next transaction a miss), and a strict unmap on
/// one queue does not wait for the other queue's copies. A transaction across a granule boundary, or
/// one that finds its slot taken (a thread whose ticket another thread of this domain already
/// holds) or busy (one transaction inside another), counts instead in a shared pair of epoch
/// counters; a drain that finds them non-zero advances the epoch and waits for the old one to empty.
/// </para>
/// <para>
/// Reads, in the shared mode, are not published (<see cref="BeginRead"/>): a slot's full fence per
/// transaction was most of what a second queue added to each packet. A read notes the count of
/// invalidations begun in its granule's stripe and checks it after its copy; every invalidation that
/// a drain completes counts itself there, with a full fence, before it clears an entry and again
/// once the caches are invalidated. A read that an invalidation overtook copies again (and faults
/// if its entry is gone), so bytes a new owner wrote after a strict unmap never leave it — the same
/// guarantee as the drain's, for a read; a write, which cannot be taken back, is published and drained.
/// </para>
/// Why the owned mode is safe without fences: an owner transaction re-reads the mode after counting
/// itself, and the switching thread sets the mode before its process-wide barrier and reads the
/// owner's count after it (an asymmetric Dekker pair), so either the switch waits for that
/// transaction or the transaction sees the switch and counts in the shared way. An owner drain that
/// races a switch needs no fence either: the switching thread's barrier makes the owner's
/// invalidation visible before the switching thread's first translation.
/// Why a slot is enough: a transaction marks its slot in flight with a full fence before it
/// translates, and a drain reads the slots after its invalidation and a full fence (a Dekker pair):
/// a transaction the drain did not see in flight translates after the invalidation and finds the
/// entry gone. The slot is a sequence lock: 4k free, 4k+1 while the pages are written, 4k+2 in
/// flight; a drain reads the pages between two reads of the same 4k+2. A transaction that began
/// before the drain but is not marked in flight yet translates after the drain's invalidation.
/// </summary>
internal sealed class InFlightTransactions
{
    private const int Shared = -1;
    private const int Revoking = -2; // owned -> per thread, under way
    private const int PerThread = -3;
    private const int Publishing = -4; // per thread -> shared, under way
    /// <summary>What <see cref="BeginInvalidation"/> returns for the owner's invalidation (the owned mode: one thread transacts and drains).</summary>
    internal const long OwnedToken = -1;
    private const long BumpedToken = 0; // an invalidation counted in its stripes (shared mode)
    private const int Partitions = 16; // as the IOTLB's: by managed thread id modulo 16 (IoTlb.PartitionIndex)
    private const int MarkerSeq = 0; // per partition: (outermost transactions begun << DepthBits) | depth; written by the partition's owner only
    private const int DepthBits = 8;
    private const long DepthMask = (1L << DepthBits) - 1;
    private const int MarkerOwner = 1; // the partition's owner: the first thread of its index to count there
    private const int SlotBits = 4; // 16 slots per stripe: threads running at once take different ones
    private const int SlotMask = (1 << SlotBits) - 1;
    private const int StripeBits = 4; // 16 stripes of 64 KiB granules, each with its slots and invalidation counts
    private const int StripeMask = (1 << StripeBits) - 1;
    private const int Slots = (StripeMask + 1) * (SlotMask + 1);
    private const int Stride = 16; // longs per slot: 128 bytes, so no two slots share a cache line (or an adjacent-line prefetch pair)
    private const int Pad = 8; // a slot's fields sit 64 bytes into it, away from the array's header and the slot before
    private const int SeqField = 0;
    private const int FirstField = 1;
    private const int LastField = 2;
    private const int OwnerField = 3;
    private const int GranuleBits = 4; // invalidation stripes by 64 KiB granule of the bus page, as the live-mapping shards
    private const int BegunField = 0;
    private const int DoneField = 1;
    private const int ClaimedField = 2; // bit k: the stripe's slot k has an owner (so a drain reads only those)
    private const long ReadTokenBase = long.MinValue; // read tokens: ReadTokenBase + (invalidations begun << StripeBits) + stripe
    private const long LowestSlotToken = -1 - Slots; // slot tokens: -2 - slot, down to this
    private const long LowestPerThreadToken = LowestSlotToken - Partitions; // per-thread tokens: LowestSlotToken - 1 - partition, down to this

    // Slot s's fields at [s * Stride + Pad + field]; made at the switch to shared (most domains are
    // driven from one thread and never need them). The epoch counters of transactions that found no
    // slot sit at [(SlotMask + 1) * Stride + Pad + parity], a line of their own.
    private long[]? _slots;
    private readonly object _drainLock = new();
    private long _epoch;

    // Managed thread id of the owner; 0 before the first transaction or drain; Revoking while a
    // second thread switches the domain to per-thread counts (others wait for it); PerThread;
    // Publishing while a thread switches it to shared; Shared for good.
    private int _owner;

    // Per-thread mode: per IOTLB partition, at [partition * Stride + Pad]: its sequence and its owner;
    // made at the switch from owned.
    private long[]? _markers;
    private int _crossDrains;
    private int _ownerInFlight; // written by the owner thread only
    private int _ownerInvalidating; // the owner's invalidations under way: clearing entries that a drain will complete (written by the owner only)

    // Per invalidation stripe, at [stripe * Stride + Pad]: invalidations begun and done on its
    // granules, each bumped with a full fence; made with the slots, at the switch to shared.
    private long[]? _invalidations;

    /// <summary>
    /// A transaction on bus pages <paramref name="firstPage"/> to <paramref name="lastPage"/> starts
    /// on the thread whose <see cref="Environment.CurrentManagedThreadId"/> is <paramref name="me"/>.
    /// Pass the result to <see cref="End"/>, on the same thread, when its bytes have moved.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long Begin(int me, ulong firstPage, ulong lastPage) =>
        TryOwnerMark(ref _ownerInFlight, me) ? OwnedToken : BeginNotOwned(me, firstPage, lastPage, read: false);

    /// <summary>
    /// A transaction (<paramref name="read"/>: a read) of a thread that does not own the domain: the
    /// per-thread mark first, written out here (through BeginSlow and TryPerThreadMark it cost a
    /// two-queue packet three calls per transaction, 5 % of its time), then the slow paths.
    /// </summary>
    private long BeginNotOwned(int me, ulong firstPage, ulong lastPage, bool read)
    {
        if (Volatile.Read(ref _owner) == PerThread)
        {
            int partition = IoTlb.PartitionIndex(me);
            ref long owner = ref System.Runtime.CompilerServices.Unsafe.Add(
                ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_markers!), (partition * Stride) + Pad + MarkerOwner); // 16 partitions: in bounds
            if (Volatile.Read(ref owner) == me)
            {
                ref long marker = ref System.Runtime.CompilerServices.Unsafe.Add(ref owner, MarkerSeq - MarkerOwner);
                long current = marker;
                long next = (current & DepthMask) == 0 ? (((current >> DepthBits) + 1) << DepthBits) | 1 : current + 1;
                Volatile.Write(ref marker, next);
                if (Volatile.Read(ref _owner) == PerThread)
                {
                    return LowestSlotToken - 1 - partition;
                }

                Volatile.Write(ref marker, next - 1); // being published meanwhile: the slow path waits for it
            }
        }

        return read ? BeginReadSlow(me, firstPage, lastPage) : BeginSlow(me, firstPage, lastPage);
    }

    /// <summary>
    /// The owner's mark of a transaction (or an invalidation) under way, inline (a call to IsOwner per
    /// transaction was 2 % of a one-queue run): true if <paramref name="me"/> owns the domain and
    /// still did after counting itself in <paramref name="marks"/> (see the class remarks); otherwise
    /// the count is as it was.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool TryOwnerMark(ref int marks, int me)
    {
        if (Volatile.Read(ref _owner) != me)
        {
            return false;
        }

        Volatile.Write(ref marks, marks + 1);
        if (Volatile.Read(ref _owner) == me)
        {
            return true;
        }

        Volatile.Write(ref marks, marks - 1); // being shared meanwhile: the switch may not have seen the mark
        return false;
    }

    private long BeginSlow(int me, ulong firstPage, ulong lastPage)
    {
        if (Volatile.Read(ref _owner) is not (Shared or PerThread))
        {
            while (IsOwner(me))
            {
                if (TryOwnerMark(ref _ownerInFlight, me))
                {
                    return OwnedToken;
                }
            }
        }

        if (TryPerThreadMark(me, out long marked))
        {
            return marked;
        }

        // The thread's slot in the stripe of the transaction's granule: a drain reads the slots of its
        // own pages' stripes only, so a queue's transactions on its own granules write lines that the
        // other queue's drains never pull away (each such read cost the next transaction a miss).
        long[] slots = _slots!; // published before the mode became Shared (see IsOwner)
        int stripe = InvalidationStripe(firstPage);
        int slot = (stripe << SlotBits) | (ThreadTicket.Of(me) & SlotMask);
        int at = (slot * Stride) + Pad;
        long owner = Volatile.Read(ref slots[at + OwnerField]);
        if (owner == 0 && Interlocked.CompareExchange(ref slots[at + OwnerField], me, 0) == 0)
        {
            owner = me;
            Interlocked.Or(ref _invalidations![(stripe * Stride) + Pad + ClaimedField], 1L << (slot & SlotMask)); // a full fence
        }

        long seq = slots[at + SeqField]; // only this slot's owner writes it
        if (owner == me && (seq & 3) == 0 && firstPage >> GranuleBits == lastPage >> GranuleBits)
        {
            Volatile.Write(ref slots[at + SeqField], seq + 1);
            Volatile.Write(ref slots[at + FirstField], (long)firstPage);
            Volatile.Write(ref slots[at + LastField], (long)lastPage);
            Interlocked.Exchange(ref slots[at + SeqField], seq + 2); // in flight; a full fence before the translation
            return -2 - slot;
        }

        while (true)
        {
            // The increment is a full fence, and so is the drain's epoch advance: either this
            // transaction reads the new epoch and counts again in it, or the drain sees it counted.
            long epoch = Volatile.Read(ref _epoch);
            ref long count = ref slots[EpochCounter(epoch)];
            Interlocked.Increment(ref count);
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return epoch;
            }

            Interlocked.Decrement(ref count); // a drain started meanwhile: count in the new epoch
        }
    }

    /// <summary>
    /// A read transaction (the device reads memory) on bus pages <paramref name="firstPage"/> to
    /// <paramref name="lastPage"/> starts: as <see cref="Begin"/>, except that in the shared mode a
    /// read within one 64 KiB granule is not published at all — it notes how many invalidations of
    /// its granule's stripe have begun, and <see cref="EndRead"/> tells whether one began meanwhile
    /// (then the caller reads again: the bytes it copied may be a new owner's). So a read costs no
    /// fence; a drain does not wait for it, and need not: a read that used a removed entry finds it
    /// out before its bytes go anywhere. Pass the result to <see cref="EndRead"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long BeginRead(int me, ulong firstPage, ulong lastPage) =>
        TryOwnerMark(ref _ownerInFlight, me) ? OwnedToken : BeginNotOwned(me, firstPage, lastPage, read: true);

    private long BeginReadSlow(int me, ulong firstPage, ulong lastPage)
    {
        if (Volatile.Read(ref _owner) == Shared && firstPage >> GranuleBits == lastPage >> GranuleBits)
        {
            // Done, then begun (acquire loads, before the translation's): equal, no invalidation of
            // the stripe was under way, and every one counted has cleared its entries visibly.
            int stripe = InvalidationStripe(firstPage);
            int at = (stripe * Stride) + Pad;
            long[] invalidations = _invalidations!; // published before the mode became Shared
            long done = Volatile.Read(ref invalidations[at + DoneField]);
            long begun = Volatile.Read(ref invalidations[at + BegunField]);
            if (begun == done)
            {
                return ReadTokenBase + (begun << StripeBits) + stripe;
            }
        }

        return BeginSlow(me, firstPage, lastPage); // under way (or across granules): published, as a write is
    }

    /// <summary>
    /// The read begun with <paramref name="token"/> has copied its bytes: false when an invalidation
    /// of its stripe began after it started — its bytes may not be the mapping's, and the read must be
    /// made again (it then translates after that invalidation). True for every other kind of token.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool EndRead(long token)
    {
        if (token >= LowestPerThreadToken)
        {
            End(token);
            return true;
        }

        return Validate(token);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool Validate(long token)
    {
        // The copy's loads before the count's. x86 keeps loads in order, and the call is opaque to the
        // compiler (so it is not inlined); elsewhere a full fence does it.
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }

        long read = token - ReadTokenBase;
        int at = ((int)(read & StripeMask) * Stride) + Pad;
        return Volatile.Read(ref _invalidations![at + BegunField]) == read >> StripeBits;
    }

    /// <summary>
    /// The thread <paramref name="me"/> is about to clear page-table entries of pages
    /// <paramref name="firstPage"/> to <paramref name="lastPage"/> (and invalidate their cached
    /// translations) for a drain to complete: reads in flight on them find out (see
    /// <see cref="BeginRead"/>). Pass the result to <see cref="EndInvalidation"/> once the caches are
    /// invalidated, before the drain. In the owned mode a flag only the owner writes; the switch to
    /// shared waits for it, as for the owner's transactions.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public long BeginInvalidation(int me, ulong firstPage, ulong lastPage) =>
        TryOwnerMark(ref _ownerInvalidating, me) ? OwnedToken : BeginInvalidationSlow(me, firstPage, lastPage);

    private long BeginInvalidationSlow(int me, ulong firstPage, ulong lastPage)
    {
        if (Volatile.Read(ref _owner) is not (Shared or PerThread))
        {
            while (IsOwner(me))
            {
                if (TryOwnerMark(ref _ownerInvalidating, me))
                {
                    return OwnedToken;
                }
            }
        }

        // Per thread: reads are drained as writes are, so they need no count; the mark holds back a
        // switch to shared until the entries are cleared.
        if (TryPerThreadMark(me, out long marked))
        {
            return marked;
        }

        Bump(firstPage, lastPage, BegunField); // a full fence before the entries are cleared
        return BumpedToken;
    }

    /// <summary>The invalidation begun with <see cref="BeginInvalidation"/> (its result: <paramref name="token"/>) has cleared its entries and caches.</summary>
    public void EndInvalidation(long token, ulong firstPage, ulong lastPage)
    {
        if (token == OwnedToken)
        {
            Volatile.Write(ref _ownerInvalidating, _ownerInvalidating - 1); // a release: the clears are visible before
            return;
        }

        if (token != BumpedToken)
        {
            End(token); // per thread
            return;
        }

        Bump(firstPage, lastPage, DoneField);
    }

    /// <summary>Counts an invalidation in every stripe of the pages' granules (a stripe met twice counts twice, begun and done alike).</summary>
    private void Bump(ulong firstPage, ulong lastPage, int field)
    {
        long[] invalidations = _invalidations!;
        ulong granules = (lastPage >> GranuleBits) - (firstPage >> GranuleBits) + 1;
        if (granules > StripeMask + 1)
        {
            for (int stripe = 0; stripe <= StripeMask; stripe++)
            {
                Interlocked.Increment(ref invalidations[(stripe * Stride) + Pad + field]);
            }

            return;
        }

        for (ulong granule = firstPage >> GranuleBits; granule <= lastPage >> GranuleBits; granule++)
        {
            Interlocked.Increment(ref invalidations[(InvalidationStripe(granule << GranuleBits) * Stride) + Pad + field]);
        }
    }

    /// <summary>The invalidation stripe of a bus page: its 64 KiB granule, hashed (two queues' IOVAs come from their own granules).</summary>
    private static int InvalidationStripe(ulong page) => (int)(((page >> GranuleBits) * 0x9E3779B97F4A7C15UL) >> (64 - StripeBits));

    /// <summary>The transaction begun with <paramref name="token"/> has moved its bytes.</summary>
    public void End(long token)
    {
        if (token == OwnedToken)
        {
            Volatile.Write(ref _ownerInFlight, _ownerInFlight - 1); // a release: the copy is done before
            return;
        }

        if (token < LowestSlotToken && token >= LowestPerThreadToken)
        {
            ref long marker = ref System.Runtime.CompilerServices.Unsafe.Add(
                ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_markers!), ((int)(LowestSlotToken - 1 - token) * Stride) + Pad + MarkerSeq); // a partition's: in bounds
            Volatile.Write(ref marker, marker - 1); // a release: the copy is done before
            return;
        }

        if (token < LowestPerThreadToken)
        {
            return; // a read in the shared mode: nothing was published (see EndRead)
        }

        long[] slots = _slots!;
        if (token < 0)
        {
            int at = ((int)(-2 - token) * Stride) + Pad;
            Volatile.Write(ref slots[at + SeqField], slots[at + SeqField] + 2); // free again; a release: the copy is done before
            return;
        }

        Interlocked.Decrement(ref slots[EpochCounter(token)]);
    }

    /// <summary>
    /// Waits until every transaction that began before this call and accesses a page from
    /// <paramref name="firstPage"/> to <paramref name="lastPage"/> has moved its bytes
    /// (<paramref name="me"/>: the caller's managed thread id).
    /// </summary>
    public void Drain(ulong firstPage, ulong lastPage, int me, int cachedBy)
    {
        int owner = Volatile.Read(ref _owner);
        if (owner == me || (owner is not (Shared or PerThread) && IsOwner(me)))
        {
            return; // the owner is not inside a transaction of its own, and nobody else issues any
        }

        if (TryDrainPerThread(me, cachedBy))
        {
            return;
        }

        Interlocked.MemoryBarrier(); // the invalidation before the slots and counts: see Begin
        long[] slots = _slots!;
        var spin = default(SpinWait);
        // The slots of the stripes of the pages' granules: a single-granule transaction sits in its
        // granule's stripe; any other counts in the epoch counters below.
        uint stripes = 0;
        if ((lastPage >> GranuleBits) - (firstPage >> GranuleBits) >= StripeMask)
        {
            stripes = (1u << (StripeMask + 1)) - 1;
        }
        else
        {
            for (ulong granule = firstPage >> GranuleBits; granule <= lastPage >> GranuleBits; granule++)
            {
                stripes |= 1u << InvalidationStripe(granule << GranuleBits);
            }
        }

        for (; stripes != 0; stripes &= stripes - 1)
        {
            WaitForSlots(slots, System.Numerics.BitOperations.TrailingZeroCount(stripes), firstPage, lastPage, ref spin);
        }

        int even = EpochCounter(0);
        if (Volatile.Read(ref slots[even]) == 0 && Volatile.Read(ref slots[even + 1]) == 0)
        {
            return; // no transaction without a slot in flight
        }

        lock (_drainLock)
        {
            long old = Interlocked.Increment(ref _epoch) - 1; // a full fence: new transactions count in the other parity
            while (Volatile.Read(ref slots[EpochCounter(old)]) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    /// <summary>Waits for every claimed slot of <paramref name="stripe"/> in flight on a page of the range.</summary>
    private void WaitForSlots(long[] slots, int stripe, ulong firstPage, ulong lastPage, ref SpinWait spin)
    {
        // Only slots some thread has claimed (a claim is a full fence before that thread's first
        // transaction in its slot: a drain that misses the claim is one that transaction sees).
        long claimed = Volatile.Read(ref _invalidations![(stripe * Stride) + Pad + ClaimedField]);
        for (; claimed != 0; claimed &= claimed - 1)
        {
            int at = ((((stripe << SlotBits) | System.Numerics.BitOperations.TrailingZeroCount(claimed)) * Stride) + Pad);
            // A slot not seen in flight here marks its next transaction in flight after this read,
            // so that transaction translates after the invalidation (see Begin): only one seen in
            // flight on these pages can still use a removed entry.
            long seq = Volatile.Read(ref slots[at + SeqField]);
            if ((seq & 3) != 2)
            {
                continue;
            }

            ulong first = (ulong)Volatile.Read(ref slots[at + FirstField]);
            ulong last = (ulong)Volatile.Read(ref slots[at + LastField]);
            if (Volatile.Read(ref slots[at + SeqField]) != seq || last < firstPage || first > lastPage)
            {
                continue; // ended meanwhile, or in flight on other pages
            }

            while (Volatile.Read(ref slots[at + SeqField]) == seq)
            {
                spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the transaction is a copy away from done
            }
        }
    }

    /// <summary>Where the epoch counter of transactions without a slot sits for <paramref name="epoch"/>'s parity.</summary>
    private static int EpochCounter(long epoch) => (Slots * Stride) + Pad + (int)(epoch & 1);

    /// <summary>Per-thread drains that may need a process-wide barrier before the domain goes shared (64; a test raises it to keep the per-thread mode under a race).</summary>
    internal int CrossDrainsBeforeShared { get; set; } = 64;

    /// <summary>Whether the domain is shared for good (transactions published in slots, reads validated by counts).</summary>
    internal bool IsShared => Volatile.Read(ref _owner) == Shared;

    /// <summary>Whether the domain counts per thread (each IOTLB partition's owner marks its transactions with plain stores).</summary>
    internal bool IsPerThread => Volatile.Read(ref _owner) == PerThread;

    /// <summary>
    /// Per-thread mode: marks a transaction (or an invalidation) of the thread <paramref name="me"/>
    /// in flight in its IOTLB partition's marker, with plain stores, if that thread owns the partition
    /// (claiming it if nobody does). False once the domain is shared (switching it if the partition
    /// is another thread's), and only then; a thread that finds the switch under way waits for it.
    /// </summary>
    private bool TryPerThreadMark(int me, out long token)
    {
        var spin = default(SpinWait);
        while (true)
        {
            int mode = Volatile.Read(ref _owner);
            if (mode == Shared)
            {
                token = 0;
                return false;
            }

            if (mode != PerThread)
            {
                spin.SpinOnce(sleep1Threshold: -1); // being published
                continue;
            }

            long[] markers = _markers!; // published before the mode became PerThread
            int partition = IoTlb.PartitionIndex(me);
            int at = (partition * Stride) + Pad;
            long owner = Volatile.Read(ref markers[at + MarkerOwner]);
            if (owner != me && (owner != 0 || Interlocked.CompareExchange(ref markers[at + MarkerOwner], me, 0) != 0))
            {
                Publish(); // two threads of one partition index: their marks (and their caches' marks in the page table) cannot tell them apart
                continue;
            }

            // An outermost transaction starts a new generation (a drain waits for the one it saw to end).
            long marker = markers[at + MarkerSeq];
            long next = (marker & DepthMask) == 0 ? (((marker >> DepthBits) + 1) << DepthBits) | 1 : marker + 1;
            Volatile.Write(ref markers[at + MarkerSeq], next);
            if (Volatile.Read(ref _owner) == PerThread)
            {
                token = LowestSlotToken - 1 - partition;
                return true;
            }

            Volatile.Write(ref markers[at + MarkerSeq], next - 1); // being published meanwhile: the switch may not have seen the mark
        }
    }

    /// <summary>
    /// Per-thread mode's drain, after the invalidation of pages whose cleared entries named the cache
    /// partitions <paramref name="cachedBy"/>: only threads of those partitions translated the pages
    /// (a translation fills its thread's partition and marks the entry before it uses it, and one
    /// whose mark found the entry changed faults), so only their transactions in flight can use a
    /// removed entry. None but the caller's own: nothing to wait for, no fence (two queues, each
    /// unmapping what it translated). Otherwise a process-wide barrier makes their marks visible (their
    /// later translations see the cleared entries) and the drain waits for the transactions it sees;
    /// after <see cref="CrossDrainsBeforeShared"/> such drains the domain goes shared (a device
    /// driven from another thread than its unmaps pays fences, not barriers). False when the domain
    /// is shared: drain the shared way.
    /// </summary>
    private bool TryDrainPerThread(int me, int cachedBy)
    {
        var spin = default(SpinWait);
        while (true)
        {
            int mode = Volatile.Read(ref _owner);
            if (mode == Shared)
            {
                return false;
            }

            if (mode != PerThread)
            {
                spin.SpinOnce(sleep1Threshold: -1); // being published
                continue;
            }

            long[] markers = _markers!;
            int mine = IoTlb.PartitionIndex(me);
            int others = cachedBy;
            if (Volatile.Read(ref markers[(mine * Stride) + Pad + MarkerOwner]) == me)
            {
                others &= ~(1 << mine); // the caller is not inside a transaction of its own
            }

            if (others == 0)
            {
                return true;
            }

            if (Interlocked.Increment(ref _crossDrains) > CrossDrainsBeforeShared)
            {
                Publish();
                return false;
            }

            Interlocked.MemoryBarrierProcessWide();
            for (; others != 0; others &= others - 1)
            {
                WaitForMarker(markers, System.Numerics.BitOperations.TrailingZeroCount(others), ref spin);
            }

            return true;
        }
    }

    /// <summary>Waits until the transaction (or invalidation) in flight in <paramref name="partition"/>'s marker, if any, has ended.</summary>
    private static void WaitForMarker(long[] markers, int partition, ref SpinWait spin)
    {
        ref long marker = ref markers[(partition * Stride) + Pad + MarkerSeq];
        long seen = Volatile.Read(ref marker);
        if ((seen & DepthMask) == 0)
        {
            return;
        }

        while (Volatile.Read(ref marker) is long now && (now & DepthMask) != 0 && now >> DepthBits == seen >> DepthBits)
        {
            spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the transaction is a copy away from done
        }
    }

    /// <summary>
    /// Switches the domain from per-thread marks to shared (published) transactions, for good: the
    /// slots exist before anyone sees the mode Shared; a process-wide barrier makes every mark
    /// visible (and a thread that marks after it sees Publishing and waits); the transactions and
    /// invalidations marked in flight end first. Returns once the domain is shared.
    /// </summary>
    internal void Publish()
    {
        var spin = default(SpinWait);
        while (true)
        {
            int mode = Volatile.Read(ref _owner);
            if (mode == Shared)
            {
                return;
            }

            if (mode == PerThread && Interlocked.CompareExchange(ref _owner, Publishing, PerThread) == PerThread)
            {
                Volatile.Write(ref _slots, new long[((Slots + 1) * Stride) + Pad]);
                Volatile.Write(ref _invalidations, new long[((StripeMask + 1) * Stride) + Pad]);
                Interlocked.MemoryBarrierProcessWide();
                long[] markers = _markers!;
                for (int partition = 0; partition < Partitions; partition++)
                {
                    WaitForMarker(markers, partition, ref spin);
                }

                Volatile.Write(ref _owner, Shared);
                return;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>
    /// Whether the thread <paramref name="me"/> owns the domain's transactions (claiming them if
    /// nobody does yet). If another thread owns them, switches to shared first; returns false once
    /// the domain is shared, and only then: a thread that finds a switch under way waits for it to
    /// finish, so nobody counts the shared way while an owner transaction may still be in flight.
    /// </summary>
    private bool IsOwner(int me)
    {
        var spin = default(SpinWait);
        while (true)
        {
            int owner = Volatile.Read(ref _owner);
            if (owner is Shared or PerThread)
            {
                return false;
            }

            if (owner == me)
            {
                return true;
            }

            if (owner == 0)
            {
                if (Interlocked.CompareExchange(ref _owner, me, 0) == 0)
                {
                    return true;
                }
            }
            else if (owner is Revoking or Publishing)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            else if (Interlocked.CompareExchange(ref _owner, Revoking, owner) == owner)
            {
                // Every thread's earlier stores become visible and its later loads see Revoking:
                // the owner's count of a transaction that did not see the switch, and an owner
                // drain's invalidation. Then the owner's transactions in flight and its invalidation
                // under way finish. The per-thread marks exist before anyone can see the mode PerThread.
                Volatile.Write(ref _markers, new long[(Partitions * Stride) + Pad]);
                Interlocked.MemoryBarrierProcessWide();
                while (Volatile.Read(ref _ownerInFlight) != 0 || Volatile.Read(ref _ownerInvalidating) != 0)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                Volatile.Write(ref _owner, PerThread);
                return false;
            }
        }
    }
}
