using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// An immutable map for a body's dataflow state: a hash array mapped trie (32-way nodes keyed by
    /// five bits of the key's hash per level). An update copies the one path from the root to its
    /// entry (at most seven small nodes) and shares the rest with the map it came from, so a state
    /// holding thousands of mappings costs the same to update as one holding three. The trie's shape
    /// depends only on its keys, and the states of two paths share every subtree neither changed:
    /// <see cref="Union"/>, <see cref="Intersect"/> and <see cref="SameAs"/> skip shared subtrees and
    /// cost what the two paths changed, not what the maps hold. An update that changes nothing
    /// returns the same instance. Entries are enumerated in no particular order.
    /// </summary>
    internal sealed class PersistentMap<TKey, TValue>
        where TKey : notnull
    {
        public static readonly PersistentMap<TKey, TValue> Empty = new PersistentMap<TKey, TValue>(Branch.EmptyRoot, 0);

        private const int Bits = 5;
        private const int Mask = (1 << Bits) - 1;

        private static readonly EqualityComparer<TKey> KeyComparer = EqualityComparer<TKey>.Default;
        private static readonly EqualityComparer<TValue> ValueComparer = EqualityComparer<TValue>.Default;

        private readonly Branch _root;

        private PersistentMap(Branch root, int count)
        {
            _root = root;
            Count = count;
        }

        public int Count { get; }

        [MethodImpl(Jit.Optimized)]
        public bool TryGetValue(TKey key, out TValue value)
        {
            var hash = KeyComparer.GetHashCode(key);
            Item item = _root;
            for (var shift = 0; ; shift += Bits)
            {
                switch (item)
                {
                    case Branch branch:
                        var bit = 1u << ((hash >> shift) & Mask);
                        if ((branch.Bitmap & bit) == 0)
                        {
                            value = default!;
                            return false;
                        }

                        item = branch.Children[Index(branch.Bitmap, bit)];
                        continue;
                    case Leaf leaf:
                        if (leaf.Hash == hash && KeyComparer.Equals(leaf.Key, key))
                        {
                            value = leaf.Value;
                            return true;
                        }

                        value = default!;
                        return false;
                    default:
                        foreach (var entry in ((Bucket)item).Leaves)
                        {
                            if (entry.Hash == hash && KeyComparer.Equals(entry.Key, key))
                            {
                                value = entry.Value;
                                return true;
                            }
                        }

                        value = default!;
                        return false;
                }
            }
        }

        [MethodImpl(Jit.Optimized)]
        public PersistentMap<TKey, TValue> SetItem(TKey key, TValue value)
        {
            var added = false;
            var root = (Branch)Set(_root, new Leaf(KeyComparer.GetHashCode(key), key, value), 0, ref added);
            return ReferenceEquals(root, _root) ? this : new PersistentMap<TKey, TValue>(root, added ? Count + 1 : Count);
        }

        [MethodImpl(Jit.Optimized)]
        public PersistentMap<TKey, TValue> Remove(TKey key)
        {
            var root = Remove(_root, KeyComparer.GetHashCode(key), key, 0) as Branch ?? Branch.EmptyRoot;
            if (ReferenceEquals(root, _root))
            {
                return this;
            }

            return Count == 1 ? Empty : new PersistentMap<TKey, TValue>(EnsureRoot(root), Count - 1);
        }

        /// <summary>
        /// Every key of either map: this map's value where only it has the key or both agree, the
        /// other's where only it has it, <paramref name="join"/>(key, this one's, the other's) where
        /// they differ. This instance when nothing is added or changed.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public PersistentMap<TKey, TValue> Union(PersistentMap<TKey, TValue> other, Func<TKey, TValue, TValue, TValue> join)
        {
            if (ReferenceEquals(this, other) || other.Count == 0)
            {
                return this;
            }

            if (Count == 0)
            {
                return other;
            }

            var added = 0;
            var root = (Branch)Union(_root, other._root, 0, join, ref added);
            return ReferenceEquals(root, _root) ? this : new PersistentMap<TKey, TValue>(root, Count + added);
        }

        /// <summary>The entries both maps hold with equal values; this instance when that is all of them.</summary>
        [MethodImpl(Jit.Optimized)]
        public PersistentMap<TKey, TValue> Intersect(PersistentMap<TKey, TValue> other)
        {
            if (ReferenceEquals(this, other) || Count == 0)
            {
                return this;
            }

            if (other.Count == 0)
            {
                return Empty;
            }

            var removed = 0;
            var root = Intersect(_root, other._root, 0, ref removed) as Branch ?? Branch.EmptyRoot;
            if (ReferenceEquals(root, _root))
            {
                return this;
            }

            return removed == Count ? Empty : new PersistentMap<TKey, TValue>(EnsureRoot(root), Count - removed);
        }

        /// <summary>The same keys with equal values.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool SameAs(PersistentMap<TKey, TValue> other) =>
            ReferenceEquals(this, other) || (other.Count == Count && Same(_root, other._root));

        /// <summary>
        /// Adds to <paramref name="into"/> the keys this map holds that <paramref name="other"/> does not
        /// hold with the same value, skipping the subtrees the two share: the cost is what changed since
        /// the two maps parted, not what they hold.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public void KeysNotIn(PersistentMap<TKey, TValue> other, List<TKey> into)
        {
            if (!ReferenceEquals(this, other))
            {
                KeysNotIn(_root, other._root, shift: 0, other, into);
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static void KeysNotIn(Item mine, Item? theirs, int shift, PersistentMap<TKey, TValue> other, List<TKey> into)
        {
            if (ReferenceEquals(mine, theirs))
            {
                return;
            }

            switch (mine)
            {
                case Branch branch when theirs is Branch their:
                    for (var slot = 0; slot <= Mask; slot++)
                    {
                        var bit = 1u << slot;
                        if ((branch.Bitmap & bit) != 0)
                        {
                            KeysNotIn(branch.Children[Index(branch.Bitmap, bit)], (their.Bitmap & bit) != 0 ? their.Children[Index(their.Bitmap, bit)] : null, shift + Bits, other, into);
                        }
                    }

                    return;
                case Branch branch:
                    foreach (var child in branch.Children)
                    {
                        KeysNotIn(child, theirs, shift + Bits, other, into);
                    }

                    return;
                case Leaf leaf:
                    // Where the two tries differ in shape here, the entry is looked up.
                    if (theirs is null || !other.TryGetValue(leaf.Key, out var value) || !ValueComparer.Equals(value, leaf.Value))
                    {
                        into.Add(leaf.Key);
                    }

                    return;
                default:
                    foreach (var entry in ((Bucket)mine).Leaves)
                    {
                        KeysNotIn(entry, theirs, shift, other, into);
                    }

                    return;
            }
        }

        /// <summary>Entries in no particular order.</summary>
        public Enumerator GetEnumerator() => new Enumerator(_root);

        [MethodImpl(Jit.Optimized)]
        private static int Index(uint bitmap, uint bit) => PopCount(bitmap & (bit - 1));

        [MethodImpl(Jit.Optimized)]
        private static int PopCount(uint value)
        {
            // netstandard2.0 has no BitOperations.
            value -= (value >> 1) & 0x55555555u;
            value = (value & 0x33333333u) + ((value >> 2) & 0x33333333u);
            return (int)((((value + (value >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
        }

        /// <summary>A root is always a branch; below it a lone leaf stands in for a branch of one.</summary>
        private static Branch EnsureRoot(Item item) => item as Branch ?? Branch.Of(item, 0);

        [MethodImpl(Jit.Optimized)]
        private static Item Set(Item item, Leaf leaf, int shift, ref bool added)
        {
            switch (item)
            {
                case Branch branch:
                    {
                        var bit = 1u << ((leaf.Hash >> shift) & Mask);
                        var index = Index(branch.Bitmap, bit);
                        if ((branch.Bitmap & bit) == 0)
                        {
                            added = true;
                            return branch.Insert(bit, index, leaf);
                        }

                        var child = branch.Children[index];
                        var updated = Set(child, leaf, shift + Bits, ref added);
                        return ReferenceEquals(updated, child) ? branch : branch.Replace(index, updated);
                    }

                case Leaf existing:
                    if (existing.Hash == leaf.Hash && KeyComparer.Equals(existing.Key, leaf.Key))
                    {
                        return ValueComparer.Equals(existing.Value, leaf.Value) ? existing : leaf;
                    }

                    added = true;
                    return Pair(existing, leaf, shift);
                default:
                    {
                        var bucket = (Bucket)item;
                        if (bucket.Hash != leaf.Hash)
                        {
                            added = true;
                            return Pair(bucket, leaf, shift);
                        }

                        var leaves = bucket.Leaves;
                        for (var i = 0; i < leaves.Length; i++)
                        {
                            if (KeyComparer.Equals(leaves[i].Key, leaf.Key))
                            {
                                if (ValueComparer.Equals(leaves[i].Value, leaf.Value))
                                {
                                    return bucket;
                                }

                                var copy = (Leaf[])leaves.Clone();
                                copy[i] = leaf;
                                return new Bucket(bucket.Hash, copy);
                            }
                        }

                        var grown = new Leaf[leaves.Length + 1];
                        Array.Copy(leaves, grown, leaves.Length);
                        grown[leaves.Length] = leaf;
                        added = true;
                        return new Bucket(bucket.Hash, grown);
                    }
            }
        }

        /// <summary>Two entries (a leaf or a bucket, and a leaf) of different keys under one slot at <paramref name="shift"/>.</summary>
        [MethodImpl(Jit.Optimized)]
        private static Item Pair(Item existing, Leaf leaf, int shift)
        {
            var existingHash = HashOf(existing);
            if (existingHash == leaf.Hash)
            {
                var grown = false;
                return existing is Leaf single ? new Bucket(leaf.Hash, new[] { single, leaf }) : Set(existing, leaf, shift, ref grown);
            }

            if (shift >= 32)
            {
                // Unreachable: two different hashes differ in some five-bit group below 32.
                throw new InvalidOperationException("hash trie deeper than its hash");
            }

            var a = (uint)(existingHash >> shift) & Mask;
            var b = (uint)(leaf.Hash >> shift) & Mask;
            if (a == b)
            {
                return new Branch(1u << (int)a, new[] { Pair(existing, leaf, shift + Bits) });
            }

            return a < b
                ? new Branch((1u << (int)a) | (1u << (int)b), new[] { existing, leaf })
                : new Branch((1u << (int)a) | (1u << (int)b), new Item[] { leaf, existing });
        }

        private static int HashOf(Item item) => item is Leaf leaf ? leaf.Hash : ((Bucket)item).Hash;

        /// <summary>The item without <paramref name="key"/>: the same item when absent, null when nothing is left.</summary>
        [MethodImpl(Jit.Optimized)]
        private static Item? Remove(Item item, int hash, TKey key, int shift)
        {
            switch (item)
            {
                case Branch branch:
                    {
                        var bit = 1u << ((hash >> shift) & Mask);
                        if ((branch.Bitmap & bit) == 0)
                        {
                            return branch;
                        }

                        var index = Index(branch.Bitmap, bit);
                        var child = branch.Children[index];
                        var updated = Remove(child, hash, key, shift + Bits);
                        if (ReferenceEquals(updated, child))
                        {
                            return branch;
                        }

                        return updated is null ? branch.Without(bit, index, shift) : branch.Replace(index, updated).Collapsed(shift);
                    }

                case Leaf leaf:
                    return leaf.Hash == hash && KeyComparer.Equals(leaf.Key, key) ? null : leaf;
                default:
                    {
                        var bucket = (Bucket)item;
                        if (bucket.Hash != hash)
                        {
                            return bucket;
                        }

                        var leaves = bucket.Leaves;
                        for (var i = 0; i < leaves.Length; i++)
                        {
                            if (KeyComparer.Equals(leaves[i].Key, key))
                            {
                                if (leaves.Length == 2)
                                {
                                    return leaves[1 - i];
                                }

                                var shrunk = new Leaf[leaves.Length - 1];
                                Array.Copy(leaves, 0, shrunk, 0, i);
                                Array.Copy(leaves, i + 1, shrunk, i, leaves.Length - i - 1);
                                return new Bucket(hash, shrunk);
                            }
                        }

                        return bucket;
                    }
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static Item Union(Item a, Item b, int shift, Func<TKey, TValue, TValue, TValue> join, ref int added)
        {
            if (ReferenceEquals(a, b))
            {
                return a;
            }

            if (a is Branch left && b is Branch right)
            {
                Item[]? children = null;
                var bitmap = left.Bitmap | right.Bitmap;
                var position = 0;
                for (var bits = bitmap; bits != 0; bits &= bits - 1)
                {
                    var bit = bits & (uint)-(int)bits;
                    Item? mine = (left.Bitmap & bit) != 0 ? left.Children[Index(left.Bitmap, bit)] : null;
                    Item? theirs = (right.Bitmap & bit) != 0 ? right.Children[Index(right.Bitmap, bit)] : null;
                    Item result;
                    if (theirs is null)
                    {
                        result = mine!;
                    }
                    else if (mine is null)
                    {
                        result = theirs;
                        added += CountOf(theirs);
                    }
                    else
                    {
                        result = Union(mine, theirs, shift + Bits, join, ref added);
                    }

                    if (children is null && !ReferenceEquals(result, mine))
                    {
                        // The first change: copy what came before it.
                        children = new Item[PopCount(bitmap)];
                        var copied = 0;
                        for (var before = bitmap & (bit - 1); before != 0; before &= before - 1)
                        {
                            children[copied++] = left.Children[Index(left.Bitmap, before & (uint)-(int)before)];
                        }
                    }

                    if (children is not null)
                    {
                        children[position] = result;
                    }

                    position++;
                }

                return children is null ? left : new Branch(bitmap, children);
            }

            // A leaf (or bucket) on one side: add the smaller side's entries one by one.
            if (b is Branch)
            {
                var result = b;
                var count = CountOf(b);
                foreach (var leaf in LeavesOf(a))
                {
                    var was = false;
                    var current = Find(result, leaf.Hash, leaf.Key, shift, out var existing);
                    result = Set(result, current ? new Leaf(leaf.Hash, leaf.Key, ValueComparer.Equals(leaf.Value, existing) ? leaf.Value : join(leaf.Key, leaf.Value, existing)) : leaf, shift, ref was);
                    count += was ? 1 : 0;
                }

                added += count - CountOf(a);
                return result;
            }

            var merged = a;
            foreach (var leaf in LeavesOf(b))
            {
                var was = false;
                if (Find(merged, leaf.Hash, leaf.Key, shift, out var existing))
                {
                    if (!ValueComparer.Equals(existing, leaf.Value))
                    {
                        merged = Set(merged, new Leaf(leaf.Hash, leaf.Key, join(leaf.Key, existing, leaf.Value)), shift, ref was);
                    }
                }
                else
                {
                    merged = Set(merged, leaf, shift, ref was);
                    added++;
                }
            }

            return merged;
        }

        [MethodImpl(Jit.Optimized)]
        private static Item? Intersect(Item a, Item b, int shift, ref int removed)
        {
            if (ReferenceEquals(a, b))
            {
                return a;
            }

            if (a is Branch left && b is Branch right)
            {
                Item?[]? kept = null;
                for (var i = 0; i < left.Children.Length; i++)
                {
                    var mine = left.Children[i];
                    var bit = NthBit(left.Bitmap, i);
                    Item? result = null;
                    if ((right.Bitmap & bit) != 0)
                    {
                        // The recursion counts what it drops.
                        result = Intersect(mine, right.Children[Index(right.Bitmap, bit)], shift + Bits, ref removed);
                    }
                    else
                    {
                        removed += CountOf(mine);
                    }

                    if (kept is null && !ReferenceEquals(result, mine))
                    {
                        kept = new Item?[left.Children.Length];
                        Array.Copy(left.Children, kept, i);
                    }

                    if (kept is not null)
                    {
                        kept[i] = result;
                    }
                }

                if (kept is null)
                {
                    return left;
                }

                var bitmap = 0u;
                var children = new List<Item>(kept.Length);
                for (var i = 0; i < kept.Length; i++)
                {
                    if (kept[i] is { } child)
                    {
                        bitmap |= NthBit(left.Bitmap, i);
                        children.Add(child);
                    }
                }

                return children.Count == 0 ? null : new Branch(bitmap, children.ToArray()).Collapsed(shift);
            }

            // A leaf (or bucket) on one side: keep the entries of that side the other holds with the same value.
            var small = a is Branch ? b : a;
            var large = a is Branch ? a : b;
            Item? same = null;
            var count = 0;
            foreach (var leaf in LeavesOf(small))
            {
                if (Find(large, leaf.Hash, leaf.Key, shift, out var value) && ValueComparer.Equals(value, leaf.Value))
                {
                    var grown = false;
                    same = same is null ? leaf : Set(same, leaf, shift, ref grown);
                    count++;
                }
            }

            var all = CountOf(a);
            removed += all - count;
            return count == all ? a : same;
        }

        /// <summary>The <paramref name="n"/>th set bit of <paramref name="bitmap"/>, alone.</summary>
        private static uint NthBit(uint bitmap, int n)
        {
            for (var i = 0; i < n; i++)
            {
                bitmap &= bitmap - 1;
            }

            return bitmap & (uint)-(int)bitmap;
        }

        [MethodImpl(Jit.Optimized)]
        private static bool Same(Item a, Item b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            switch (a)
            {
                case Branch left:
                    if (!(b is Branch right) || right.Bitmap != left.Bitmap)
                    {
                        return false;
                    }

                    for (var i = 0; i < left.Children.Length; i++)
                    {
                        if (!Same(left.Children[i], right.Children[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                case Leaf leaf:
                    return b is Leaf other && other.Hash == leaf.Hash && KeyComparer.Equals(other.Key, leaf.Key) && ValueComparer.Equals(other.Value, leaf.Value);
                default:
                    var bucket = (Bucket)a;
                    if (!(b is Bucket them) || them.Hash != bucket.Hash || them.Leaves.Length != bucket.Leaves.Length)
                    {
                        return false;
                    }

                    foreach (var entry in bucket.Leaves)
                    {
                        if (!Find(them, entry.Hash, entry.Key, 0, out var value) || !ValueComparer.Equals(value, entry.Value))
                        {
                            return false;
                        }
                    }

                    return true;
            }
        }

        private static bool Find(Item item, int hash, TKey key, int shift, out TValue value)
        {
            for (; ; shift += Bits)
            {
                if (item is Branch branch)
                {
                    var bit = 1u << ((hash >> shift) & Mask);
                    if ((branch.Bitmap & bit) == 0)
                    {
                        break;
                    }

                    item = branch.Children[Index(branch.Bitmap, bit)];
                    continue;
                }

                foreach (var leaf in LeavesOf(item))
                {
                    if (leaf.Hash == hash && KeyComparer.Equals(leaf.Key, key))
                    {
                        value = leaf.Value;
                        return true;
                    }
                }

                break;
            }

            value = default!;
            return false;
        }

        private static Leaf[] LeavesOf(Item item) => item is Leaf leaf ? new[] { leaf } : ((Bucket)item).Leaves;

        private static int CountOf(Item item)
        {
            switch (item)
            {
                case Branch branch:
                    var count = 0;
                    foreach (var child in branch.Children)
                    {
                        count += CountOf(child);
                    }

                    return count;
                case Leaf _:
                    return 1;
                default:
                    return ((Bucket)item).Leaves.Length;
            }
        }

        private abstract class Item
        {
        }

        private sealed class Leaf : Item
        {
            public Leaf(int hash, TKey key, TValue value)
            {
                Hash = hash;
                Key = key;
                Value = value;
            }

            public int Hash { get; }

            public TKey Key { get; }

            public TValue Value { get; }
        }

        /// <summary>Entries whose keys have the same hash (all 32 bits).</summary>
        private sealed class Bucket : Item
        {
            public Bucket(int hash, Leaf[] leaves)
            {
                Hash = hash;
                Leaves = leaves;
            }

            public int Hash { get; }

            public Leaf[] Leaves { get; }
        }

        /// <summary>Children (leaves, buckets, branches) at the set bits of <see cref="Bitmap"/>, in bit order.</summary>
        private sealed class Branch : Item
        {
            public static readonly Branch EmptyRoot = new Branch(0, Array.Empty<Item>());

            public Branch(uint bitmap, Item[] children)
            {
                Bitmap = bitmap;
                Children = children;
            }

            public uint Bitmap { get; }

            public Item[] Children { get; }

            public static Branch Of(Item item, int shift) => new Branch(1u << ((HashOf(item) >> shift) & Mask), new[] { item });

            public Branch Insert(uint bit, int index, Item item)
            {
                var children = new Item[Children.Length + 1];
                Array.Copy(Children, 0, children, 0, index);
                children[index] = item;
                Array.Copy(Children, index, children, index + 1, Children.Length - index);
                return new Branch(Bitmap | bit, children);
            }

            public Branch Replace(int index, Item item)
            {
                // A new array and a copy: Clone takes the runtime's general object-copy path.
                var children = new Item[Children.Length];
                Array.Copy(Children, children, children.Length);
                children[index] = item;
                return new Branch(Bitmap, children);
            }

            /// <summary>Without the child at <paramref name="bit"/>: null when nothing is left, a lone leaf or bucket below the root in place of its branch.</summary>
            public Item? Without(uint bit, int index, int shift)
            {
                if (Children.Length == 1)
                {
                    return null;
                }

                var children = new Item[Children.Length - 1];
                Array.Copy(Children, 0, children, 0, index);
                Array.Copy(Children, index + 1, children, index, Children.Length - index - 1);
                return new Branch(Bitmap & ~bit, children).Collapsed(shift);
            }

            /// <summary>Below the root, a branch holding one leaf or bucket is that leaf or bucket: the trie's shape depends only on its keys.</summary>
            public Item Collapsed(int shift) =>
                shift > 0 && Children.Length == 1 && !(Children[0] is Branch) ? Children[0] : this;
        }

        /// <summary>Walks the trie depth first (the map never changes).</summary>
        public struct Enumerator
        {
            // Deep enough for any trie: seven levels of five bits, and a bucket.
            private readonly Item[]? _items;
            private readonly int[]? _positions;
            private int _depth;
            private Leaf? _current;
            private Leaf[]? _bucket;
            private int _bucketIndex;

            // The root as an object: the trie's node types are private to the map.
            internal Enumerator(object rootBranch)
            {
                var root = (Branch)rootBranch;
                _current = null;
                _bucket = null;
                _bucketIndex = 0;
                if (root.Children.Length == 0)
                {
                    _items = null;
                    _positions = null;
                    _depth = -1;
                    return;
                }

                _items = new Item[9];
                _positions = new int[9];
                _items[0] = root;
                _positions[0] = 0;
                _depth = 0;
            }

            public KeyValuePair<TKey, TValue> Current => new KeyValuePair<TKey, TValue>(_current!.Key, _current.Value);

            [MethodImpl(Jit.Optimized)]
            public bool MoveNext()
            {
                if (_bucket is not null)
                {
                    if (++_bucketIndex < _bucket.Length)
                    {
                        _current = _bucket[_bucketIndex];
                        return true;
                    }

                    _bucket = null;
                }

                while (_depth >= 0)
                {
                    var branch = (Branch)_items![_depth];
                    var position = _positions![_depth];
                    if (position >= branch.Children.Length)
                    {
                        _depth--;
                        continue;
                    }

                    _positions[_depth] = position + 1;
                    switch (branch.Children[position])
                    {
                        case Branch child:
                            _depth++;
                            _items[_depth] = child;
                            _positions[_depth] = 0;
                            continue;
                        case Leaf leaf:
                            _current = leaf;
                            return true;
                        case Bucket bucket:
                            _bucket = bucket.Leaves;
                            _bucketIndex = 0;
                            _current = _bucket[0];
                            return true;
                    }
                }

                return false;
            }
        }
    }
}
