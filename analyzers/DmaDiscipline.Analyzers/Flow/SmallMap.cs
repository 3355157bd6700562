using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// An immutable map for the few entries a body's dataflow state holds (a handful of mappings,
    /// handles and constants): a flat array searched in order and copied on write. At that size it
    /// is cheaper than an ImmutableDictionary to read, update, compare and enumerate (enumerating
    /// allocates nothing), and an update that changes nothing returns the same instance. Every
    /// operation is linear in the entries: a body with hundreds of live mappings is slower, not wrong.
    /// </summary>
    internal sealed class SmallMap<TKey, TValue>
        where TKey : notnull
    {
        public static readonly SmallMap<TKey, TValue> Empty = new SmallMap<TKey, TValue>(Array.Empty<KeyValuePair<TKey, TValue>>());

        private static readonly EqualityComparer<TKey> KeyComparer = EqualityComparer<TKey>.Default;
        private static readonly EqualityComparer<TValue> ValueComparer = EqualityComparer<TValue>.Default;

        private readonly KeyValuePair<TKey, TValue>[] _entries;

        private SmallMap(KeyValuePair<TKey, TValue>[] entries) => _entries = entries;

        public int Count => _entries.Length;

        [MethodImpl(Jit.Optimized)]
        public bool TryGetValue(TKey key, out TValue value)
        {
            var index = IndexOf(key);
            if (index < 0)
            {
                value = default!;
                return false;
            }

            value = _entries[index].Value;
            return true;
        }

        [MethodImpl(Jit.Optimized)]
        public SmallMap<TKey, TValue> SetItem(TKey key, TValue value)
        {
            var index = IndexOf(key);
            KeyValuePair<TKey, TValue>[] entries;
            if (index >= 0)
            {
                if (ValueComparer.Equals(_entries[index].Value, value))
                {
                    return this;
                }

                entries = new KeyValuePair<TKey, TValue>[_entries.Length];
                Array.Copy(_entries, entries, _entries.Length);
                entries[index] = new KeyValuePair<TKey, TValue>(key, value);
                return new SmallMap<TKey, TValue>(entries);
            }

            entries = new KeyValuePair<TKey, TValue>[_entries.Length + 1];
            Array.Copy(_entries, entries, _entries.Length);
            entries[_entries.Length] = new KeyValuePair<TKey, TValue>(key, value);
            return new SmallMap<TKey, TValue>(entries);
        }

        [MethodImpl(Jit.Optimized)]
        public SmallMap<TKey, TValue> Remove(TKey key)
        {
            var index = IndexOf(key);
            if (index < 0)
            {
                return this;
            }

            if (_entries.Length == 1)
            {
                return Empty;
            }

            var entries = new KeyValuePair<TKey, TValue>[_entries.Length - 1];
            Array.Copy(_entries, 0, entries, 0, index);
            Array.Copy(_entries, index + 1, entries, index, _entries.Length - index - 1);
            return new SmallMap<TKey, TValue>(entries);
        }

        /// <summary>The same keys with equal values, in any order.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool SameAs(SmallMap<TKey, TValue> other)
        {
            if (ReferenceEquals(this, other))
            {
                return true;
            }

            if (other._entries.Length != _entries.Length)
            {
                return false;
            }

            foreach (var entry in _entries)
            {
                if (!other.TryGetValue(entry.Key, out var value) || !ValueComparer.Equals(value, entry.Value))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Entries in insertion order; the enumerator allocates nothing.</summary>
        [MethodImpl(Jit.Optimized)]
        public Enumerator GetEnumerator() => new Enumerator(_entries);

        [MethodImpl(Jit.Optimized)]
        private int IndexOf(TKey key)
        {
            var entries = _entries;
            for (var i = 0; i < entries.Length; i++)
            {
                if (KeyComparer.Equals(entries[i].Key, key))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Walks a snapshot of the entries (the map never changes).</summary>
        public struct Enumerator
        {
            private readonly KeyValuePair<TKey, TValue>[] _entries;
            private int _index;

            internal Enumerator(KeyValuePair<TKey, TValue>[] entries)
            {
                _entries = entries;
                _index = -1;
            }

            public KeyValuePair<TKey, TValue> Current => _entries[_index];

            [MethodImpl(Jit.Optimized)]
            public bool MoveNext() => ++_index < _entries.Length;
        }
    }
}
