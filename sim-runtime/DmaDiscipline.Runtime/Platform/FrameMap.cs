using System.Runtime.CompilerServices;

namespace DmaDiscipline.Runtime;

/// <summary>
/// A map from a page or frame number to a small value, for the DMA hot path's own books (the DMA
/// layer's live-mapping chains, the IOVA allocator's live ranges): open addressing with linear
/// probing over a power-of-two array at most half full, a multiplicative hash, and removal that
/// shifts the entries behind back (no tombstones). It does what those books need — find, add or
/// remove a key and hand out a reference to its value — in about half the work of a
/// <see cref="Dictionary{TKey, TValue}"/> (no comparer, no modulo, no entry chains), which counts at
/// two to four lookups per map+unmap. Growth doubles; otherwise nothing is allocated.
/// Not thread-safe: its owner's lock covers it.
/// </summary>
internal sealed class FrameMap<TValue>
    where TValue : struct
{
    private const ulong Vacant = ulong.MaxValue; // no page or frame number reaches it (they are addresses >> 12)

    private ulong[] _keys;
    private TValue[] _values;
    private int _shift; // 64 − log2(capacity)

    public FrameMap()
    {
        Allocate(16);
    }

    public int Count { get; private set; }

    /// <summary>The value of <paramref name="key"/>, added as <c>default</c> (with <paramref name="exists"/> false) if absent.</summary>
    public ref TValue GetOrAdd(ulong key, out bool exists)
    {
        if ((Count + 1) * 2 > _keys.Length)
        {
            Rehash(_keys.Length * 2, static _ => false);
        }

        int mask = _keys.Length - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ulong found = _keys[i];
            if (found == key)
            {
                exists = true;
                return ref _values[i];
            }

            if (found == Vacant)
            {
                _keys[i] = key;
                _values[i] = default;
                Count++;
                exists = false;
                return ref _values[i];
            }
        }
    }

    /// <summary>The value of <paramref name="key"/>, or a null reference (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) if absent.</summary>
    public ref TValue Find(ulong key)
    {
        int at = IndexOf(key);
        return ref at >= 0 ? ref _values[at] : ref Unsafe.NullRef<TValue>();
    }

    public bool TryGetValue(ulong key, out TValue value)
    {
        int at = IndexOf(key);
        value = at >= 0 ? _values[at] : default;
        return at >= 0;
    }

    /// <summary>Removes <paramref name="key"/>; false if absent.</summary>
    public bool Remove(ulong key)
    {
        int hole = IndexOf(key);
        if (hole < 0)
        {
            return false;
        }

        // Backward-shift deletion: an entry behind the hole moves into it unless its home lies
        // cyclically in (hole, itself], where a probe for it would not pass the hole.
        int mask = _keys.Length - 1;
        for (int j = (hole + 1) & mask; _keys[j] != Vacant; j = (j + 1) & mask)
        {
            int home = Home(_keys[j]);
            bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays)
            {
                _keys[hole] = _keys[j];
                _values[hole] = _values[j];
                hole = j;
            }
        }

        _keys[hole] = Vacant;
        _values[hole] = default;
        Count--;
        return true;
    }

    /// <summary>Every value (for scans on refusal paths and statistics only).</summary>
    public IEnumerable<TValue> Values()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] != Vacant)
            {
                yield return _values[i];
            }
        }
    }

    /// <summary>Drops every entry whose value <paramref name="drop"/> selects, shrinking the table to fit the rest.</summary>
    public void RemoveWhere(Func<TValue, bool> drop)
    {
        int kept = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            kept += _keys[i] != Vacant && !drop(_values[i]) ? 1 : 0;
        }

        int capacity = 16;
        while (capacity < (kept + 1) * 2)
        {
            capacity *= 2;
        }

        Rehash(capacity, drop);
    }

    private int Home(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

    private int IndexOf(ulong key)
    {
        int mask = _keys.Length - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ulong found = _keys[i];
            if (found == key)
            {
                return i;
            }

            if (found == Vacant)
            {
                return -1;
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_keys), nameof(_values))]
    private void Allocate(int capacity)
    {
        _keys = new ulong[capacity];
        Array.Fill(_keys, Vacant);
        _values = new TValue[capacity];
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
        Count = 0;
    }

    private void Rehash(int capacity, Func<TValue, bool> drop)
    {
        ulong[] keys = _keys;
        TValue[] values = _values;
        Allocate(capacity);
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] != Vacant && !drop(values[i]))
            {
                GetOrAdd(keys[i], out _) = values[i];
            }
        }
    }
}
