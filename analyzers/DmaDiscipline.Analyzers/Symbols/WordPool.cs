using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The strings of the words a reader has met, found again from the text without making a new one: a reader of
    /// declarations (<see cref="ContentFlow"/>, <see cref="SinkFlow"/>) reads the same few hundred words across thousands
    /// of members, and a string per occurrence was most of what it allocated. Not thread-safe: its owner locks it.
    /// </summary>
    internal sealed class WordPool
    {
        private string?[] _slots = new string?[256];
        private int _count;

        /// <summary>The string of [first, first + length) of the text: the pool's own when it has met the word.</summary>
        [MethodImpl(Jit.Optimized)]
        public string Get(string text, int first, int length)
        {
            var hash = Hash(text, first, length);
            var mask = _slots.Length - 1;
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                var slot = _slots[i];
                if (slot is null)
                {
                    var word = text.Substring(first, length);
                    _slots[i] = word;
                    if (++_count * 2 > _slots.Length)
                    {
                        Grow();
                    }

                    return word;
                }

                if (slot.Length == length && string.CompareOrdinal(text, first, slot, 0, length) == 0)
                {
                    return slot;
                }
            }
        }

        private static int Hash(string text, int first, int length)
        {
            unchecked
            {
                var hash = (int)2166136261;
                for (var i = first; i < first + length; i++)
                {
                    hash = (hash ^ text[i]) * 16777619;
                }

                return hash & int.MaxValue;
            }
        }

        private void Grow()
        {
            var old = _slots;
            _slots = new string?[old.Length * 2];
            var mask = _slots.Length - 1;
            foreach (var word in old)
            {
                if (word is null)
                {
                    continue;
                }

                var i = Hash(word, 0, word.Length) & mask;
                while (_slots[i] is not null)
                {
                    i = (i + 1) & mask;
                }

                _slots[i] = word;
            }
        }
    }
}
