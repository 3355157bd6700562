using System.Collections.Generic;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// A set of names that answers for a word inside a larger text without cutting the word out:
    /// the prefilters look up every word of every body, and a string per word would cost more than
    /// the lookups.
    /// </summary>
    internal sealed class NameSet
    {
        private readonly Dictionary<int, List<string>> _buckets = new Dictionary<int, List<string>>();
        private readonly List<string> _names = new List<string>();

        public NameSet()
        {
        }

        public NameSet(IEnumerable<string> names)
        {
            foreach (var name in names)
            {
                Add(name);
            }
        }

        /// <summary>The names, in the order they were added.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>Adds a name; false when it was already there.</summary>
        public bool Add(string name)
        {
            var hash = Hash(name, 0, name.Length);
            if (!_buckets.TryGetValue(hash, out var bucket))
            {
                bucket = new List<string>(1);
                _buckets.Add(hash, bucket);
            }
            else if (Find(bucket, name, 0, name.Length) is not null)
            {
                return false;
            }

            bucket.Add(name);
            _names.Add(name);
            return true;
        }

        public bool Contains(string name) => Find(name, 0, name.Length) is not null;

        /// <summary>The stored name equal to text[start..start+length), or null.</summary>
        public string? Find(string text, int start, int length) =>
            _buckets.TryGetValue(Hash(text, start, length), out var bucket) ? Find(bucket, text, start, length) : null;

        private static string? Find(List<string> bucket, string text, int start, int length)
        {
            foreach (var name in bucket)
            {
                if (name.Length == length && string.CompareOrdinal(name, 0, text, start, length) == 0)
                {
                    return name;
                }
            }

            return null;
        }

        private static int Hash(string text, int start, int length)
        {
            unchecked
            {
                var hash = (int)2166136261;
                for (var i = start; i < start + length; i++)
                {
                    hash = (hash ^ text[i]) * 16777619;
                }

                return hash;
            }
        }
    }
}
